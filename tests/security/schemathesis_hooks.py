"""Schemathesis CLI hooks (`SCHEMATHESIS_HOOKS=tests.security.schemathesis_hooks`): tus
chunks (PATCH /api/v1/uploads/{upload_id}) are raw bytes, like any octet stream."""

import schemathesis

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")
