"""A monument as readers see it: stored fields, the location they may see, and what is
derived from its evidence."""

from datetime import date

from pydantic import BaseModel, Field

from app.assessments.models import DamageLevel
from app.assessments.schemas import CurrentCondition
from app.core.schemas import ResourceRead
from app.monuments.models import MonumentType
from app.names.schemas import IdentifierRead, MatchedName, PlaceNameRead
from app.restoration.schemas import RestorationOutlook, RestorationSummary


class ComponentState(BaseModel):
    """A part of the monument and its own level, from the latest verified assessment that
    judged it (null level: none has)."""

    id: int
    name: str
    damage_level: DamageLevel | None
    observed_on: date | None
    assessment_id: int | None


class MonumentRead(ResourceRead):
    """A monument as the caller may see it."""

    site_id: int
    name: str
    alt_names: list[str] = Field(description="Every other name, untagged (see `names`).")
    names: list[PlaceNameRead] = Field(
        description="Every name with its BCP 47 language and kind, the preferred one first."
    )
    identifiers: list[IdentifierRead] = Field(
        description="The monument's identifiers in other datasets."
    )
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
        description="The most recent restoration record about the monument (any kind, any "
        "status); null when none. Kept for older clients: `restoration` says which is the plan."
    )
    matched_name: MatchedName | None = Field(
        default=None,
        description="With `q`: the name that matched, the closest match first; else null.",
    )
    restoration: RestorationOutlook = Field(
        description="The plan of record (the latest approved technical assessment of the "
        "monument), the spread of every opinion about it and its site, and what it waits on.",
    )
    components: list[ComponentState] = Field(
        default=[], description="Its parts (cella, gateway…), each with its own condition."
    )
