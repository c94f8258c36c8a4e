"""Request and response bodies for restoration assessments."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, ClassVar

import pycountry
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from app.core.schemas import (
    Citation,
    InputModel,
    Integer,
    LongText,
    Name,
    PastDate,
    PatchModel,
    ResourceRead,
    RowId,
    distinct_items,
)
from app.restoration.models import (
    Approach,
    Feasibility,
    Prerequisite,
    PrerequisiteStatus,
    Priority,
    RestorationKind,
    RestorationStatus,
)
from app.sources.schemas import CitedSourceIds, SourceIds, SourceSummary


def _currency_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("must be an ISO 4217 currency code such as 'USD', 'EUR' or 'SYP'")
    return code


Percent = Annotated[Integer, Field(ge=0, le=100)]
Months = Annotated[Integer, Field(ge=0, le=1200)]
AssessmentRef = RowId
SourceRef = Annotated[
    RowId,
    Field(ge=1, le=2**31 - 1, description="The id of the source record that says so."),
]


class PrerequisiteItem(InputModel):
    """One prerequisite and whether it has been met."""

    prerequisite: Prerequisite
    status: PrerequisiteStatus | None = Field(
        default=None,
        description="`open` or `met`. Left out: `open` on a new record; on an edit, as the "
        "record had it (open when the record did not list it).",
    )
    met_on: PastDate | None = Field(default=None, description="When it was met (with `met`).")
    source_id: SourceRef | None = None

    @model_validator(mode="after")
    def _met_on_with_met(self) -> "PrerequisiteItem":
        if self.status == PrerequisiteStatus.met and self.met_on is None:
            raise ValueError("a met prerequisite needs met_on, the date it was met")
        if self.met_on is not None and self.status != PrerequisiteStatus.met:
            raise ValueError("met_on is given only with status 'met'")
        return self


_WORDS = frozenset(Prerequisite)


def _known_word(value: Any) -> Any:
    # A bare word is checked here, so that a wrong one is reported at its place in the
    # list rather than once for each form an item may take.
    if isinstance(value, str) and value not in _WORDS:
        words = ", ".join(Prerequisite)
        raise ValueError(f"'{value}' is not a prerequisite; use one of: {words}")
    return value


def _as_items(items: list[Any]) -> list[PrerequisiteItem]:
    found = [
        item if isinstance(item, PrerequisiteItem) else PrerequisiteItem(prerequisite=item)
        for item in items
    ]
    distinct_items([item.prerequisite for item in found])
    return found


Prerequisites = Annotated[
    list[Annotated[Prerequisite | PrerequisiteItem, BeforeValidator(_known_word)]],
    Field(
        max_length=len(Prerequisite),
        description="What must happen before work starts: words (each `open`) or objects "
        "`{prerequisite, status, met_on, source_id}`.",
    ),
    AfterValidator(_as_items),
]


class Claimant(InputModel):
    """Who says so: a person, their role, their organisation; what is not known is left out."""

    # `_someone` in the JSON Schema: a name or an organisation that is not null.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [
                {"required": [field], "properties": {field: {"type": "string"}}}
                for field in ("name", "organisation")
            ]
        },
    )

    name: Name | None = None
    role: Name | None = Field(default=None, examples=["Director-General of UNESCO"])
    organisation: Name | None = None

    @model_validator(mode="after")
    def _someone(self) -> "Claimant":
        if self.name is None and self.organisation is None:
            raise ValueError("a claimant needs a name or an organisation")
        return self


class ClaimantRead(BaseModel):
    """Who says so."""

    name: str | None
    role: str | None
    organisation: str | None


class PrerequisiteState(BaseModel):
    """A prerequisite of a restoration record and whether it has been met."""

    prerequisite: Prerequisite
    status: PrerequisiteStatus
    met_on: date | None
    source_id: int | None


class Money(InputModel):
    """An amount in a currency; send the amount as a string to keep it exact."""

    amount: Annotated[
        Decimal,
        Field(
            ge=0,
            max_digits=18,
            decimal_places=3,
            allow_inf_nan=False,
            examples=["1500000.00"],
        ),
    ]
    currency: Annotated[str, AfterValidator(_currency_code), Field(examples=["USD"])]


class MoneyRead(BaseModel):
    """An amount (a decimal string, never a float) in an ISO 4217 currency."""

    amount: str
    currency: str


FIGURE = (
    "A single figure for the share of the recorded damage judged restorable: sets "
    "`restorable_percent_min` and `restorable_percent_max` both."
)


class RestorationCreate(InputModel):
    """A new restoration record (status `proposed`): a technical assessment, or a public
    statement recorded as it was made. What the source does not state is left out."""

    kind: RestorationKind = RestorationKind.technical_assessment
    assessed_on: PastDate = Field(description="When the assessment or statement was made.")
    claimant: Claimant | None = Field(default=None, description="Who says so.")
    quote: LongText | None = Field(default=None, description="Their words, as published.")
    feasibility: Feasibility | None = None
    approach: Approach | None = None
    original_material_percent: Percent | None = Field(
        default=None, description="Share of original material surviving and reusable."
    )
    restorable_percent: Percent | None = Field(default=None, description=FIGURE)
    restorable_percent_min: Percent | None = Field(
        default=None, description="Lower end of the share of the damage judged restorable."
    )
    restorable_percent_max: Percent | None = Field(
        default=None, description="Upper end of the share of the damage judged restorable."
    )
    estimated_cost: Money | None = None
    estimated_duration_months: Months | None = None
    priority: Priority | None = Field(default=None, description="Null when not stated.")
    prerequisites: Prerequisites = []
    organisation: Name | None = Field(
        default=None, description="The claimant's organisation (same as `claimant.organisation`)."
    )
    source: Citation | None = Field(
        default=None,
        description="A free-text citation; when left out, it is written from `source_ids`.",
    )
    source_ids: SourceIds = []
    notes: LongText | None = None
    based_on_assessment_id: AssessmentRef | None = Field(
        default=None, description="The verified damage assessment this answers."
    )


class RestorationUpdate(PatchModel):
    """Changes to a restoration record, including its status; absent fields are kept."""

    required_fields: ClassVar[frozenset[str]] = frozenset(
        {"kind", "assessed_on", "prerequisites", "status", "source_ids"}
    )

    kind: RestorationKind | None = None
    assessed_on: PastDate | None = None
    claimant: Claimant | None = None
    quote: LongText | None = None
    feasibility: Feasibility | None = None
    approach: Approach | None = None
    original_material_percent: Percent | None = None
    restorable_percent: Percent | None = Field(default=None, description=FIGURE)
    restorable_percent_min: Percent | None = None
    restorable_percent_max: Percent | None = None
    estimated_cost: Money | None = None
    estimated_duration_months: Months | None = None
    priority: Priority | None = None
    prerequisites: Prerequisites | None = None
    status: RestorationStatus | None = None
    completed_on: PastDate | None = None
    organisation: Name | None = None
    source: Citation | None = None
    source_ids: SourceIds | None = None
    notes: LongText | None = None
    based_on_assessment_id: AssessmentRef | None = None


class RestorationClaim(BaseModel):
    """What a restoration record states and who states it: its kind and date, the claimant
    in their own words, and whether and how the monument could be restored. Shown with the
    record and in a report's statements about the property."""

    kind: RestorationKind
    assessed_on: date
    claimant: ClaimantRead | None
    quote: str | None
    feasibility: Feasibility | None
    approach: Approach | None


class RestorationRead(RestorationClaim, ResourceRead):
    """A restoration record, about a monument or (a statement about the whole property) a
    site, and whether it is the monument's plan of record."""

    monument_id: int | None = Field(description="The monument it is about; null for a site.")
    site_id: int | None = Field(description="The site, for a statement about the property.")
    original_material_percent: int | None
    restorable_percent: int | None = Field(
        description="The single figure stated; null when none or a range was stated."
    )
    restorable_percent_min: int | None
    restorable_percent_max: int | None
    estimated_cost: MoneyRead | None
    estimated_duration_months: int | None
    priority: Priority | None
    prerequisites: list[Prerequisite] = Field(description="Every prerequisite listed.")
    prerequisite_status: list[PrerequisiteState]
    status: RestorationStatus
    completed_on: date | None
    organisation: str | None = Field(description="The claimant's organisation.")
    source: str | None
    source_ids: CitedSourceIds
    sources: list[SourceSummary]
    notes: str | None
    based_on_assessment_id: int | None
    author: str
    is_latest_approved: bool = Field(
        description="True for the monument's plan of record: its most recent technical "
        "assessment that reached approval (approved, in progress or completed)."
    )


class RestorationFigures(BaseModel):
    """A restoration record in short: when, whether and how, how much, how urgent, and what
    it waits on. Shown with a monument and in a report's plan of record."""

    id: int
    assessed_on: date
    feasibility: Feasibility | None
    approach: Approach | None
    restorable_percent: int | None
    restorable_percent_min: int | None
    restorable_percent_max: int | None
    priority: Priority | None
    prerequisites: list[Prerequisite]


class RestorationSummary(RestorationFigures):
    """The monument's latest restoration record (any kind, any status)."""

    kind: RestorationKind
    status: RestorationStatus


class Opinions(BaseModel):
    """Every restoration record about a monument or its whole property, counted."""

    count: int = Field(description="Records about the monument and about its site.")
    statements: int = Field(description="How many of them are public statements.")
    restorable_percent_min: int | None = Field(description="The lowest figure stated.")
    restorable_percent_max: int | None = Field(description="The highest figure stated.")


class RestorationOutlook(BaseModel):
    """A monument's plan of record beside the spread of every opinion about it."""

    plan_of_record: RestorationRead | None = Field(
        description="Its latest approved technical assessment; statements never are."
    )
    opinions: Opinions
    waiting_on: list[Prerequisite] = Field(
        description="Prerequisites open on any open record about the monument or its site."
    )
