"""Schemathesis CLI hooks (`SCHEMATHESIS_HOOKS=tests.security.schemathesis_hooks`): tus
chunks (PATCH /api/v1/uploads/{upload_id}) are raw bytes, like any octet stream; a ranked
monument search pages with a cursor of its own."""

import base64
import json

import schemathesis

from tests.security.regex_strategies import remember_regex_strategies

schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")


def _cursor(*key: int) -> str:
    # As app.core.pagination.encode_cursor writes one.
    raw = json.dumps({"v": 1, "after": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


ID_CURSOR = _cursor(0)  # `query.cursor` in schemathesis.toml: after id 0
SEARCH_CURSOR = _cursor(0, 0)  # a ranked search resumes after (score, id)


@schemathesis.hook
def map_case(context: schemathesis.HookContext, case: schemathesis.Case) -> schemathesis.Case:
    """`GET /api/v1/monuments?q=…` orders by score, then id, so the cursor the service
    issues for it carries both; the configured id cursor is swapped for one of those."""
    operation = context.operation
    query = case.query or {}
    searching = query.get("q") is not None and query.get("cursor") == ID_CURSOR
    if operation is not None and operation.path == "/api/v1/monuments" and searching:
        case.query = {**query, "cursor": SEARCH_CURSOR}
    return case


remember_regex_strategies()
