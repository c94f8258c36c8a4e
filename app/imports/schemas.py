"""What one row of an imported inventory must be: the API's own monument rules, plus the
identifier the inventory gives it."""

from typing import Annotated

from pydantic import Field

from app.core.schemas import Name
from app.monuments.schemas import MonumentCreate

# A name's rules (not blank, no control characters), in the column's 200 characters.
ExternalId = Annotated[
    Name, Field(max_length=200, description="The monument's id in the source inventory.")
]


class ImportedMonument(MonumentCreate):
    """A monument as an inventory row describes it: exactly `POST /api/v1/monuments`'s rules
    (it is that schema), with the inventory's identifier, which re-imports match on."""

    external_id: ExternalId


# Columns (CSV) or properties (GeoJSON) an inventory may have.
COLUMNS: tuple[str, ...] = tuple(ImportedMonument.model_fields)
