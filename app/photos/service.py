"""Adding, reading and deleting photo evidence, and what each caller may see of it."""

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, BinaryIO, Literal

from sqlalchemy import func, or_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.audit import service as audit
from app.core import instrumentation
from app.core import storage as files
from app.core.actors import Caller, shown_actor
from app.core.db import get_or_not_found
from app.core.errors import Conflict, Forbidden, Gone, Unprocessable
from app.core.multipart import ReceivedFile
from app.core.pagination import id_page_query
from app.core.storage import Storage
from app.core.time import utc_now
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.photos import evidence, images

# Where a photo may be attached (kept here by name: app.uploads checks it too).
from app.photos.evidence import check_assessment
from app.photos.models import EvidenceItem, Photo, PhotoSource, PhotoUploadKey
from app.photos.schemas import CameraFacts, PhotoLinks, PhotoRead, PhotoUploaded
from app.sources import service as sources
from app.sources.models import Source

log = logging.getLogger(__name__)

PHOTOS_URL = "/api/v1/photos"
FileKind = Literal["original", "preview", "thumbnail"]
# The link table's column naming the photo (see `app.sources`).
CITING = PhotoSource.photo_id


@dataclass(frozen=True)
class ImageRules:
    """Limits an upload is checked against (from the settings)."""

    max_pixels: int
    min_side: int
    mismatch_metres: float
    # None: the process-wide decode budget (app.photos.images.configure_pillow).
    max_decode_bytes: int | None = None


@dataclass(frozen=True)
class UploadOutcome:
    """The photo an upload produced or found, and the status that says which."""

    photo: Photo
    monument: Monument
    status_code: int
    # What the upload wrote, when it made the photo: the sources it cites, in order, and its
    # evidence item (a found or replayed photo's are read back when it is shown).
    cited: Sequence[Source] | None = None
    item: EvidenceItem | None = None

    @property
    def duplicate(self) -> bool:
        """Whether the bytes were already a photo of this monument."""
        return self.status_code == 200


@dataclass(frozen=True)
class LoadedPhoto:
    """A photo with the monument it belongs to (whose sensitivity decides what is shown)."""

    photo: Photo
    monument: Monument


def _fingerprint(monument_id: int, sha256: str, fields: dict[str, Any]) -> str:
    request = {"monument_id": monument_id, "sha256": sha256, "fields": fields}
    canonical = json.dumps(request, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class _Retry:
    """What ties a retried upload to its first answer: the caller's API key, the
    Idempotency-Key it sent (None: no replay) and a fingerprint of the request."""

    api_key_id: int | None
    idempotency_key: str | None
    fingerprint: str

    @property
    def remembered(self) -> bool:
        return self.idempotency_key is not None and self.api_key_id is not None


def _remember(session: Session, retry: _Retry, outcome: UploadOutcome) -> UploadOutcome:
    """Keep the answer a retry with the same Idempotency-Key gets; the answer."""
    if not retry.remembered:
        return outcome
    record = PhotoUploadKey(
        api_key_id=retry.api_key_id,
        idempotency_key=retry.idempotency_key,
        fingerprint=retry.fingerprint,
        photo_id=outcome.photo.id,
        status_code=outcome.status_code,
    )
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        # Only a concurrent request with the same key gets here (the lookup found none).
        raise Conflict(
            "Another upload with this Idempotency-Key is being handled right now; retry it "
            "in a moment to get its answer."
        ) from None
    return outcome


def _replay(session: Session, retry: _Retry) -> UploadOutcome | None:
    if not retry.remembered:
        return None
    record = session.exec(
        select(PhotoUploadKey).where(
            PhotoUploadKey.api_key_id == retry.api_key_id,
            PhotoUploadKey.idempotency_key == retry.idempotency_key,
        )
    ).first()
    if record is None:
        return None
    if record.fingerprint != retry.fingerprint:
        raise Unprocessable.at(
            ("header", "Idempotency-Key"),
            f"The Idempotency-Key '{retry.idempotency_key}' was already used for a different "
            "upload (another file, monument or form fields); use a new key for a new upload.",
            "idempotency_key_reused",
            msg="already used for a different request",
        )
    photo = session.get(Photo, record.photo_id)
    return UploadOutcome(
        photo=photo,
        monument=session.get(Monument, photo.monument_id),
        status_code=record.status_code,
    )


def _key(folder: str, sha256: str, suffix: str = "") -> str:
    return f"{folder}/{sha256[:2]}/{sha256}{suffix}"


def add_photo(
    *,
    session: Session,
    storage: Storage,
    monument_id: int,
    upload: ReceivedFile,
    fields: dict[str, Any],
    idempotency_key: str | None,
    rules: ImageRules,
    actor: Caller,
) -> UploadOutcome:
    """A new photo of the monument from an uploaded file, or the one these bytes already are.

    The image is checked and its derivatives made before the transaction takes any lock;
    files are written before the row, so a crash never leaves a row without its files, and a
    rollback removes the files this request wrote.
    """
    processed = images.process(
        upload.path,
        max_pixels=rules.max_pixels,
        min_side=rules.min_side,
        max_decode_bytes=rules.max_decode_bytes,
    )
    retry = _Retry(actor.key_id, idempotency_key, _fingerprint(monument_id, upload.sha256, fields))
    # The facts of its kind are checked before any lock or write; the camera's time counts
    # as the acquisition time when the uploader gives none.
    facts = {**fields, "acquired_at": fields.get("taken_at") or processed.exif.taken_at}
    kind = evidence.check_facts(facts, has_file=True)
    if kind in evidence.PAIRABLE_KINDS and processed.content_type == "image/tiff":
        # A GeoTIFF says where it is: its footprint must then contain the monument.
        facts["footprint"] = evidence.footprint_of_geotiff(upload.path)
    # Lock the monument: uploads to it are serialised, so the duplicate check below holds.
    monument = monuments.get_monument(session=session, monument_id=monument_id, for_update=True)
    replayed = _replay(session, retry)
    if replayed is not None:
        return replayed
    existing = session.exec(
        select(Photo).where(Photo.monument_id == monument_id, Photo.sha256 == upload.sha256)
    ).first()
    if existing is not None:
        found = UploadOutcome(photo=existing, monument=monument, status_code=200)
        return _remember(session, retry, found)
    if fields.get("assessment_id") is not None:
        check_assessment(
            session, assessment_id=fields["assessment_id"], monument_id=monument_id, actor=actor
        )
    cited = sources.require_sources(session=session, source_ids=fields.get("source_ids") or [])

    exif = processed.exif
    distance = None
    if exif.gps_lat is not None and exif.gps_lon is not None:
        distance = round(
            images.haversine_m((exif.gps_lat, exif.gps_lon), (monument.lat, monument.lon)), 1
        )
    taken_at, taken_at_source = fields.get("taken_at"), "uploader"
    if taken_at is None:
        taken_at, taken_at_source = exif.taken_at, "camera"
    photo = Photo(
        monument_id=monument_id,
        assessment_id=fields.get("assessment_id"),
        sha256=upload.sha256,
        byte_size=upload.size,
        content_type=processed.content_type,
        original_key=_key("originals", upload.sha256),
        original_filename=upload.file_name,
        width=processed.width,
        height=processed.height,
        thumbnail_key=_key("thumbnails", processed.thumbnail.sha256, ".jpg"),
        thumbnail_sha256=processed.thumbnail.sha256,
        thumbnail_byte_size=len(processed.thumbnail.data),
        preview_key=_key("previews", processed.preview.sha256, ".jpg"),
        preview_sha256=processed.preview.sha256,
        preview_byte_size=len(processed.preview.data),
        caption=fields.get("caption"),
        photographer=fields.get("photographer"),
        license=fields.get("license"),
        taken_at=taken_at,
        taken_at_source=taken_at_source if taken_at is not None else None,
        camera_taken_at=exif.camera_taken_at,
        camera_make=exif.camera_make,
        camera_model=exif.camera_model,
        orientation=exif.orientation,
        gps_lat=exif.gps_lat,
        gps_lon=exif.gps_lon,
        distance_m=distance,
        location_mismatch=None if distance is None else distance > rules.mismatch_metres,
        uploaded_by=actor.label,
        uploaded_by_key_id=actor.key_id,
    )
    files.put_file_in_transaction(
        session,
        storage,
        photo.original_key,
        upload.path,
        content_type=processed.content_type,
        take_over=upload.spooled,
    )
    for key, derivative in (
        (photo.preview_key, processed.preview),
        (photo.thumbnail_key, processed.thumbnail),
    ):
        files.put_bytes_in_transaction(
            session, storage, key, derivative.data, content_type=images.DERIVATIVE_TYPE
        )
    sources.record_creation(session=session, actor=actor, entity=photo, owner=CITING, cited=cited)
    item = evidence.add_for_photo(
        session=session, photo=photo, monument=monument, facts=facts, actor=actor
    )
    made = UploadOutcome(photo=photo, monument=monument, status_code=201, cited=cited, item=item)
    return _remember(session, retry, made)


def get_photo(*, session: Session, photo_id: int) -> LoadedPhoto:
    """The photo with this id and its monument; `NotFound`, or `Gone` with the monument."""
    photo = get_or_not_found(session, Photo, photo_id, "photo")
    monument = session.get(Monument, photo.monument_id)
    if monument.deleted_at is not None:
        raise Gone(f"Photo {photo_id} belongs to monument {monument.id}, which was deleted.")
    return LoadedPhoto(photo=photo, monument=monument)


def get_many(*, session: Session, photo_ids: Sequence[int]) -> Sequence[Photo]:
    """These photos, in id order (one query)."""
    if not photo_ids:
        return []
    return session.exec(select(Photo).where(Photo.id.in_(list(photo_ids))).order_by(Photo.id)).all()


def list_photos(
    *, session: Session, monument_id: int, after_id: int | None, limit: int
) -> Sequence[Photo]:
    """A monument's photos in id order after a cursor; one more than `limit`."""
    query = id_page_query(Photo, after_id=after_id, limit=limit, monument_id=monument_id)
    return session.exec(query).all()


def list_for_assessments(
    *, session: Session, assessment_ids: Sequence[int], limit_each: int
) -> dict[int, list[Photo]]:
    """The photos documenting each of these assessments, the first `limit_each` of each."""
    if not assessment_ids:
        return {}
    rank = func.row_number().over(partition_by=Photo.assessment_id, order_by=Photo.id)
    ranked = (
        select(Photo.id.label("photo_id"), rank.label("rank"))
        .where(Photo.assessment_id.in_(assessment_ids))
        .subquery("ranked")
    )
    query = (
        select(Photo)
        .join(ranked, ranked.c.photo_id == Photo.id)
        .where(ranked.c.rank <= limit_each)
        .order_by(Photo.id)
    )
    found: dict[int, list[Photo]] = {}
    for photo in session.exec(query):
        found.setdefault(photo.assessment_id, []).append(photo)
    return found


def citations(*, session: Session, photos: Sequence[Photo]) -> dict[int, list[Source]]:
    """The sources each of these photos cites (one query)."""
    return sources.cited_by(session=session, owner=CITING, owner_ids=[p.id for p in photos])


def _cited_and_items(
    session: Session, photos: Sequence[Photo]
) -> tuple[dict[int, list[Source]], dict[int, EvidenceItem]]:
    """The sources each photo cites and its evidence item, by photo id (one query each)."""
    cited = citations(session=session, photos=photos)
    return cited, evidence.items_of_photos(session=session, photo_ids=[p.id for p in photos])


def present_many(
    *, session: Session, photos: Sequence[tuple[Photo, Monument]], caller: Caller
) -> list[PhotoRead]:
    """Photos, each with its monument, as `present` shows them to `caller`, each with the
    sources it cites and its evidence item (one query for each, whatever the number)."""
    cited, items = _cited_and_items(session, [photo for photo, _ in photos])
    # What this caller may see is the same for every photo.
    as_seen = partial(
        present, exact_locations=caller.sees_exact_locations, names_visible=caller.sees_names
    )
    return [
        as_seen(photo, monument, cited=cited.get(photo.id, []), item=items.get(photo.id))
        for photo, monument in photos
    ]


def present_upload(*, session: Session, outcome: UploadOutcome, caller: Caller) -> PhotoUploaded:
    """The answer to an upload: the photo as `present_many` shows it to `caller`, and whether
    it was already there. A photo the upload made is shown from what the write made, without
    reading its citations and evidence item back."""
    photo, monument = outcome.photo, outcome.monument
    if outcome.cited is None or outcome.item is None:
        cited_by, items = _cited_and_items(session, [photo])
        cited, item = cited_by.get(photo.id, []), items.get(photo.id)
    else:
        cited, item = outcome.cited, outcome.item
    shown = _shown(
        photo,
        monument,
        exact_locations=caller.sees_exact_locations,
        names_visible=caller.sees_names,
        cited=cited,
        item=item,
    )
    return PhotoUploaded(**shown, duplicate=outcome.duplicate)


def present(
    photo: Photo,
    monument: Monument,
    *,
    exact_locations: bool,
    cited: Sequence[Source],
    names_visible: bool = False,
    item: EvidenceItem | None = None,
) -> PhotoRead:
    """The photo as a caller sees it: GPS and distance withheld for a sensitive monument,
    its uploader named only to staff (`names_visible`), else by role and key."""
    return PhotoRead(
        **_shown(
            photo,
            monument,
            exact_locations=exact_locations,
            cited=cited,
            names_visible=names_visible,
            item=item,
        )
    )


def _shown(
    photo: Photo,
    monument: Monument,
    *,
    exact_locations: bool,
    cited: Sequence[Source],
    names_visible: bool,
    item: EvidenceItem | None,
) -> dict[str, Any]:
    """The fields of `present`, for `PhotoRead` or the upload's answer to validate once."""
    withheld = monuments.location_withheld(monument, exact_locations=exact_locations)
    url = f"{PHOTOS_URL}/{photo.id}"
    return dict(
        id=photo.id,
        created_at=photo.created_at,
        updated_at=photo.updated_at,
        monument_id=photo.monument_id,
        assessment_id=photo.assessment_id,
        sha256=photo.sha256,
        byte_size=photo.byte_size,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        # Some apps write the position into the file name: withheld with the GPS.
        original_filename=None if withheld else photo.original_filename,
        caption=photo.caption,
        photographer=photo.photographer,
        license=photo.license,
        taken_at=photo.taken_at,
        taken_at_source=photo.taken_at_source,
        camera=CameraFacts(
            taken_at=photo.camera_taken_at,
            make=photo.camera_make,
            model=photo.camera_model,
            orientation=photo.orientation,
            gps_lat=None if withheld else photo.gps_lat,
            gps_lon=None if withheld else photo.gps_lon,
        ),
        distance_m=None if withheld else photo.distance_m,
        location_mismatch=None if withheld else photo.location_mismatch,
        location_withheld=withheld,
        original_available=not withheld,
        uploaded_by=shown_actor(photo.uploaded_by, photo.uploaded_by_key_id, names=names_visible),
        **sources.shown_citations(cited),
        links=PhotoLinks(
            original=f"{url}/original", preview=f"{url}/preview", thumbnail=f"{url}/thumbnail"
        ),
        kind=str(item.kind) if item is not None else "ground_photo",
        evidence_id=item.id if item is not None else None,
    )


@dataclass(frozen=True)
class StoredFile:
    """One of a photo's files: where it is and what to say about it."""

    key: str
    sha256: str
    byte_size: int
    content_type: str


def stored_file(loaded: LoadedPhoto, kind: FileKind, *, exact_locations: bool) -> StoredFile:
    """The file of this kind, if the caller may have it (`Forbidden` otherwise)."""
    photo = loaded.photo
    if kind == "original":
        if monuments.location_withheld(loaded.monument, exact_locations=exact_locations):
            raise Forbidden(
                f"Photo {photo.id} is of a sensitive monument and its original file keeps the "
                "camera's GPS position, so only field, staff and admin keys may download it. "
                "The preview and thumbnail carry no metadata and are open to you.",
                links={"preview": f"{PHOTOS_URL}/{photo.id}/preview"},
            )
        return StoredFile(photo.original_key, photo.sha256, photo.byte_size, photo.content_type)
    if kind == "preview":
        return StoredFile(
            photo.preview_key, photo.preview_sha256, photo.preview_byte_size, "image/jpeg"
        )
    return StoredFile(
        photo.thumbnail_key, photo.thumbnail_sha256, photo.thumbnail_byte_size, "image/jpeg"
    )


def open_file(*, storage: Storage, file: StoredFile) -> BinaryIO:
    """The stored bytes; a missing file is a server-side inconsistency, not the caller's."""
    return storage.open(file.key)


def report_altered_file(photo: Photo, kind: FileKind, file: StoredFile, problem: str) -> None:
    """Record that a stored file was found altered while being served (an integrity event
    for the operators: the evidence must be restored from a backup)."""
    instrumentation.count_mismatch(kind)
    log.error(
        "integrity failure: the %s of photo %s (%s) has %s; the response was cut off. "
        "Restore the file from a backup; `heritage-registry media check` lists every one.",
        kind,
        photo.id,
        file.key,
        problem,
    )


def download_name(photo: Photo, kind: FileKind) -> str:
    """The file name to offer: the uploaded name's stem with the real format's extension.

    The extension follows what the bytes are, never what the uploader called them, so a JPEG
    uploaded as `page.html` is saved as `page.jpg`.
    """
    if kind != "original":
        return f"photo-{photo.id}-{kind}.jpg"
    extension = next(
        (f.extension for f in images.FORMATS.values() if f.content_type == photo.content_type),
        "bin",
    )
    stem = (photo.original_filename or "").rpartition(".")[0] or photo.original_filename
    return f"{stem or f'photo-{photo.id}'}.{extension}"


def delete_photo(*, session: Session, storage: Storage, photo: Photo, actor: Caller) -> None:
    """Remove a photo; its files go once no other photo references them (after the commit)."""
    for record in session.exec(select(PhotoUploadKey).where(PhotoUploadKey.photo_id == photo.id)):
        session.delete(record)
    audit.record_deletion(session=session, actor=actor, entity=photo)
    for key in (photo.original_key, photo.preview_key, photo.thumbnail_key):
        still_used = session.exec(
            select(func.count())
            .select_from(Photo)
            .where(
                or_(
                    Photo.original_key == key,
                    Photo.preview_key == key,
                    Photo.thumbnail_key == key,
                )
            )
        ).one()
        if not still_used:
            files.delete_after_commit(session, storage, key)


@dataclass(frozen=True)
class MediaReport:
    """Rows whose files are missing or altered, files no row references, and the orphans
    removed."""

    missing: list[tuple[int, str]]
    orphans: list[str]
    removed: list[str]
    # (photo id, key, what is wrong): a size or SHA-256 that is not the one recorded.
    altered: list[tuple[int, str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every row has its files intact and every orphan left is dealt with."""
        return not self.missing and not self.altered and set(self.orphans) <= set(self.removed)


@dataclass(frozen=True)
class _Expected:
    photo_id: int
    sha256: str
    byte_size: int


def _rehash(storage: Storage, key: str) -> str:
    digest = hashlib.sha256()
    with storage.open(key) as handle:
        while block := handle.read(files.CHUNK_SIZE):
            digest.update(block)
    return digest.hexdigest()


def check_media(
    *, session: Session, storage: Storage, repair: bool, grace: timedelta, quick: bool = False
) -> MediaReport:
    """Compare the rows with the stored files; with `repair`, remove orphan files.

    Every stored file is read again and hashed against the SHA-256 its row recorded (with
    `quick`, only its size is compared), so bytes altered on the volume are found. Only
    orphans older than `grace` are removed: a younger one may be an upload whose row is not
    committed yet. Missing and altered files cannot be repaired here; the report names them.
    """
    expected: dict[str, _Expected] = {}
    rows = session.exec(
        select(
            Photo.id,
            Photo.original_key,
            Photo.sha256,
            Photo.byte_size,
            Photo.preview_key,
            Photo.preview_sha256,
            Photo.preview_byte_size,
            Photo.thumbnail_key,
            Photo.thumbnail_sha256,
            Photo.thumbnail_byte_size,
        )
    )
    for photo_id, *files_of_photo in rows:
        for index in range(0, len(files_of_photo), 3):
            key, sha256, byte_size = files_of_photo[index : index + 3]
            expected.setdefault(key, _Expected(photo_id, sha256, byte_size))
    stored = {item.key: item for item in storage.list()}
    missing = sorted((e.photo_id, key) for key, e in expected.items() if key not in stored)
    orphans = sorted(key for key in stored if key not in expected)
    altered = []
    for key, wanted in sorted(expected.items()):
        if key not in stored:
            continue
        if stored[key].size != wanted.byte_size:
            problem = f"{stored[key].size} bytes, not the {wanted.byte_size} recorded"
        elif not quick and _rehash(storage, key) != wanted.sha256:
            problem = "bytes that do not match the recorded SHA-256"
        else:
            continue
        altered.append((wanted.photo_id, key, problem))
    removed = []
    if repair:
        cutoff = utc_now() - grace
        for key in orphans:
            if stored[key].modified_at <= cutoff:
                storage.delete(key)
                removed.append(key)
    return MediaReport(missing=missing, orphans=orphans, removed=removed, altered=altered)
