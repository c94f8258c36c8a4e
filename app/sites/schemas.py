"""Request and response bodies for sites."""

from datetime import date
from typing import Annotated, Any, ClassVar, Literal

from geojson_pydantic import MultiPolygon, Polygon
from pydantic import AfterValidator, Field, PlainSerializer

from app.core.schemas import (
    CountryCode,
    InputModel,
    Integer,
    Latitude,
    Longitude,
    LongText,
    Name,
    PatchModel,
    ResourceRead,
)
from app.names.schemas import IdentifierRead, Identifiers, Names, PlaceNameRead, with_whole_lists

# The World Heritage List's first inscriptions were in 1978.
Year = Annotated[Integer, Field(ge=1978, le=date.today().year + 1)]
WhcId = Annotated[Integer, Field(ge=1, le=1_000_000, description="UNESCO World Heritage Centre id")]

CRITERIA = ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x")
Criterion = Literal["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x"]


def _criteria_in_order(criteria: list[str]) -> list[str]:
    if len(set(criteria)) != len(criteria):
        raise ValueError("must not name a criterion twice")
    return sorted(criteria, key=CRITERIA.index)


def _valid_area(geometry: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    # GeoJSON's structure is checked by geojson-pydantic; shapely checks that the rings make
    # an area (closed, not self-intersecting), which the structure alone cannot tell.
    # Imported when first needed, as the other geometry and packaging libraries are: the
    # server's resting memory stays low (tests/security/test_decode_memory.py).
    from shapely.errors import GEOSException
    from shapely.geometry import shape
    from shapely.validation import explain_validity

    document = geometry.model_dump(exclude_none=True)
    rings = [document["coordinates"]] if document["type"] == "Polygon" else document["coordinates"]
    for ring in (ring for polygon in rings for ring in polygon):
        for position in ring:
            lon, lat = position[0], position[1]
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise ValueError(
                    f"has a position outside longitude -180..180, latitude -90..90: {position}"
                )
    try:
        area = shape(document)
        valid = area.is_valid
    except (GEOSException, ValueError) as error:
        raise ValueError(f"is not a valid area: {error}") from None
    if not valid:
        raise ValueError(f"is not a valid area: {explain_validity(area)}")
    if area.is_empty or area.area == 0:
        raise ValueError("encloses no area")
    return geometry


Criteria = Annotated[
    list[Criterion],
    Field(max_length=10, description='World Heritage criteria, e.g. ["i", "ii", "iv"].'),
    AfterValidator(_criteria_in_order),
]
Area = Annotated[
    Polygon | MultiPolygon,
    AfterValidator(_valid_area),
    # Stored and sent as the GeoJSON it was given (no `bbox: null` added).
    PlainSerializer(lambda geometry: geometry.model_dump(exclude_none=True), return_type=dict),
    Field(description="A GeoJSON Polygon or MultiPolygon (longitude, latitude)."),
]


class SiteDetails(InputModel):
    """What a site may go without, sent alike for a new site and in a change to one."""

    names: Names | None = None
    whc_id: WhcId | None = None
    inscribed_year: Year | None = None
    danger_list_year: Year | None = None
    lat: Latitude | None = None
    lon: Longitude | None = None
    description: LongText | None = None
    boundary: Area | None = None
    buffer_zone: Area | None = None


class SiteCreate(SiteDetails):
    """A new site."""

    name: Name
    identifiers: Identifiers = []
    country: CountryCode
    criteria: Criteria = []


class SiteUpdate(SiteDetails, PatchModel):
    """Changes to a site; absent fields are kept."""

    def changes(self) -> dict[str, Any]:
        """Only the fields the caller sent (names and identifiers whole)."""
        return with_whole_lists(self, super().changes())

    required_fields: ClassVar[frozenset[str]] = frozenset(
        {"name", "names", "identifiers", "country", "criteria"}
    )

    name: Name | None = None
    identifiers: Identifiers | None = None
    country: CountryCode | None = None
    criteria: Criteria | None = None


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
    criteria: list[str]
    boundary: dict[str, Any] | None
    buffer_zone: dict[str, Any] | None
