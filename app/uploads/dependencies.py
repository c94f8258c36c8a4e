"""Loading the upload a request names, checking tus headers, receiving a chunk as a stream."""

import os
import re
import uuid
from collections.abc import AsyncIterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Path, Request
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from app.core.config import Settings
from app.core.dependencies import ReceiveThenWriteDep, SettingsDep
from app.core.errors import (
    BadRequest,
    ContentTooLarge,
    PreconditionFailed,
    UnsupportedMediaType,
    storage_failure,
)
from app.photos.dependencies import UploaderDep
from app.uploads import service
from app.uploads.models import Upload
from app.uploads.protocol import (
    OFFSET_STREAM,
    TUS_VERSION,
    UPLOADS_PATH,
    Checksum,
    ChecksumMismatch,
    parse_checksum,
)

UploadToken = Annotated[
    str,
    Path(
        min_length=16,
        max_length=64,
        pattern=r"^[A-Za-z0-9_-]+$",
        description="The upload's token, from the Location of its creation.",
    ),
]
WRITE_BUFFER = 1024 * 1024
CHUNK_PATH = re.compile(re.escape(UPLOADS_PATH) + r"/[^/]+/?")


def chunk_body_limit(path: str, settings: Settings) -> int | None:
    """The body limit of an upload's URL: a chunk can be the whole photo."""
    if CHUNK_PATH.fullmatch(path):
        return settings.max_upload_bytes
    return None


def require_tus_version(
    tus_resumable: Annotated[
        str | None, Header(alias="Tus-Resumable", description="Must be 1.0.0.")
    ] = None,
) -> None:
    """`412` unless the client speaks the tus version this server does."""
    if tus_resumable != TUS_VERSION:
        raise PreconditionFailed(
            f"Send 'Tus-Resumable: {TUS_VERSION}': this server speaks tus {TUS_VERSION} "
            f"(got {tus_resumable or 'no Tus-Resumable header'}).",
            headers={"Tus-Version": TUS_VERSION},
        )


TusVersion = Annotated[None, Depends(require_tus_version)]


def get_own_upload(
    upload_id: UploadToken,
    caller: UploaderDep,
    transactions: ReceiveThenWriteDep,
    settings: SettingsDep,
) -> Upload:
    """The caller's upload named in the path, not expired (`Gone`) nor refused; read in a
    short transaction, since what follows (a chunk, a photo) writes in transactions of its
    own."""
    with transactions.check() as session:
        upload = service.get_upload(session=session, token=upload_id, owner=caller)
    service.check_usable(upload, root=settings.resumable_uploads_dir)
    return upload


OwnUploadDep = Annotated[Upload, Depends(get_own_upload)]


@dataclass(frozen=True)
class ChunkTarget:
    """Where a PATCH's bytes go, checked before a byte of them is read."""

    token: str
    offset: int
    remaining: int
    checksum: Checksum | None


def _offset(raw: str | None) -> int:
    if raw is None or not re.fullmatch(r"[0-9]{1,18}", raw.strip()):
        raise BadRequest("Upload-Offset must be the number of bytes already sent (HEAD says).")
    return int(raw)


def check_chunk_target(
    request: Request,
    upload: OwnUploadDep,
    _: TusVersion,
    content_type: Annotated[str | None, Header(alias="Content-Type")] = None,
    upload_offset: Annotated[
        str | None, Header(alias="Upload-Offset", description="Where these bytes go.")
    ] = None,
    upload_checksum: Annotated[
        str | None,
        Header(alias="Upload-Checksum", description="`sha1 <base64 digest>` of this chunk."),
    ] = None,
) -> ChunkTarget:
    """The headers of a PATCH, checked against the upload before its body is read."""
    if (content_type or "").split(";")[0].strip().lower() != OFFSET_STREAM:
        raise UnsupportedMediaType(
            f"Send the bytes as '{OFFSET_STREAM}', not as '{content_type or 'no Content-Type'}'."
        )
    offset = _offset(upload_offset)
    checksum = parse_checksum(upload_checksum)
    declared = request.headers.get("content-length")
    service.check_chunk(
        upload,
        offset=offset,
        declared_size=int(declared)
        if declared and re.fullmatch(r"[0-9]{1,18}", declared)
        else None,
    )
    return ChunkTarget(
        token=upload.token,
        offset=offset,
        remaining=upload.upload_length - upload.upload_offset,
        checksum=checksum,
    )


async def receive_chunk(
    request: Request,
    target: Annotated[ChunkTarget, Depends(check_chunk_target)],
    settings: SettingsDep,
) -> AsyncIterator[service.ReceivedChunk]:
    """The PATCH body, streamed to a file beside the upload's data (removed afterwards).

    A client that drops mid-chunk keeps what arrived (tus asks servers to keep as much as
    they can), unless the chunk carries a checksum, which only the whole chunk can match.
    """
    folder = service.folder_of(settings.resumable_uploads_dir, target.token)
    path = folder / f"chunk-{uuid.uuid4().hex}.part"
    hasher = target.checksum.hasher() if target.checksum else None
    size = 0
    pending: list[bytes] = []
    pending_size = 0
    try:
        spool = await run_in_threadpool(path.open, "wb")
    except FileNotFoundError:
        # The folder went (expired and cleaned up by another request) since the checks.
        raise service.StoredProblem(
            {"status": 410, "slug": "gone", "detail": "This upload was removed meanwhile."}
        ) from None
    except OSError as error:
        raise storage_failure(error, "resumable upload folder") from None

    def write(chunks: list[bytes]) -> None:
        for block in chunks:
            if hasher is not None:
                hasher.update(block)
            spool.write(block)

    try:
        try:
            async for block in request.stream():
                size += len(block)
                if size > target.remaining:
                    raise ContentTooLarge(
                        f"This chunk goes past the end of the upload: only {target.remaining} "
                        "bytes remain of those declared in Upload-Length."
                    )
                pending.append(block)
                pending_size += len(block)
                if pending_size >= WRITE_BUFFER:
                    chunks, pending, pending_size = pending, [], 0
                    await run_in_threadpool(write, chunks)
        except OSError as error:
            raise storage_failure(error, "resumable upload folder") from None
        except ClientDisconnect:
            if target.checksum is not None:
                raise BadRequest(
                    "The client closed the connection before the chunk ended; a chunk with a "
                    "checksum is kept only whole."
                ) from None
        try:
            await run_in_threadpool(write, pending)
            await run_in_threadpool(spool.flush)
            await run_in_threadpool(os.fsync, spool.fileno())
            await run_in_threadpool(spool.close)
        except OSError as error:
            raise storage_failure(error, "resumable upload folder") from None
        if hasher is not None and hasher.digest() != target.checksum.digest:
            raise ChecksumMismatch(
                f"The {target.checksum.algorithm} checksum of the {size} bytes received does "
                "not match Upload-Checksum: the chunk was damaged on the way and was dropped. "
                f"Send it again from offset {target.offset}."
            )
        yield service.ReceivedChunk(token=target.token, offset=target.offset, path=path, size=size)
    finally:
        with suppress(OSError):  # a full volume fails the close's flush too
            spool.close()
        path.unlink(missing_ok=True)


ChunkDep = Annotated[service.ReceivedChunk, Depends(receive_chunk)]


def expiry(settings: Settings) -> timedelta:
    """How long an upload lives after its last activity."""
    return timedelta(seconds=settings.resumable_upload_expiry_seconds)
