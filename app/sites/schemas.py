"""Request and response bodies for sites."""

from datetime import date
from typing import Annotated, Any, ClassVar

from pydantic import Field

from app.core.schemas import (
    CountryCode,
    InputModel,
    Latitude,
    Longitude,
    LongText,
    Name,
    PatchModel,
    ResourceRead,
)
from app.names.schemas import IdentifierRead, Identifiers, Names, PlaceNameRead, with_whole_lists

# The World Heritage List's first inscriptions were in 1978.
Year = Annotated[int, Field(ge=1978, le=date.today().year + 1)]
WhcId = Annotated[int, Field(ge=1, le=1_000_000, description="UNESCO World Heritage Centre id")]


class SiteCreate(InputModel):
    """A new site."""

    name: Name
    names: Names | None = None
    identifiers: Identifiers = []
    country: CountryCode
    whc_id: WhcId | None = None
    inscribed_year: Year | None = None
    danger_list_year: Year | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    description: LongText | None = None


class SiteUpdate(PatchModel):
    """Changes to a site; absent fields are kept."""

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent (names and identifiers whole)."""
        return with_whole_lists(self, super().changes())

    required_fields: ClassVar[frozenset[str]] = frozenset(
        {"name", "names", "identifiers", "country"}
    )

    name: Name | None = None
    names: Names | None = None
    identifiers: Identifiers | None = None
    country: CountryCode | None = None
    whc_id: WhcId | None = None
    inscribed_year: Year | None = None
    danger_list_year: Year | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    description: LongText | None = None


class SiteRead(ResourceRead):
    """A site as the API shows it."""

    name: str
    names: list[PlaceNameRead]
    identifiers: list[IdentifierRead]
    country: str
    whc_id: int | None
    inscribed_year: int | None
    danger_list_year: int | None
    lat: float | None
    lon: float | None
    description: str | None
