"""Request and response bodies for monuments."""

from typing import Annotated, Any, ClassVar

from pydantic import Field, model_validator

from app.core.schemas import (
    Flag,
    InputModel,
    Latitude,
    Longitude,
    LongText,
    Name,
    Number,
    PatchModel,
    RowId,
    ShortText,
)
from app.monuments.models import MonumentType
from app.names.schemas import Identifiers, Names, with_whole_lists

AltNames = Annotated[
    list[Name],
    Field(max_length=50, description="Other names, in any script (Arabic, French…)."),
]
PrecisionMetres = Annotated[
    Number,
    Field(ge=0, le=100_000, allow_inf_nan=False, description="Uncertainty of lat/lon in metres."),
]
SiteRef = RowId


def one_way_of_naming(model: "MonumentCreate | MonumentUpdate") -> None:
    """Refuse `names` and `alt_names` together: they would say two things about the same names."""
    sent = model.model_fields_set
    if "names" in sent and "alt_names" in sent:
        raise ValueError(
            "send names (with languages) or alt_names (untagged, kept for older clients), not both"
        )


class MonumentCreate(InputModel):
    """A new monument."""

    site_id: SiteRef
    name: Name
    alt_names: AltNames = []
    names: Names | None = None
    identifiers: Identifiers = []
    type: MonumentType
    period: ShortText | None = Field(default=None, examples=["1st century AD (dedicated 32 AD)"])
    lat: Latitude
    lon: Longitude
    location_precision_m: PrecisionMetres = 50
    sensitive: Flag = False
    description: LongText | None = None

    @model_validator(mode="after")
    def _one_way_of_naming(self) -> "MonumentCreate":
        one_way_of_naming(self)
        return self


class MonumentUpdate(PatchModel):
    """Changes to a monument; absent fields are kept."""

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent (names and identifiers whole)."""
        return with_whole_lists(self, super().changes())

    required_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "site_id",
            "name",
            "alt_names",
            "names",
            "identifiers",
            "type",
            "lat",
            "lon",
            "location_precision_m",
            "sensitive",
        }
    )

    site_id: SiteRef | None = None
    name: Name | None = None
    alt_names: AltNames | None = None
    names: Names | None = None
    identifiers: Identifiers | None = None
    type: MonumentType | None = None
    period: ShortText | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    location_precision_m: PrecisionMetres | None = None
    sensitive: Flag | None = None
    description: LongText | None = None

    @model_validator(mode="after")
    def _one_way_of_naming(self) -> "MonumentUpdate":
        one_way_of_naming(self)
        return self
