"""The shape of reports: the state-of-conservation report and the registry summary."""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.assessments.models import AssessmentMethod, Confidence, DamageCause, DamageLevel
from app.assessments.schemas import CurrentCondition
from app.core.schemas import Identified
from app.monuments.models import MonumentType
from app.names.schemas import IdentifierRead, PlaceNameRead
from app.property.schemas import (
    BenchmarkFacts,
    DecisionFacts,
    FactorFacts,
    MeasureFacts,
    MissionFacts,
)
from app.restoration.models import Prerequisite, RestorationStatus
from app.restoration.schemas import (
    MoneyRead,
    PrerequisiteState,
    RestorationClaim,
    RestorationFigures,
)
from app.sources.schemas import SourceFacts

UNASSESSED = "unassessed"


def level_or_unassessed(condition: Any) -> str:
    """The damage level of a monument's condition (anything with a `damage_level`), as the
    reports name it: `unassessed` where no verified assessment gives one."""
    return str(condition.damage_level) if condition is not None else UNASSESSED


class ReportFormat(StrEnum):
    """The formats a report is rendered in (`format=`)."""

    json = "json"
    csv = "csv"
    geojson = "geojson"
    html = "html"
    pdf = "pdf"


class SummaryGrouping(StrEnum):
    """How the registry summary groups monuments (`group_by=`)."""

    site = "site"
    type = "type"
    period = "period"
    damage_level = "damage_level"


class PropertyInfo(BaseModel):
    """The heritage property the report is about."""

    id: int
    name: str
    country: str
    whc_id: int | None
    inscribed_year: int | None
    danger_list_year: int | None
    criteria: list[str] = Field(default=[], description="World Heritage criteria, (i)-(x).")
    description: str | None = None
    boundary: dict[str, Any] | None = Field(default=None, description="GeoJSON geometry.")
    buffer_zone: dict[str, Any] | None = Field(default=None, description="GeoJSON geometry.")
    monuments_outside_boundary: list[int] = Field(
        default=[], description="Monuments whose recorded position lies outside the boundary."
    )


class ReportFactor(FactorFacts, Identified):
    """A factor affecting the property (standard list), current or potential."""


class ReportMeasure(MeasureFacts, Identified):
    """A corrective measure and its progress."""


class ReportBenchmark(BenchmarkFacts, Identified):
    """An item of the Desired state of conservation."""


class ReportDecision(DecisionFacts, Identified):
    """A decision of the World Heritage Committee."""


class ReportMission(MissionFacts, Identified):
    """A mission to the property."""


class ReportAttribute(BaseModel):
    """An attribute carrying Outstanding Universal Value, and the condition of what carries
    it: the worst level among its monuments and components."""

    id: int
    name: str
    description: str | None
    monument_ids: list[int]
    component_ids: list[int]
    worst_damage_level: DamageLevel | Literal["unassessed"]
    current_factor_codes: list[str]
    potential_factor_codes: list[str]
    source_ids: list[int]


class ComponentEntry(BaseModel):
    """A part of a monument and its own level, from the latest assessment that judged it."""

    id: int
    name: str
    damage_level: DamageLevel | None
    observed_on: date | None
    assessment_id: int | None
    note: str | None


class ConditionEntry(CurrentCondition):
    """A monument's condition on the report date, with how it was observed."""

    method: AssessmentMethod
    confidence: Confidence
    causes: list[DamageCause]


class EvidenceEntry(BaseModel):
    """The photographic evidence held for a monument by the report date."""

    photos: int
    latest_photo_on: date | None


class RestorationEntry(RestorationFigures):
    """A monument's plan of record as of the report date: its latest approved technical
    assessment (statements, and anything about the whole property, never are)."""

    prerequisite_status: list[PrerequisiteState]
    status: RestorationStatus
    estimated_cost: MoneyRead | None


class StatementEntry(RestorationClaim, Identified):
    """A restoration record about the property as a whole, as it was stated."""

    restorable_percent_min: int | None
    restorable_percent_max: int | None
    prerequisite_status: list[PrerequisiteState]
    status: RestorationStatus
    source: str | None
    source_ids: list[int] = Field(default=[], description="Its sources (`sources` of the report).")


class MonumentEntry(BaseModel):
    """One component of the property."""

    id: int
    name: str
    alt_names: list[str]
    names: list[PlaceNameRead] = Field(default=[], description="Every name with its language.")
    identifiers: list[IdentifierRead] = Field(
        default=[], description="Its identifiers in other datasets."
    )
    type: MonumentType
    period: str | None
    lat: float
    lon: float
    location_generalised: bool
    condition: ConditionEntry | None
    evidence: EvidenceEntry
    restoration: RestorationEntry | None = Field(description="The plan of record, if any.")
    waiting_on: list[Prerequisite] = Field(
        description="Prerequisites open on an open record about the monument or the property."
    )
    components: list[ComponentEntry] = Field(
        default=[], description="Its parts, each with its own level where judged."
    )
    current_factor_codes: list[str] = Field(default=[], description="Current factors on it.")
    potential_factor_codes: list[str] = Field(
        default=[], description="Potential factors on it (never counted as current)."
    )
    source_ids: list[int] = Field(
        default=[],
        description="The sources of its condition (and when it was reached) and of its plan of "
        "record: ids in the report's `sources`.",
    )


class _CitedSource(BaseModel):
    number: int = Field(description="Its reference number in the printable report: [1], [2]…")
    id: int


class ReportSource(SourceFacts, _CitedSource):
    """A source the report cites, numbered as its printed references are."""


class DamageLevelCounts(BaseModel):
    """Monuments per damage level; `unassessed` have no verified assessment yet."""

    no_visible_damage: int = 0
    possible_damage: int = 0
    moderate_damage: int = 0
    severe_damage: int = 0
    destroyed: int = 0
    unassessed: int = 0


class Factor(BaseModel):
    """A factor affecting the property and the monuments it affects."""

    cause: DamageCause
    monument_ids: list[int]


class PrerequisiteNeed(BaseModel):
    """How many monuments wait on a prerequisite: it is open on an open restoration record
    about the monument, or about the whole property (then every monument waits)."""

    prerequisite: Prerequisite
    monuments_waiting: int


class RestorationNeeds(BaseModel):
    """What the monuments' open plans of record call for, and what they wait on."""

    by_priority: dict[str, int] = Field(description="urgent, high, medium, low, unstated")
    estimated_cost: list[MoneyRead] = Field(description="Totals per currency, exact.")
    prerequisites: list[PrerequisiteNeed]


class ReportSummary(BaseModel):
    """The property at a glance."""

    monuments: int
    by_damage_level: DamageLevelCounts
    destroyed_or_severe_share: float = Field(ge=0, le=1)
    factors: list[Factor] = Field(
        description="Damage causes of the monuments' current conditions, and what they affect."
    )
    factors_current: int = Field(default=0, description="Confirmed current factors.")
    factors_potential: int = Field(default=0, description="Potential factors.")
    corrective_measures_open: int = Field(default=0, description="Planned or in progress.")
    benchmarks_met: int = 0
    benchmarks: int = 0
    restoration_needs: RestorationNeeds


class LevelChange(BaseModel):
    """A monument whose damage level differs between the two dates."""

    monument_id: int
    name: str
    from_level: DamageLevel | Literal["unassessed"]
    to_level: DamageLevel | Literal["unassessed"]
    from_assessment_id: int | None = Field(description="What the earlier level rests on.")
    to_assessment_id: int | None = Field(description="What the later level rests on.")


class Comparison(BaseModel):
    """What changed between `compare_to` and the report date."""

    compare_to: date = Field(description="The earlier `as_of` date, read at the same known_at.")
    changes: list[LevelChange]


class Provenance(BaseModel):
    """Enough to check a printed report against the registry later."""

    generated_at: datetime
    data_as_of: date
    known_at: date | datetime | None = Field(
        description="The registry as it knew things then; null: as it knows them now."
    )
    audit_chain_head: str
    audit_events: int


class StateOfConservationReport(BaseModel):
    """A UNESCO-style state-of-conservation report for one property."""

    property: PropertyInfo
    as_of: date = Field(description="The date the conditions held (by observation dates).")
    known_at: date | datetime | None = Field(
        description="Only records entered and verified by then count; null: everything now."
    )
    notice: str | None = Field(
        default=None, description="Why the report lists nothing, when that needs saying."
    )
    property_statements: list[StatementEntry] = Field(
        description="Restoration records about the property as a whole (recorded once, on "
        "the site; never a monument's plan of record), oldest first."
    )
    factors: list[ReportFactor] = Field(
        default=[], description="Factors affecting the property: current, then potential."
    )
    corrective_measures: list[ReportMeasure] = []
    benchmarks: list[ReportBenchmark] = Field(
        default=[],
        description="The Desired state of conservation for removal from the Danger List.",
    )
    decisions: list[ReportDecision] = Field(default=[], description="Oldest first.")
    missions: list[ReportMission] = Field(default=[], description="Oldest first.")
    attributes: list[ReportAttribute] = []
    monuments: list[MonumentEntry]
    summary: ReportSummary
    comparison: Comparison | None
    sources: list[ReportSource] = Field(
        description="Every source the report cites, numbered in order of first citation."
    )
    provenance: Provenance


class SummaryGroup(BaseModel):
    """Counts for one group of the registry summary."""

    key: str
    label: str
    monuments: int
    by_damage_level: DamageLevelCounts


class RegistrySummary(BaseModel):
    """Monument counts across the registry, grouped."""

    as_of: date
    known_at: date | datetime | None
    group_by: SummaryGrouping
    country: str | None
    monuments: int
    groups: list[SummaryGroup]
