"""Request and response bodies for photos."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field

from app.core.schemas import InputModel, LongText, Name, ResourceRead, ShortText, UtcMoment
from app.core.time import utc_now
from app.sources.schemas import SourceIds, SourceSummary


def _past_utc(moment: datetime) -> datetime:
    if moment > utc_now():
        raise ValueError("must not be in the future")
    return moment


def _id_list(value: Any) -> Any:
    # A form field (and a tus metadata value) is text: the ids come comma-separated, "3,7".
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


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
    source_ids: list[int] = Field(description="The source records it cites, in order.")
    sources: list[SourceSummary]
    links: PhotoLinks


class PhotoUploaded(PhotoRead):
    """The answer to an upload."""

    duplicate: bool = Field(
        description="True when these bytes were already a photo of this monument (200)."
    )
