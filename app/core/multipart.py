"""Receiving a multipart upload as a stream: the file goes to a temporary file, hashed on the way.

Starlette's `request.form()` spools files too, but it hashes nothing, caps no single file and
keeps the unfinished body when a client stops half-way; this reader uses the same streaming
parser (python-multipart) and keeps memory bounded whatever the size: at most one network
chunk plus `WRITE_BUFFER` bytes are held at a time. Disk writes and hashing run in a worker
thread, so a large upload does not stall the event loop.
"""

import hashlib
import logging
import os
import tempfile
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request

from app.core.errors import (
    BadRequest,
    ContentTooLarge,
    Unprocessable,
    UnsupportedMediaType,
    storage_failure,
)
from app.core.storage import CHUNK_SIZE

log = logging.getLogger(__name__)

WRITE_BUFFER = 1024 * 1024
SPOOL_PREFIX, SPOOL_SUFFIX = "upload-", ".part"
MAX_FIELD_BYTES = 20_000
MAX_FILE_NAME_CHARS = 200


@dataclass
class ReceivedFile:
    """The uploaded file, spooled to `path`, with what was learnt while receiving it."""

    path: Path
    sha256: str
    size: int
    file_name: str | None
    declared_type: str | None
    # The service's own spool, removed after the request and never written again: storage
    # may keep it as the stored file instead of copying it. A file that was already on disk
    # (an import, a finished resumable upload) is not one.
    spooled: bool = False


def received_from_disk(path: Path, *, file_name: str | None) -> ReceivedFile:
    """A file already on disk, hashed, as the photo pipeline takes it (read, never moved)."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while block := file.read(CHUNK_SIZE):
            digest.update(block)
    return ReceivedFile(
        path=path,
        sha256=digest.hexdigest(),
        size=path.stat().st_size,
        file_name=file_name,
        declared_type=None,
    )


@dataclass
class ReceivedForm:
    """A multipart form: its text fields and its one file."""

    fields: dict[str, str]
    file: ReceivedFile

    def discard(self) -> None:
        """Remove the spooled file."""
        self.file.path.unlink(missing_ok=True)


def remove_stale_spools(temp_dir: Path | None, *, older_than: float) -> list[Path]:
    """Remove spooled uploads last written before `older_than` (a UNIX time); return them.

    A request removes its own spool file however it ends, but a process killed mid-upload
    (SIGKILL, out of memory) cannot: its half-received files stay in the temporary folder.
    """
    folder = temp_dir or Path(tempfile.gettempdir())
    removed = []
    for path in folder.glob(f"{SPOOL_PREFIX}*{SPOOL_SUFFIX}"):
        with suppress(FileNotFoundError):
            if path.is_file() and path.stat().st_mtime < older_than:
                path.unlink()
                removed.append(path)
    return removed


# Flushes spools to disk while the request goes on (see `_flush_soon`).
_FLUSHER = ThreadPoolExecutor(max_workers=2, thread_name_prefix="spool-flush")


def _flush(path: Path) -> None:
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return  # already refused and removed
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # storing it fsyncs again, and answers for a failure then
    finally:
        os.close(descriptor)


def _flush_soon(path: Path) -> None:
    """Start writing a received spool to disk while the image is checked and decoded: a
    photo that is kept must be on disk before it is acknowledged, and storage's own fsync
    then finds little or nothing left to write."""
    _FLUSHER.submit(_flush, path)


@dataclass
class _Part:
    headers: dict[bytes, bytes] = field(default_factory=dict)
    name: str = ""
    file_name: str | None = None
    is_file: bool = False
    data: bytearray = field(default_factory=bytearray)


def safe_file_name(raw: str | None) -> str | None:
    """A file name fit to store and show: no folders, no control characters, bounded length."""
    if not raw:
        return None
    name = unicodedata.normalize("NFC", raw).replace("\\", "/")
    name = PurePosixPath(name).name
    name = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in name)
    name = name.strip().lstrip(".").strip()
    if len(name) > MAX_FILE_NAME_CHARS:
        stem, dot, suffix = name.rpartition(".")
        keep = MAX_FILE_NAME_CHARS - len(suffix) - 1 if dot and len(suffix) <= 10 else None
        name = stem[:keep] + "." + suffix if keep else name[:MAX_FILE_NAME_CHARS]
    return name or None


async def receive_form(
    request: Request,
    *,
    file_field: str,
    text_fields: frozenset[str],
    max_file_bytes: int,
    temp_dir: Path | None = None,
) -> ReceivedForm:
    """Read a multipart/form-data body with one file part named `file_field`.

    The file is spooled to a temporary file; the caller removes it (`discard`). Unknown
    fields, a missing or repeated file and a body that ends early are refused.
    """
    media_type, options = parse_options_header(request.headers.get("content-type"))
    if media_type != b"multipart/form-data":
        raise UnsupportedMediaType(
            f"Send the photo as multipart/form-data with the image in a part named "
            f"'{file_field}', not as '{media_type.decode('latin-1') or 'no Content-Type'}'."
        )
    boundary = options.get(b"boundary")
    if not boundary:
        raise BadRequest("The multipart Content-Type has no boundary parameter.")

    try:
        fd, spool_name = tempfile.mkstemp(prefix=SPOOL_PREFIX, suffix=SPOOL_SUFFIX, dir=temp_dir)
    except OSError as error:
        log.error("cannot spool an upload in %s: %s", temp_dir or tempfile.gettempdir(), error)
        raise storage_failure(error, "upload folder") from None
    spool = os.fdopen(fd, "wb")
    spool_path = Path(spool_name)
    digest = hashlib.sha256()
    fields: dict[str, str] = {}
    current = _Part()
    header_name = bytearray()
    header_value = bytearray()
    pending: list[bytes] = []
    pending_size = 0
    file_size = 0
    file_part: _Part | None = None
    ended = False

    def write_pending(chunks: list[bytes]) -> None:
        for chunk in chunks:
            digest.update(chunk)
            spool.write(chunk)

    def finish_spool(chunks: list[bytes]) -> None:
        write_pending(chunks)
        spool.close()

    def on_part_begin() -> None:
        nonlocal current
        current = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        header_name.extend(data[start:end])

    def on_header_value(data: bytes, start: int, end: int) -> None:
        header_value.extend(data[start:end])

    def on_header_end() -> None:
        current.headers[bytes(header_name).lower()] = bytes(header_value)
        header_name.clear()
        header_value.clear()

    def on_headers_finished() -> None:
        nonlocal file_part
        _, disposition = parse_options_header(current.headers.get(b"content-disposition"))
        if b"name" not in disposition:
            raise BadRequest("A multipart part has no name in its Content-Disposition header.")
        current.name = disposition[b"name"].decode("utf-8", "replace")
        if current.name == file_field:
            if file_part is not None:
                raise Unprocessable(f"Send exactly one file in the '{file_field}' part.")
            current.is_file = True
            file_part = current
            raw_name = disposition.get(b"filename")
            current.file_name = raw_name.decode("utf-8", "replace") if raw_name else None
        elif current.name not in text_fields:
            allowed = ", ".join(sorted({file_field, *text_fields}))
            raise Unprocessable(f"Unknown form field '{current.name}'; the fields are: {allowed}.")
        elif current.name in fields:
            raise Unprocessable(f"The form field '{current.name}' was sent twice.")
        elif b"filename" in disposition:
            raise Unprocessable(f"The form field '{current.name}' must be text, not a file.")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        nonlocal pending_size, file_size
        if current.is_file:
            file_size += end - start
            if file_size > max_file_bytes:
                raise ContentTooLarge(
                    f"The file is larger than the {max_file_bytes} bytes accepted "
                    f"({max_file_bytes // (1024 * 1024)} MiB)."
                )
            pending.append(data[start:end])
            pending_size += end - start
        else:
            current.data.extend(data[start:end])
            if len(current.data) > MAX_FIELD_BYTES:
                raise ContentTooLarge(
                    f"The form field '{current.name}' is longer than {MAX_FIELD_BYTES} bytes."
                )

    def on_part_end() -> None:
        if not current.is_file:
            try:
                fields[current.name] = current.data.decode("utf-8")
            except UnicodeDecodeError:
                raise Unprocessable(f"The form field '{current.name}' is not UTF-8 text.") from None

    def on_end() -> None:
        nonlocal ended
        ended = True

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
            "on_end": on_end,
        },
    )
    try:
        try:
            async for chunk in request.stream():
                parser.write(chunk)
                if pending_size >= WRITE_BUFFER:
                    chunks = pending.copy()
                    pending.clear()
                    pending_size = 0
                    await run_in_threadpool(write_pending, chunks)
            parser.finalize()
        except MultipartParseError as error:
            raise BadRequest(f"The multipart body is malformed: {error}.") from None
        except ClientDisconnect:
            raise BadRequest("The client closed the connection before the upload ended.") from None
        if not ended:
            raise BadRequest("The multipart body ended before its closing boundary.")
        if file_part is None:
            raise Unprocessable(f"The form has no '{file_field}' part: attach the image file.")
        # The rest of the file (less than WRITE_BUFFER) and the close: one worker-thread trip.
        await run_in_threadpool(finish_spool, pending)
        _flush_soon(spool_path)
    except OSError as error:
        with suppress(OSError):
            spool.close()
        spool_path.unlink(missing_ok=True)
        log.error("cannot spool an upload in %s: %s", spool_path.parent, error)
        raise storage_failure(error, "upload folder") from None
    except BaseException:
        with suppress(OSError):
            spool.close()
        spool_path.unlink(missing_ok=True)
        raise
    declared = file_part.headers.get(b"content-type")
    return ReceivedForm(
        fields=fields,
        file=ReceivedFile(
            path=spool_path,
            sha256=digest.hexdigest(),
            size=file_size,
            file_name=safe_file_name(file_part.file_name),
            declared_type=declared.decode("latin-1").strip() if declared else None,
            spooled=True,
        ),
    )
