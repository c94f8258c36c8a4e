"""Photo evidence: originals kept byte for byte, their EXIF facts and their derivatives."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.core.db import CreatedAt, JSONDocument, Timestamps, UTCDateTime
from app.sources.models import citation_position, cited_source_id, citing_id


class MonumentEvidence(Timestamps):
    """The columns a photo and an evidence item share, first in both tables: the id, the
    monument shown, and the damage assessment it supports, if any."""

    id: int | None = Field(default=None, primary_key=True)
    monument_id: int = Field(foreign_key="monument.id", index=True)
    assessment_id: int | None = Field(default=None, foreign_key="damage_assessment.id", index=True)


class Photo(MonumentEvidence, table=True):
    """An image attached to a monument (and optionally to one of its assessments).

    Files live in the storage backend under keys derived from their SHA-256; the row keeps
    the keys, sizes and hashes only. The same bytes for the same monument are one photo.
    """

    __tablename__ = "photo"
    __table_args__ = (
        UniqueConstraint("monument_id", "sha256"),
        {"sqlite_autoincrement": True},
    )

    # The original, exactly as uploaded.
    sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    byte_size: int = Field(sa_column=Column(BigInteger, nullable=False))
    content_type: str = Field(sa_column=Column(String(50), nullable=False))
    original_key: str = Field(sa_column=Column(String(300), nullable=False))
    original_filename: str | None = Field(default=None, sa_column=Column(String(255)))
    width: int = Field(sa_column=Column(Integer, nullable=False))
    height: int = Field(sa_column=Column(Integer, nullable=False))
    # Derivatives: JPEG, orientation applied, no metadata.
    thumbnail_key: str = Field(sa_column=Column(String(300), nullable=False))
    thumbnail_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    thumbnail_byte_size: int = Field(sa_column=Column(Integer, nullable=False))
    preview_key: str = Field(sa_column=Column(String(300), nullable=False))
    preview_sha256: str = Field(sa_column=Column(String(64), nullable=False))
    preview_byte_size: int = Field(sa_column=Column(Integer, nullable=False))
    # What the uploader said.
    caption: str | None = Field(default=None, sa_column=Column(Text))
    photographer: str | None = Field(default=None, sa_column=Column(String(300)))
    license: str | None = Field(default=None, sa_column=Column(String(100)))
    # When it was taken: `taken_at` (UTC) comes from the uploader when given (a camera clock
    # known to be wrong), else from EXIF when the camera recorded its UTC offset.
    taken_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    taken_at_source: str | None = Field(default=None, sa_column=Column(String(20)))
    # What the camera recorded (EXIF).
    camera_taken_at: str | None = Field(default=None, sa_column=Column(String(40)))
    camera_make: str | None = Field(default=None, sa_column=Column(String(100)))
    camera_model: str | None = Field(default=None, sa_column=Column(String(100)))
    orientation: int | None = Field(default=None, sa_column=Column(Integer))
    gps_lat: float | None = Field(default=None, sa_column=Column(Float))
    gps_lon: float | None = Field(default=None, sa_column=Column(Float))
    # From the GPS position to the monument's exact position, and whether it is implausible.
    distance_m: float | None = Field(default=None, sa_column=Column(Float))
    location_mismatch: bool | None = Field(default=None, sa_column=Column(Boolean))
    uploaded_by: str = Field(sa_column=Column(String(300), nullable=False))
    uploaded_by_key_id: int | None = Field(default=None, sa_column=Column(Integer))


class PhotoUploadKey(CreatedAt, table=True):
    """An `Idempotency-Key` seen on an upload, and the answer it got, so retries get it too."""

    __tablename__ = "photo_upload_key"
    __table_args__ = (
        UniqueConstraint("api_key_id", "idempotency_key"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    # Keys are scoped to the API key that sent them: two callers never share answers.
    api_key_id: int = Field(sa_column=Column(Integer, ForeignKey("api_key.id"), nullable=False))
    idempotency_key: str = Field(sa_column=Column(String(255), nullable=False))
    # SHA-256 of the request (monument, file hash, form fields): a retry must match it.
    fingerprint: str = Field(sa_column=Column(String(64), nullable=False))
    photo_id: int = Field(
        sa_column=Column(Integer, ForeignKey("photo.id"), nullable=False, index=True)
    )
    status_code: int = Field(sa_column=Column(Integer, nullable=False))


class PhotoSource(SQLModel, table=True):
    """A source a photo cites, and where it comes in its list of sources."""

    __tablename__ = "photo_source"

    photo_id: int = citing_id("photo")
    source_id: int = cited_source_id()
    position: int = citation_position()


class EvidenceKind(StrEnum):
    """What an evidence item is: how it was made decides which facts it carries."""

    ground_photo = "ground_photo"
    drone_image = "drone_image"
    satellite_image = "satellite_image"
    video_frame = "video_frame"
    document_scan = "document_scan"


# The kinds a before/after pair is made of: images from above, comparable over time.
PAIRABLE_KINDS = frozenset({EvidenceKind.satellite_image, EvidenceKind.drone_image})


class EvidenceItem(MonumentEvidence, table=True):
    """One piece of evidence about a monument: an uploaded image (its `photo`), or a record
    of a published one (a satellite image seen at its publisher, never copied here).

    Every photo has exactly one; a record without a photo points to where the image is
    published (`source_url`). Kind-specific facts are null where they do not apply.
    """

    __tablename__ = "evidence_item"
    __table_args__ = ({"sqlite_autoincrement": True},)

    kind: EvidenceKind = Field(sa_column=Column(String(20), nullable=False, index=True))
    photo_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("photo.id", ondelete="CASCADE"), unique=True, nullable=True
        ),
    )
    title: str | None = Field(default=None, sa_column=Column(Text))
    # When the image was acquired (UTC); a photo's own `taken_at` when it has one.
    acquired_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # `day` when only the day is published (acquired_at is then its midnight, UTC);
    # `instant` when the time is known; null without an acquisition time.
    acquired_precision: str | None = Field(default=None, sa_column=Column(String(10)))
    sensor: str | None = Field(default=None, sa_column=Column(String(200)))
    provider: str | None = Field(default=None, sa_column=Column(String(300)))
    resolution_m: float | None = Field(default=None, sa_column=Column(Float))
    cloud_cover_percent: float | None = Field(default=None, sa_column=Column(Float))
    # A GeoJSON Polygon (WGS 84): where a satellite or drone image covers the ground.
    footprint: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
    licence: str | None = Field(default=None, sa_column=Column(String(100)))
    # Where the image is published, for a record of an image not held here.
    source_url: str | None = Field(default=None, sa_column=Column(String(2000)))
    video_source: str | None = Field(default=None, sa_column=Column(String(2000)))
    # Position in the video, HH:MM:SS[.fff].
    timecode: str | None = Field(default=None, sa_column=Column(String(20)))
    altitude_m: float | None = Field(default=None, sa_column=Column(Float))
    heading_deg: float | None = Field(default=None, sa_column=Column(Float))
    # The STAC Item it was registered from, as received (null otherwise).
    stac_item: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
    created_by: str = Field(sa_column=Column(String(300), nullable=False))
    created_by_key_id: int | None = Field(default=None, sa_column=Column(Integer))


class EvidenceItemSource(SQLModel, table=True):
    """A source an evidence item cites, and where it comes in its list of sources."""

    __tablename__ = "evidence_item_source"

    evidence_item_id: int = citing_id("evidence_item")
    source_id: int = cited_source_id()
    position: int = citation_position()
