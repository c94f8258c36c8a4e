"""Request and response bodies for monuments."""

from typing import Annotated, ClassVar

from pydantic import Field

from app.assessments.schemas import CurrentCondition
from app.core.schemas import (
    InputModel,
    Latitude,
    Longitude,
    LongText,
    Name,
    PatchModel,
    ResourceRead,
    ShortText,
)
from app.monuments.models import MonumentType
from app.restoration.schemas import RestorationSummary

AltNames = Annotated[
    list[Name],
    Field(max_length=50, description="Other names, in any script (Arabic, French…)."),
]
PrecisionMetres = Annotated[
    float,
    Field(ge=0, le=100_000, allow_inf_nan=False, description="Uncertainty of lat/lon in metres."),
]
SiteRef = Annotated[int, Field(ge=1, le=2**31 - 1)]


class MonumentCreate(InputModel):
    """A new monument."""

    site_id: SiteRef
    name: Name
    alt_names: AltNames = []
    type: MonumentType
    period: ShortText | None = Field(default=None, examples=["1st century AD (dedicated 32 AD)"])
    lat: Latitude
    lon: Longitude
    location_precision_m: PrecisionMetres = 50
    sensitive: bool = False
    description: LongText | None = None


class MonumentUpdate(PatchModel):
    """Changes to a monument; absent fields are kept."""

    required_fields: ClassVar[frozenset[str]] = frozenset(
        {"site_id", "name", "alt_names", "type", "lat", "lon", "location_precision_m", "sensitive"}
    )

    site_id: SiteRef | None = None
    name: Name | None = None
    alt_names: AltNames | None = None
    type: MonumentType | None = None
    period: ShortText | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    location_precision_m: PrecisionMetres | None = None
    sensitive: bool | None = None
    description: LongText | None = None


class MonumentRead(ResourceRead):
    """A monument as the caller may see it."""

    site_id: int
    name: str
    alt_names: list[str]
    type: MonumentType
    period: str | None
    lat: float
    lon: float
    location_precision_m: float
    location_generalised: bool = Field(
        description="True when lat/lon were rounded because the monument is sensitive."
    )
    sensitive: bool
    description: str | None
    current_condition: CurrentCondition | None = Field(
        description="From the latest verified damage assessment (as of `as_of` when given); "
        "null when the monument has none."
    )
    latest_restoration: RestorationSummary | None = Field(
        description="The most recent restoration assessment (any status); null when none."
    )
