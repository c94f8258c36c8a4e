"""Request and response bodies for damage assessments."""

from datetime import date, datetime
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.assessments.models import (
    DISTURBANCE_CAUSES,
    AssessmentMethod,
    AssessmentStatus,
    Confidence,
    DamageCause,
    DamageLevel,
    DisturbanceEffect,
    OverallCondition,
    ThreatProbability,
)
from app.core.schemas import (
    UNIQUE_ITEMS,
    Citation,
    InputModel,
    Integer,
    LongText,
    PastDate,
    PatchModel,
    ResourceRead,
    RowId,
    ShortText,
    distinct_items,
)
from app.sources.schemas import CitedSourceIds, SourceIds, SourceSummary

ExtentPercent = Annotated[
    Integer, Field(ge=0, le=100, description="Share of the structure affected.")
]
Causes = Annotated[
    list[DamageCause],
    Field(max_length=len(DamageCause), description="Causes, from the controlled list."),
    UNIQUE_ITEMS,
    AfterValidator(distinct_items),
]
AssessmentRef = RowId

CauseCategory = Literal[tuple(DISTURBANCE_CAUSES)]  # type: ignore[valid-type]


class ExtentRange(InputModel):
    """A share of the structure, as a range: {"min": 40, "max": 60}; one figure: min = max."""

    min: ExtentPercent
    max: ExtentPercent

    @model_validator(mode="after")
    def _ordered(self) -> "ExtentRange":
        if self.max < self.min:
            raise ValueError("max must not be below min")
        return self


class Disturbance(InputModel):
    """An EAMENA-style disturbance: what caused it (a category and an agent within it), what
    it did, how much of the structure it affected, and how sure the assessor is of it."""

    cause_category: CauseCategory = Field(description="conflict, looting, natural, …")
    cause_agent: DamageCause = Field(description="An agent of that category, e.g. explosives.")
    effect: DisturbanceEffect | None = None
    extent_percent: ExtentRange | None = None
    certainty: Confidence

    @model_validator(mode="after")
    def _agent_of_category(self) -> "Disturbance":
        agents = DISTURBANCE_CAUSES[self.cause_category]
        if self.cause_agent not in agents:
            raise ValueError(
                f"cause_agent {self.cause_agent.value!r} is not of the category "
                f"{self.cause_category!r}, whose agents are {', '.join(agents)}"
            )
        return self


class Threat(InputModel):
    """A threat to the monument, with its probability."""

    type: DamageCause = Field(description="What threatens, in the words of the causes.")
    probability: ThreatProbability
    note: ShortText | None = None


class ComponentCondition(InputModel):
    """The level of damage of one component of the monument (its cella, its gateway)."""

    component_id: AssessmentRef
    damage_level: DamageLevel
    note: ShortText | None = None


Disturbances = Annotated[list[Disturbance], Field(max_length=50)]
Threats = Annotated[list[Threat], Field(max_length=50)]
ComponentConditions = Annotated[list[ComponentCondition], Field(max_length=100)]


EventDate = Annotated[
    PastDate | None,
    Field(description="When the damage itself happened, where a source says so (a window)."),
]


class AssessmentCreate(InputModel):
    """A new (draft) damage assessment."""

    observed_on: PastDate
    event_from: EventDate = None
    event_to: EventDate = None
    method: AssessmentMethod
    # Before `source`, whose check looks at it.
    source_ids: SourceIds = []
    source: Citation | None = Field(
        default=None,
        # Checked when absent too, so that a missing source is an error on this field.
        validate_default=True,
        description="A free-text citation; when left out, it is written from `source_ids`. "
        "One of the two is required.",
    )
    damage_level: DamageLevel
    extent_percent: ExtentPercent | None = None
    causes: Causes = []
    confidence: Confidence
    overall_condition: OverallCondition | None = None
    disturbances: Disturbances = Field(
        default=[],
        description="EAMENA-style disturbances. Left out, `causes` and `extent_percent` "
        "become one disturbance each; given, `causes` are their agents.",
    )
    threats: Threats = []
    component_conditions: ComponentConditions = Field(
        default=[], description="The levels of the monument's components this judges."
    )
    notes: LongText | None = None
    supersedes: AssessmentRef | None = Field(
        default=None, description="The verified assessment this one corrects."
    )

    @field_validator("source")
    @classmethod
    def _some_source(cls, source: str | None, info: ValidationInfo) -> str | None:
        if source is None and not info.data.get("source_ids"):
            raise ValueError(
                "an assessment needs its source: a citation or URL here, or the ids of "
                "source records in `source_ids`"
            )
        return source


class AssessmentUpdate(PatchModel):
    """Changes to a draft assessment; absent fields are kept."""

    required_fields: ClassVar[frozenset[str]] = frozenset(
        {
            "observed_on",
            "method",
            "source",
            "source_ids",
            "damage_level",
            "causes",
            "confidence",
            "disturbances",
            "threats",
            "component_conditions",
        }
    )

    observed_on: PastDate | None = None
    event_from: EventDate = None
    event_to: EventDate = None
    method: AssessmentMethod | None = None
    source: Citation | None = None
    source_ids: SourceIds | None = None
    damage_level: DamageLevel | None = None
    extent_percent: ExtentPercent | None = None
    causes: Causes | None = None
    confidence: Confidence | None = None
    overall_condition: OverallCondition | None = None
    disturbances: Disturbances | None = None
    threats: Threats | None = None
    component_conditions: ComponentConditions | None = None
    notes: LongText | None = None
    supersedes: AssessmentRef | None = None


class ReviewDecision(InputModel):
    """A reviewer's decision on a submitted assessment."""

    decision: Literal["verify", "reject"]
    note: LongText | None = Field(default=None, description="Required when rejecting.")


class AssessmentRead(ResourceRead):
    """A damage assessment and where it stands in review."""

    monument_id: int
    observed_on: date
    event_from: date | None
    event_to: date | None
    method: AssessmentMethod
    source: str
    source_ids: CitedSourceIds
    sources: list[SourceSummary]
    damage_level: DamageLevel
    extent_percent: int | None
    causes: list[DamageCause]
    confidence: Confidence
    overall_condition: OverallCondition | None
    disturbances: list[dict]
    threats: list[dict]
    component_conditions: list[dict]
    notes: str | None
    status: AssessmentStatus
    supersedes: int | None
    author: str
    submitted_at: datetime | None
    reviewer: str | None
    reviewed_at: datetime | None
    review_note: str | None


class DamageWindow(BaseModel):
    """When the monument reached its current level, as far as the record tells: after the
    last observation that showed less damage, and by the first one that showed it."""

    level: DamageLevel
    after: date | None = Field(
        description="The last observation before, with less damage; null when none shows less."
    )
    after_assessment_id: int | None
    by: date = Field(description="The first observation that showed this level.")
    by_assessment_id: int
    event_from: date | None = Field(
        description="When the damage happened, as the first observation's source states it."
    )
    event_to: date | None
    image_pair_id: int | None = Field(
        default=None,
        description="The before/after image pair (POST /api/v1/monuments/{id}/image-pairs) "
        "whose acquisition dates bound event_from and event_to.",
    )


class CurrentCondition(BaseModel):
    """A monument's condition, from its latest verified assessment."""

    damage_level: DamageLevel
    extent_percent: int | None
    observed_on: date
    assessment_id: int
    damage_window: DamageWindow | None = Field(
        default=None, description="When this level was reached; null for no visible damage."
    )
    disputed: bool = Field(
        default=False,
        description="Verified assessments of overlapping times disagree by more than one level "
        "about this condition or about when it was reached.",
    )
    disputed_assessment_ids: list[int] = Field(
        default_factory=list, description="The assessments that disagree."
    )
