"""Request and response bodies for monuments."""

from typing import Annotated, ClassVar

from pydantic import Field

from app.core.schemas import (
    InputModel,
    Latitude,
    Longitude,
    LongText,
    Name,
    PatchModel,
    ShortText,
)
from app.monuments.models import MonumentType

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
