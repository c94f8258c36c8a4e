"""The tus 1.0 wire format: headers, metadata, checksums, and the protocol's middleware.

https://tus.io/protocols/resumable-upload: core protocol plus the creation, termination,
checksum and expiration extensions. Nothing here touches the database.
"""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import BadRequest, RegistryError
from app.core.time import as_utc

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,checksum,expiration"
OFFSET_STREAM = "application/offset+octet-stream"
UPLOADS_PATH = "/api/v1/uploads"
# sha1 is the one the checksum extension requires every server to support.
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "sha512")
_METADATA_KEY = re.compile(r"^[^\s,]+$")


class ChecksumMismatch(RegistryError):
    """The checksum extension's own status: the chunk was damaged on the way."""

    status, slug, title = 460, "checksum-mismatch", "Checksum Mismatch"


@dataclass(frozen=True)
class Checksum:
    """An `Upload-Checksum` header: the algorithm and the digest the client computed."""

    algorithm: str
    digest: bytes

    def hasher(self) -> Any:
        """A new hash object of this algorithm."""
        # Integrity against damage on the wire, not a security measure.
        return hashlib.new(self.algorithm, usedforsecurity=False)


def parse_checksum(header: str | None) -> Checksum | None:
    """`<algorithm> <base64 digest>` as a `Checksum`; `BadRequest` when it is not one."""
    if header is None:
        return None
    algorithm, _, encoded = header.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise BadRequest(
            f"Upload-Checksum uses '{algorithm}'; this server supports "
            f"{', '.join(CHECKSUM_ALGORITHMS)} (see Tus-Checksum-Algorithm)."
        )
    try:
        digest = base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("Upload-Checksum must be '<algorithm> <base64 digest>'.") from None
    if len(digest) != hashlib.new(algorithm, usedforsecurity=False).digest_size:
        raise BadRequest(f"The {algorithm} digest in Upload-Checksum has the wrong length.")
    return Checksum(algorithm=algorithm, digest=digest)


def parse_metadata(header: str | None) -> dict[str, str]:
    """`Upload-Metadata` (`key base64value, key2 base64value2, key3`) as text values."""
    if header is None or not header.strip():
        return {}
    values: dict[str, str] = {}
    for pair in header.split(","):
        key, _, encoded = pair.strip().partition(" ")
        if not _METADATA_KEY.match(key):
            raise BadRequest(
                "Upload-Metadata must be comma-separated 'key base64value' pairs with keys "
                "free of spaces and commas."
            )
        if key in values:
            raise BadRequest(f"Upload-Metadata names '{key}' twice.")
        try:
            values[key] = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise BadRequest(
                f"The Upload-Metadata value of '{key}' is not base64-encoded UTF-8 text."
            ) from None
    return values


def encode_metadata(values: dict[str, str]) -> str:
    """Text values as an `Upload-Metadata` header."""
    return ",".join(
        f"{key} {base64.b64encode(value.encode('utf-8')).decode('ascii')}"
        for key, value in values.items()
    )


def http_date(moment: datetime) -> str:
    """A time as HTTP writes it (RFC 9110 IMF-fixdate), as `Upload-Expires` needs."""
    return format_datetime(as_utc(moment), usegmt=True)


def _is_upload_path(path: str) -> bool:
    return path == UPLOADS_PATH or path.startswith(UPLOADS_PATH + "/")


class TusProtocolMiddleware:
    """What tus asks of every request and response on the uploads path.

    `X-HTTP-Method-Override` on a POST is taken as the method (for clients and proxies that
    can only send GET and POST), and every response carries `Tus-Resumable`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_upload_path(scope["path"]):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST":
            for name, value in scope["headers"]:
                if name == b"x-http-method-override":
                    override = value.decode("latin-1").strip().upper()
                    if override in ("PATCH", "DELETE", "HEAD"):
                        scope = {**scope, "method": override}
                    break

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Tus-Resumable"] = TUS_VERSION
            await send(message)

        await self.app(scope, receive, send_with_version)
