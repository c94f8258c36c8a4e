"""Request and response bodies for photos."""

from datetime import datetime
from typing import Annotated, Any, Literal

from geojson_pydantic import Polygon
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, model_validator

from app.core.schemas import (
    InputModel,
    LongText,
    Name,
    Number,
    PastDate,
    ResourceRead,
    RowId,
    ShortText,
    UtcMoment,
)
from app.core.time import utc_now
from app.sources.schemas import CitedSourceIds, SourceIds, SourceSummary


def _past_utc(moment: datetime) -> datetime:
    if moment > utc_now():
        raise ValueError("must not be in the future")
    return moment


def _id_list(value: Any) -> Any:
    # A form field (and a tus metadata value) is text: the ids come comma-separated, "3,7".
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


# --- evidence kinds, before/after pairs ------------------------------------------------------

EvidenceKindName = Literal[
    "ground_photo", "drone_image", "satellite_image", "video_frame", "document_scan"
]
TIMECODE = r"^\d{1,3}:[0-5]\d:[0-5]\d(\.\d{1,3})?$"
Timecode = Annotated[
    str,
    Field(
        pattern=TIMECODE,
        examples=["00:01:23.500"],
        description="Position of the frame in the video, HH:MM:SS[.fff].",
    ),
]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://\S+$")]


class PhotoFields(InputModel):
    """The form fields sent with the file (multipart/form-data), all optional."""

    caption: LongText | None = None
    photographer: Name | None = None
    license: Annotated[ShortText, Field(max_length=100, examples=["CC-BY-4.0"])] | None = None
    assessment_id: Annotated[int, Field(ge=1, le=2**31 - 1)] | None = Field(
        default=None, description="The damage assessment of this monument the photo documents."
    )
    taken_at: Annotated[UtcMoment, AfterValidator(_past_utc)] | None = Field(
        default=None,
        description="When the photo was taken (ISO 8601; UTC if no offset is given); "
        "overrides the camera's clock when that is known to be wrong.",
    )
    source_ids: Annotated[SourceIds, BeforeValidator(_id_list)] | None = Field(
        default=None,
        description="Ids of the source records the photo comes from, comma-separated: `3,7`.",
    )
    # What kind of evidence the file is, and the facts of its kind (see EvidenceFacts).
    kind: EvidenceKindName | None = Field(
        default=None,
        description="ground_photo (when not given), drone_image, satellite_image, video_frame "
        "or document_scan.",
    )
    video_source: Url | None = Field(
        default=None, description="video_frame: the video the frame is from (its URL)."
    )
    timecode: Timecode | None = None
    sensor: Annotated[ShortText, Field(max_length=200)] | None = Field(
        default=None, description="satellite_image or drone_image: the sensor or platform."
    )
    provider: Annotated[ShortText, Field(max_length=300)] | None = None
    resolution_m: Annotated[float, Field(gt=0, le=10_000, allow_inf_nan=False)] | None = None
    cloud_cover_percent: Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    altitude_m: Annotated[float, Field(ge=-500, le=100_000, allow_inf_nan=False)] | None = None
    heading_deg: Annotated[float, Field(ge=0, lt=360, allow_inf_nan=False)] | None = None


class PhotoLinks(BaseModel):
    """Where the photo's files are."""

    original: str
    preview: str
    thumbnail: str


class CameraFacts(BaseModel):
    """What the camera recorded in the file's EXIF."""

    taken_at: str | None = Field(
        description="Capture time as the camera wrote it (ISO 8601, with the UTC offset when "
        "the camera recorded one)."
    )
    make: str | None
    model: str | None
    orientation: int | None = Field(description="EXIF orientation (1–8), applied to derivatives.")
    gps_lat: float | None = Field(description="null when absent, or withheld (sensitive).")
    gps_lon: float | None


class PhotoRead(ResourceRead):
    """A photo's metadata, as the caller may see it."""

    monument_id: int
    assessment_id: int | None
    sha256: str = Field(description="SHA-256 of the original, hex; the original's ETag.")
    byte_size: int
    content_type: str
    width: int
    height: int
    original_filename: str | None
    caption: str | None
    photographer: str | None
    license: str | None
    taken_at: datetime | None = Field(description="When it was taken, UTC, if known.")
    taken_at_source: str | None = Field(description="`uploader`, `camera` or null.")
    camera: CameraFacts
    distance_m: float | None = Field(
        description="Metres from the GPS position to the monument; null without GPS or when "
        "withheld."
    )
    location_mismatch: bool | None = Field(
        description="True when the GPS position is farther from the monument than the "
        "configured distance."
    )
    location_withheld: bool = Field(
        description="True when GPS and distance are hidden because the monument is sensitive."
    )
    original_available: bool = Field(
        description="Whether this caller may download the original (it carries the EXIF GPS)."
    )
    uploaded_by: str
    source_ids: CitedSourceIds
    sources: list[SourceSummary]
    links: PhotoLinks
    kind: str = Field(
        default="ground_photo", description="What kind of evidence the image is (EvidenceKind)."
    )
    evidence_id: int | None = Field(
        default=None, description="Its evidence item: /api/v1/evidence/{evidence_id}."
    )


class PhotoUploaded(PhotoRead):
    """The answer to an upload."""

    duplicate: bool = Field(
        description="True when these bytes were already a photo of this monument (200)."
    )


class EvidenceFacts(InputModel):
    """What is known of an evidence item beyond its file; which fields apply depends on
    its kind (a satellite image's sensor, a video frame's timecode, a drone's altitude)."""

    kind: EvidenceKindName = "ground_photo"
    title: LongText | None = None
    acquired_at: Annotated[UtcMoment, AfterValidator(_past_utc)] | None = Field(
        default=None, description="When the image was acquired (ISO 8601; UTC if no offset)."
    )
    acquired_on: PastDate | None = Field(
        default=None,
        description="The day it was acquired, when only the day is published (instead of "
        "acquired_at).",
    )
    sensor: Annotated[ShortText, Field(max_length=200, examples=["Pléiades-1A"])] | None = None
    provider: Annotated[ShortText, Field(max_length=300)] | None = None
    resolution_m: Annotated[Number, Field(gt=0, le=10_000, allow_inf_nan=False)] | None = None
    cloud_cover_percent: Annotated[Number, Field(ge=0, le=100, allow_inf_nan=False)] | None = None
    footprint: Polygon | None = Field(
        default=None, description="GeoJSON Polygon (WGS 84) the image covers."
    )
    licence: Annotated[ShortText, Field(max_length=100)] | None = None
    source_url: Url | None = Field(
        default=None, description="Where the image is published (for an image not held here)."
    )
    video_source: Url | None = Field(default=None, description="The video the frame is from.")
    timecode: Timecode | None = None
    altitude_m: Annotated[Number, Field(ge=-500, le=100_000, allow_inf_nan=False)] | None = None
    heading_deg: Annotated[Number, Field(ge=0, lt=360, allow_inf_nan=False)] | None = None


class EvidenceCreate(EvidenceFacts):
    """A record of an evidence item held elsewhere (a published satellite image)."""

    kind: EvidenceKindName
    assessment_id: RowId | None = None
    source_ids: SourceIds | None = None

    @model_validator(mode="after")
    def _one_acquisition_time(self) -> "EvidenceCreate":
        if self.acquired_at is not None and self.acquired_on is not None:
            raise ValueError("give acquired_at (a moment) or acquired_on (a day), not both")
        return self


class EvidenceRead(ResourceRead):
    """An evidence item as the caller may see it."""

    monument_id: int
    assessment_id: int | None
    kind: str
    photo_id: int | None = Field(description="The uploaded file, when the registry holds one.")
    title: str | None
    acquired_at: datetime | None
    acquired_precision: str | None = Field(
        description="`day` when only the day is known (acquired_at is its midnight, UTC), "
        "`instant` when the time is; null when unknown."
    )
    sensor: str | None
    provider: str | None
    resolution_m: float | None
    cloud_cover_percent: float | None
    footprint: dict[str, Any] | None = Field(
        description="null when absent, or withheld (sensitive monument)."
    )
    location_withheld: bool
    licence: str | None
    source_url: str | None
    video_source: str | None
    timecode: str | None
    altitude_m: float | None
    heading_deg: float | None
    sha256: str | None = Field(description="SHA-256 of the held file, if any.")
    created_by: str
    source_ids: list[int]
    sources: list[SourceSummary]
    links: dict[str, str]


class ImagePairCreate(InputModel):
    """Two images of the monument from above, before and after, and what they support."""

    before_id: Annotated[RowId, Field(description="Evidence item id.")]
    after_id: Annotated[RowId, Field(description="Evidence item id.")]
    assessment_id: RowId | None = Field(
        default=None,
        description="The damage assessment whose damage window the pair's dates bound.",
    )


class ImagePairRead(ResourceRead):
    """A before/after pair."""

    monument_id: int
    before_id: int
    after_id: int
    assessment_id: int | None
    before_acquired_at: datetime
    after_acquired_at: datetime
