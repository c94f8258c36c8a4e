"""Resumable uploads: starting one, adding bytes at its offset, making it a photo, ending it.

The bytes live in a folder per upload under `resumable_uploads_dir` (`<token>/data`), never
in memory and never in the database. The row's `upload_offset` is the truth: a chunk is
appended and fsync'ed while the row is locked, and the new offset is committed after that,
so bytes past the committed offset (a crash, a failed commit) are cut off by the next chunk.
A complete upload goes through `photos.add_photo`, the very function behind the multipart
upload: same checks, hashing, EXIF, derivatives, dedupe and audit.
"""

import math
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.orm import SessionTransaction
from sqlmodel import Session, select

from app.audit import service as audit
from app.core.actors import Caller
from app.core.db import columns
from app.core.errors import (
    Conflict,
    ContentTooLarge,
    Gone,
    NotFound,
    RegistryError,
    TooManyRequests,
    Unprocessable,
    storage_failure,
)
from app.core.multipart import ReceivedFile, received_from_disk, safe_file_name
from app.core.schemas import TEXT_INPUT
from app.core.storage import CHUNK_SIZE, Storage
from app.core.time import utc_now
from app.monuments import service as monuments
from app.photos import service as photos
from app.photos.schemas import PhotoFields
from app.sources import service as sources
from app.uploads.models import Upload, UploadState
from app.uploads.schemas import UploadMetadata, UploadRead

UPLOADS_URL = "/api/v1/uploads"
DATA_FILE = "data"


@dataclass(frozen=True)
class ReceivedChunk:
    """Bytes of one PATCH, spooled to `path`, meant for `offset` of the upload `token`."""

    token: str
    offset: int
    path: Path
    size: int


class StoredProblem(RegistryError):
    """The problem a complete upload was refused with, answered again on every later request."""

    def __init__(self, problem: dict[str, Any]) -> None:
        extra = {"errors": problem["errors"]} if problem.get("errors") else {}
        super().__init__(problem["detail"], **extra)
        self.status = problem["status"]
        self.slug = problem["slug"]


def folder_of(root: Path, token: str) -> Path:
    """Where an upload's bytes are kept."""
    return root / token


def data_path(root: Path, token: str) -> Path:
    """The file holding the bytes received so far."""
    return folder_of(root, token) / DATA_FILE


# Folders to remove once the transaction commits, and folders made by one that rolls back.
_REMOVE_AFTER_COMMIT = "uploads.remove_after_commit"
_MADE = "uploads.made"


def _remove_after_commit(session: Session, folder: Path) -> None:
    session.info.setdefault(_REMOVE_AFTER_COMMIT, []).append(folder)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    session.info.pop(_MADE, None)
    for folder in session.info.pop(_REMOVE_AFTER_COMMIT, []):
        shutil.rmtree(folder, ignore_errors=True)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is not None:
        return
    session.info.pop(_REMOVE_AFTER_COMMIT, None)
    for folder in session.info.pop(_MADE, []):
        shutil.rmtree(folder, ignore_errors=True)


def _metadata_problem(key: str, message: str, kind: str) -> Unprocessable:
    return Unprocessable.at(
        ("header", "Upload-Metadata", key), f"Upload-Metadata '{key}': {message}", kind, msg=message
    )


@dataclass(frozen=True)
class OpenUploadLimits:
    """How much one key may have in flight: open uploads, and the bytes they declare."""

    uploads: int
    bytes: int


def _check_open_uploads(
    session: Session, *, owner: Caller, length: int, limits: OpenUploadLimits
) -> None:
    """`TooManyRequests` when another upload of `length` bytes would take the key past its
    limits: without them, one key could reserve the volume with a hundred 100 MiB uploads."""
    now = utc_now()
    count, declared, first_expiry = session.exec(
        select(
            func.count(Upload.id), func.sum(Upload.upload_length), func.min(Upload.expires_at)
        ).where(
            Upload.api_key_id == owner.key_id,
            Upload.state == UploadState.receiving,
            Upload.expires_at > now,
        )
    ).one()
    if count >= limits.uploads:
        problem = f"this key has {count} resumable uploads open, the most allowed"
    elif (declared or 0) + length > limits.bytes:
        problem = (
            f"this key's open resumable uploads declare {declared} bytes; {length} more "
            f"would pass the {limits.bytes} allowed"
        )
    else:
        return
    wait = max(1, math.ceil((first_expiry - now).total_seconds())) if first_expiry else 60
    raise TooManyRequests(
        f"Too many uploads in flight: {problem}. Finish or terminate (DELETE) one first; "
        "an abandoned one expires on its own.",
        headers={"Retry-After": str(wait)},
    )


def create_upload(
    *,
    session: Session,
    owner: Caller,
    monument_id: int,
    length: int,
    file_name: str | None,
    fields: UploadMetadata,
    root: Path,
    max_bytes: int,
    expiry: timedelta,
    open_limits: OpenUploadLimits | None = None,
) -> Upload:
    """A new, empty upload of `length` bytes for a photo of the monument.

    Everything that can be checked before the bytes arrive is checked now (size, monument,
    assessment), so a field team does not send 100 MB to learn that the monument id is wrong.
    """
    if length > max_bytes:
        raise ContentTooLarge(
            f"Upload-Length {length} is more than the {max_bytes} bytes a photo may have "
            f"({max_bytes // (1024 * 1024)} MiB)."
        )
    if length == 0:
        raise Unprocessable("Upload-Length is 0: an empty file is no photo; send the image.")
    if open_limits is not None:
        _check_open_uploads(session, owner=owner, length=length, limits=open_limits)
    try:
        monuments.get_monument(session=session, monument_id=monument_id)
    except (NotFound, Gone) as error:
        raise _metadata_problem("monument_id", error.detail, "unknown_monument") from None
    if fields.assessment_id is not None:
        photos.check_assessment(
            session, assessment_id=fields.assessment_id, monument_id=monument_id, actor=owner
        )
    if fields.source_ids:
        try:
            sources.require_sources(session=session, source_ids=fields.source_ids)
        except Unprocessable as error:
            raise _metadata_problem("source_ids", error.detail, "unknown_source") from None
    now = utc_now()
    upload = Upload(
        token=secrets.token_urlsafe(32),
        api_key_id=owner.key_id,
        monument_id=monument_id,
        upload_length=length,
        file_name=safe_file_name(file_name),
        fields=fields.model_dump(mode="json", exclude_none=True, exclude={"monument_id"}),
        created_at=now,
        updated_at=now,
        expires_at=now + expiry,
    )
    folder = folder_of(root, upload.token)
    try:
        folder.mkdir(parents=True)
        session.info.setdefault(_MADE, []).append(folder)
        data_path(root, upload.token).touch()
    except OSError as error:
        raise storage_failure(error, "resumable upload folder") from None
    return audit.record_creation(session=session, actor=owner, entity=upload)


def get_upload(*, session: Session, token: str, owner: Caller, for_update: bool = False) -> Upload:
    """The owner's upload with this token; `NotFound` for any other key's (or none)."""
    query = select(Upload).where(Upload.token == token)
    if for_update:
        query = query.with_for_update()
    upload = session.exec(query).first()
    if upload is None or owner.key_id is None or upload.api_key_id != owner.key_id:
        raise NotFound(
            "There is no upload at this address for your key (it was never created, was "
            "terminated, or was cleaned up after it expired); start a new one with "
            f"POST {UPLOADS_URL}."
        )
    return upload


def check_usable(upload: Upload, *, root: Path) -> None:
    """`Gone` once the upload has expired (its bytes are removed there and then), or the
    stored problem when it was refused."""
    check_not_expired(upload, root=root)
    if upload.state == UploadState.failed:
        raise StoredProblem(upload.problem)


def check_not_expired(upload: Upload, *, root: Path) -> None:
    """`Gone` once the upload has expired; its bytes are removed there and then."""
    if upload.expires_at <= utc_now():
        # Cleaned up on access: the bytes go now, the row when `uploads clean` runs.
        shutil.rmtree(folder_of(root, upload.token), ignore_errors=True)
        raise Gone(
            f"This upload expired at {upload.expires_at.isoformat()} without activity and its "
            f"bytes were removed; start a new one with POST {UPLOADS_URL}."
        )


def check_chunk(upload: Upload, *, offset: int, declared_size: int | None) -> None:
    """`Conflict` unless a chunk for `offset` may be added to this upload now."""
    if upload.state == UploadState.complete:
        raise Conflict(
            f"This upload is complete and is photo {upload.photo_id}; nothing more can be "
            "added to it.",
            links={"photo": photo_url(upload)},
        )
    if offset != upload.upload_offset:
        raise Conflict(
            f"Upload-Offset is {offset} but the upload has {upload.upload_offset} bytes; "
            "send the bytes from there (HEAD gives the offset).",
        )
    remaining = upload.upload_length - upload.upload_offset
    if declared_size is not None and declared_size > remaining:
        raise ContentTooLarge(
            f"This chunk has {declared_size} bytes but only {remaining} remain of the "
            f"{upload.upload_length} declared in Upload-Length."
        )


def _append(target: Path, chunk: Path, offset: int) -> None:
    with target.open("r+b") as out, chunk.open("rb") as source:
        # Whatever lies past the committed offset was never acknowledged: drop it.
        out.truncate(offset)
        out.seek(offset)
        shutil.copyfileobj(source, out, CHUNK_SIZE)
        out.flush()
        os.fsync(out.fileno())


def append_chunk(
    *, session: Session, owner: Caller, chunk: ReceivedChunk, root: Path, expiry: timedelta
) -> Upload:
    """Add a received chunk at its offset; the row stays locked until the commit, so
    two requests for one upload never interleave their bytes."""
    upload = get_upload(session=session, token=chunk.token, owner=owner, for_update=True)
    check_usable(upload, root=root)
    # Checked again under the lock: another request may have added bytes meanwhile.
    check_chunk(upload, offset=chunk.offset, declared_size=chunk.size)
    if chunk.size:
        try:
            _append(data_path(root, upload.token), chunk.path, chunk.offset)
        except OSError as error:
            # The offset is not committed: the client resends from the last one it was told.
            raise storage_failure(error, "resumable upload folder") from None
        now = utc_now()
        upload.upload_offset += chunk.size
        upload.updated_at = now
        upload.expires_at = now + expiry
        session.add(upload)
        session.flush()
    return upload


def received_all(upload: Upload) -> bool:
    """Whether every byte has arrived but the upload is not yet a photo."""
    return upload.state == UploadState.receiving and upload.upload_offset == upload.upload_length


def received_file(upload: Upload, *, root: Path) -> ReceivedFile:
    """The complete file, hashed, as the photo pipeline takes it."""
    return received_from_disk(data_path(root, upload.token), file_name=upload.file_name)


def make_photo(
    *,
    session: Session,
    storage: Storage,
    upload: Upload,
    received: ReceivedFile,
    owner: Caller,
    rules: photos.ImageRules,
    root: Path,
    expiry: timedelta,
) -> tuple[Upload, photos.UploadOutcome]:
    """Turn a complete upload into a photo, exactly as a multipart upload would be.

    `session` must not have begun a transaction: `add_photo` checks the image and makes its
    derivatives before it takes any lock, and that stays true here.
    """
    outcome = photos.add_photo(
        session=session,
        storage=storage,
        monument_id=upload.monument_id,
        upload=received,
        fields=PhotoFields.model_validate(upload.fields, **TEXT_INPUT).model_dump(
            exclude_none=True
        ),
        # The upload's token already makes retries safe; a tus client sends no such key.
        idempotency_key=None,
        rules=rules,
        actor=owner,
    )
    current = get_upload(session=session, token=upload.token, owner=owner, for_update=True)
    if current.state != UploadState.receiving:
        return current, outcome  # finished meanwhile by a concurrent request
    before = audit.snapshot(current)
    now = utc_now()
    current.state = UploadState.complete
    current.photo_id = outcome.photo.id
    current.updated_at = now
    # The row stays a while, so a client whose last answer was lost can still learn the photo.
    current.expires_at = now + expiry
    session.add(current)
    session.flush()
    audit.record_write(
        session=session, actor=owner, action="complete", entity=current, before=before
    )
    _remove_after_commit(session, folder_of(root, upload.token))
    return current, outcome


def record_refusal(
    *,
    session: Session,
    upload: Upload,
    error: RegistryError,
    owner: Caller,
    root: Path,
    expiry: timedelta,
) -> Upload:
    """Remember why a complete upload was refused (a corrupt image, a monument deleted
    meanwhile…); its bytes are removed, and every later request gets the same answer."""
    current = get_upload(session=session, token=upload.token, owner=owner, for_update=True)
    if current.state != UploadState.receiving:
        return current
    before = audit.snapshot(current)
    now = utc_now()
    current.state = UploadState.failed
    current.problem = {
        "status": error.status,
        "slug": error.slug,
        "detail": error.detail,
        "errors": error.extra.get("errors"),
    }
    current.updated_at = now
    current.expires_at = now + expiry
    session.add(current)
    session.flush()
    audit.record_write(session=session, actor=owner, action="fail", entity=current, before=before)
    _remove_after_commit(session, folder_of(root, upload.token))
    return current


def terminate_upload(*, session: Session, upload: Upload, owner: Caller, root: Path) -> None:
    """End an upload for good (tus termination): its row and bytes go; a photo it already
    became stays."""
    audit.record_deletion(session=session, actor=owner, entity=upload)
    _remove_after_commit(session, folder_of(root, upload.token))


def photo_url(upload: Upload) -> str | None:
    """The photo a complete upload became."""
    return f"{photos.PHOTOS_URL}/{upload.photo_id}" if upload.photo_id else None


def present(upload: Upload) -> UploadRead:
    """The upload as its owner sees it."""
    # Its URL, and so its `id`, is the token, never the row id.
    return UploadRead.model_validate(
        columns(upload) | {"id": upload.token, "photo": photo_url(upload)}
    )


def metadata_of(upload: Upload) -> dict[str, str]:
    """The upload's metadata as text, for the `Upload-Metadata` header of HEAD answers."""
    values = {"monument_id": str(upload.monument_id)}
    if upload.file_name:
        values["filename"] = upload.file_name
    for key, value in upload.fields.items():
        # Lists (source_ids) go back as they came: comma-separated.
        values[key] = ",".join(map(str, value)) if isinstance(value, list) else str(value)
    return values


@dataclass(frozen=True)
class CleanReport:
    """What `clean_uploads` removed: expired uploads, and folders no upload owns."""

    expired: Sequence[str]
    orphans: Sequence[str]


def clean_uploads(
    *, session: Session, root: Path, actor: Caller, grace: timedelta, now: datetime | None = None
) -> CleanReport:
    """Remove every upload past its expiry (row and bytes), and folders that no row owns
    and that are older than `grace` (a crash between making a folder and committing)."""
    now = now or utc_now()
    expired = session.exec(
        select(Upload).where(Upload.expires_at <= now).order_by(Upload.id).with_for_update()
    ).all()
    for upload in expired:
        audit.record_deletion(session=session, actor=actor, entity=upload, action="expire")
        _remove_after_commit(session, folder_of(root, upload.token))
    orphans = []
    if root.is_dir():
        known = set(session.exec(select(Upload.token)).all())
        cutoff = (now - grace).timestamp()
        for folder in sorted(root.iterdir()):
            if folder.is_dir() and folder.name not in known and folder.stat().st_mtime < cutoff:
                _remove_after_commit(session, folder)
                orphans.append(folder.name)
    return CleanReport(expired=[upload.token for upload in expired], orphans=orphans)
