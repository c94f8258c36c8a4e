"""Where files live: a small interface with a local-folder and an S3-compatible backend.

The database keeps only keys, sizes and hashes. Files written during a request are tracked on
its session: when the transaction rolls back they are deleted, so a failed request leaves no
file behind; files that a transaction stops referencing are deleted only once it commits.
A crash between writing a file and committing its row leaves a file without a row (never a
row without a file); `heritage-registry media check --repair` removes such orphans.
"""

import hashlib
import logging
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO, Protocol

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.core.config import Settings
from app.core.errors import STORAGE_RETRY_AFTER_SECONDS, ServiceUnavailable, storage_failure

log = logging.getLogger(__name__)

CHUNK_SIZE = 256 * 1024


def _new_file_mode() -> int:
    # The process's umask can only be read by setting it; done once, at import.
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


_NEW_FILE_MODE = _new_file_mode()


class StorageError(Exception):
    """The storage backend failed or is misconfigured."""


class MissingFile(StorageError):
    """No file is stored under the key."""


@dataclass(frozen=True)
class StoredObject:
    """One stored file, as listed by a backend."""

    key: str
    size: int
    modified_at: datetime


class Storage(Protocol):
    """What the registry needs from a file store: put, open, delete, list by key."""

    description: str

    def put_file(
        self, key: str, source: Path, *, content_type: str, take_over: bool = False
    ) -> None:
        """Store a file's bytes under `key`, replacing any file there; with `take_over`,
        `source` is the caller's own spool, never changed again, which may become the
        stored file itself instead of being copied."""

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        """Store bytes under `key`, replacing any file there."""

    def exists(self, key: str) -> bool:
        """Whether a file is stored under `key`."""

    def open(self, key: str) -> BinaryIO:
        """The stored file, for reading; `MissingFile` when there is none."""

    def delete(self, key: str) -> None:
        """Remove the file under `key` (nothing happens if there is none)."""

    def list(self) -> Iterator[StoredObject]:
        """Every stored file."""

    def check(self) -> None:
        """Raise `StorageError` unless the store can be written to now."""


def _checked_key(key: str) -> PurePosixPath:
    path = PurePosixPath(key)
    if not key or path.is_absolute() or any(part in ("", ".", "..") for part in key.split("/")):
        raise ValueError(f"invalid storage key {key!r}")
    return path


class LocalStorage:
    """Files in a folder (`HERITAGE_MEDIA_ROOT`); the default."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"local folder {root}"

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*_checked_key(key).parts)

    def _write_atomically(self, key: str, write: Any) -> None:
        # Write beside the target and rename: a reader never sees half a file, and a crash
        # leaves only a dot-file that `list` ignores.
        target, partial = self._target_and_partial(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with partial.open("wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except OSError as error:
            raise self._write_failure(key, error) from None
        finally:
            partial.unlink(missing_ok=True)

    def _target_and_partial(self, key: str) -> tuple[Path, Path]:
        """Where `key` is stored, and a name beside it to write to first."""
        target = self._path(key)
        return target, target.with_name(f".{target.name}.{uuid.uuid4().hex}.part")

    def _write_failure(self, key: str, error: OSError) -> Exception:
        log.error("cannot write %s to %s: %s", key, self.description, error)
        return storage_failure(error, "photo storage")

    def put_file(
        self, key: str, source: Path, *, content_type: str, take_over: bool = False
    ) -> None:
        if take_over and self._link(key, source):
            return

        def copy(out: BinaryIO) -> None:
            with source.open("rb") as src:
                shutil.copyfileobj(src, out, CHUNK_SIZE)

        self._write_atomically(key, copy)

    def _link(self, key: str, source: Path) -> bool:
        """Make a spool the stored file without copying it: flushed to disk (once, as a
        copy would be), hard-linked beside the target and renamed into place. False when
        it cannot be (another file system): the caller copies instead."""
        target, partial = self._target_and_partial(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with source.open("rb") as spool:
                os.fsync(spool.fileno())
            os.link(source, partial)
        except OSError:
            return False
        try:
            # A spool is private to the service (0600); stored files get a new file's mode.
            os.chmod(partial, _NEW_FILE_MODE)
            os.replace(partial, target)
        except OSError as error:
            raise self._write_failure(key, error) from None
        finally:
            partial.unlink(missing_ok=True)
        return True

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        self._write_atomically(key, lambda out: out.write(data))

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise MissingFile(key) from None

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.rglob("*")):
            relative = path.relative_to(self.root)
            if path.is_file() and not any(part.startswith(".") for part in relative.parts):
                stat = path.stat()
                yield StoredObject(
                    key=relative.as_posix(),
                    size=stat.st_size,
                    modified_at=datetime.fromtimestamp(stat.st_mtime, UTC),
                )

    def check(self) -> None:
        problem = folder_problem(self.root)
        if problem is not None:
            raise StorageError(f"the media folder {self.root} {problem}")


class S3Storage:
    """Objects in an S3-compatible bucket (boto3), for deployments with several machines."""

    def __init__(
        self,
        *,
        bucket: str,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        key_prefix: str = "",
    ) -> None:
        import boto3  # only deployments that use S3 pay for importing it
        from botocore.config import Config

        self.bucket = bucket
        self.prefix = key_prefix
        self.description = f"S3 bucket {bucket}" + (f" at {endpoint_url}" if endpoint_url else "")
        # A boto3 client (unlike a resource) is safe to share between request threads.
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=Config(retries={"max_attempts": 5, "mode": "standard"}),
        )

    def _key(self, key: str) -> str:
        return self.prefix + str(_checked_key(key))

    def put_file(
        self, key: str, source: Path, *, content_type: str, take_over: bool = False
    ) -> None:
        # upload_file switches to a multipart upload for large files.
        with self._failures_answered():
            self.client.upload_file(
                str(source), self.bucket, self._key(key), ExtraArgs={"ContentType": content_type}
            )

    def put_bytes(self, key: str, data: bytes, *, content_type: str) -> None:
        with self._failures_answered():
            self.client.put_object(
                Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=content_type
            )

    @contextmanager
    def _failures_answered(self) -> Iterator[None]:
        from boto3.exceptions import S3UploadFailedError
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            yield
        except (BotoCoreError, ClientError, S3UploadFailedError) as error:
            # The bucket is unreachable, refuses or throttles: boto3 already retried.
            log.error("cannot write to %s: %s", self.description, error)
            raise ServiceUnavailable(
                "The server's photo storage is not answering; nothing was stored or sent. "
                f"Retry in {STORAGE_RETRY_AFTER_SECONDS} seconds.",
                headers={"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)},
            ) from None

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        with self._failures_answered():
            try:
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return False
                raise
        return True

    def open(self, key: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        with self._failures_answered():
            try:
                return self.client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                    raise MissingFile(key) from None
                raise

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def list(self) -> Iterator[StoredObject]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
            for item in page.get("Contents", []):
                yield StoredObject(
                    key=item["Key"][len(self.prefix) :],
                    size=item["Size"],
                    modified_at=item["LastModified"],
                )

    def check(self) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"the S3 bucket {self.bucket} is not reachable: {error}") from None


# Bytes written to probe a folder: enough to fail on a full volume, which still takes an
# empty file (a name costs no block).
PROBE_BYTES = 64 * 1024


def folder_problem(folder: Path) -> str | None:
    """What keeps files from being written in `folder` now ("is full…"), or None."""
    probe = folder / f".ready-{uuid.uuid4().hex}"
    try:
        with probe.open("wb") as out:
            out.write(b"\0" * PROBE_BYTES)
            out.flush()
            os.fsync(out.fileno())
    except OSError as error:
        return f"cannot be written to ({error.strerror or error})"
    finally:
        with suppress(OSError):
            probe.unlink(missing_ok=True)
    return None


@dataclass(frozen=True)
class Folder:
    """A folder the service writes to, and the setting that names it."""

    name: str
    setting: str
    path: Path
    configured: bool = True


def writable_folders(settings: Settings) -> list[Folder]:
    """Every local folder the service writes files to."""
    folders = []
    if settings.storage_backend == "local":
        folders.append(Folder("photo storage", "HERITAGE_MEDIA_ROOT", settings.media_root))
    spool = settings.upload_temp_dir
    folders.append(
        Folder(
            "upload folder",
            "HERITAGE_UPLOAD_TEMP_DIR",
            spool or Path(tempfile.gettempdir()),
            configured=spool is not None,
        )
    )
    folders.append(
        Folder(
            "resumable upload folder",
            "HERITAGE_RESUMABLE_UPLOADS_DIR",
            settings.resumable_uploads_dir,
        )
    )
    return folders


class StartupError(RuntimeError):
    """A setting names a folder the service cannot use; the message names the setting."""


def prepare_folders(settings: Settings) -> None:
    """Create every configured folder (with its parents); `StartupError` naming the setting
    when one cannot be, so a wrong path stops the service at start instead of failing each
    upload later."""
    for folder in writable_folders(settings):
        if not folder.configured:
            continue
        try:
            folder.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StartupError(
                f"{folder.setting}={folder.path} cannot be created: "
                f"{error.strerror or error}. Point {folder.setting} at a folder the service "
                "may write to."
            ) from None


def make_storage(settings: Settings) -> Storage:
    """The storage backend the settings choose."""
    if settings.storage_backend == "s3":
        if not settings.s3_bucket:
            raise StorageError("HERITAGE_S3_BUCKET must be set when HERITAGE_STORAGE_BACKEND=s3")
        secret = settings.s3_secret_access_key
        return S3Storage(
            bucket=settings.s3_bucket,
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            access_key_id=settings.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
            key_prefix=settings.s3_key_prefix,
        )
    return LocalStorage(settings.media_root)


class IntegrityFailure(StorageError):
    """A stored file's bytes no longer match the hash recorded when it was stored."""


def iter_verified(
    handle: BinaryIO,
    *,
    sha256: str,
    byte_size: int,
    on_mismatch: Callable[[str], None],
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[bytes]:
    """A stored file's bytes in chunks, hashed on the way; closes it at the end.

    The last chunk is held back until the whole file has been hashed: when the bytes differ
    from `sha256` (or from `byte_size`), `on_mismatch` is told why and the stream ends with
    `IntegrityFailure` before the last chunk, so the client receives fewer bytes than the
    announced Content-Length and discards the response instead of keeping altered bytes
    under the original's ETag.
    """
    digest = hashlib.sha256()
    received = 0
    held: bytes | None = None
    try:
        while chunk := handle.read(chunk_size):
            received += len(chunk)
            if received > byte_size:
                break
            digest.update(chunk)
            if held is not None:
                yield held
            held = chunk
        if received != byte_size:
            problem = f"{received if received < byte_size else 'more'} bytes, not {byte_size}"
        elif digest.hexdigest() != sha256:
            problem = "bytes that do not match the recorded SHA-256"
        else:
            if held is not None:
                yield held
            return
        on_mismatch(problem)
        raise IntegrityFailure(problem)
    finally:
        handle.close()


def iter_file(handle: BinaryIO, chunk_size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """A stored file's bytes in chunks; closes it at the end."""
    try:
        while chunk := handle.read(chunk_size):
            yield chunk
    finally:
        handle.close()


# Files written in a transaction, and files to remove once it commits, kept on the session.
_WRITTEN = "storage.written"
_DELETE_AFTER_COMMIT = "storage.delete_after_commit"


def put_file_in_transaction(
    session: Session,
    storage: Storage,
    key: str,
    source: Path,
    *,
    content_type: str,
    take_over: bool = False,
) -> None:
    """Store a file for a row of this transaction; removed again if the transaction rolls back.

    Keys are content hashes, so a file already there holds the same bytes and may be another
    row's: it is left alone and not removed on rollback. `take_over`: see `Storage.put_file`.
    """
    if storage.exists(key):
        return
    session.info.setdefault(_WRITTEN, []).append((storage, key))
    storage.put_file(key, source, content_type=content_type, take_over=take_over)


def put_bytes_in_transaction(
    session: Session, storage: Storage, key: str, data: bytes, *, content_type: str
) -> None:
    """Like `put_file_in_transaction`, for bytes in memory."""
    if storage.exists(key):
        return
    session.info.setdefault(_WRITTEN, []).append((storage, key))
    storage.put_bytes(key, data, content_type=content_type)


def delete_after_commit(session: Session, storage: Storage, key: str) -> None:
    """Remove a file once this transaction commits (kept if it rolls back)."""
    session.info.setdefault(_DELETE_AFTER_COMMIT, []).append((storage, key))


def _delete_quietly(storage: Storage, key: str, why: str) -> None:
    try:
        storage.delete(key)
    except Exception:
        # The request's outcome is already decided; `media check` finds what is left.
        log.exception("could not delete %s from %s (%s)", key, storage.description, why)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_WRITTEN, None)
    for storage, key in session.info.pop(_DELETE_AFTER_COMMIT, []):
        _delete_quietly(storage, key, "no longer referenced")


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is not None:
        return  # a savepoint: the outer transaction may still commit
    session.info.pop(_DELETE_AFTER_COMMIT, None)
    for storage, key in session.info.pop(_WRITTEN, []):
        _delete_quietly(storage, key, "its transaction rolled back")
