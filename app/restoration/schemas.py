"""Request and response bodies for restoration assessments."""

from datetime import date
from decimal import Decimal
from typing import Annotated, ClassVar

import pycountry
from pydantic import AfterValidator, BaseModel, Field

from app.core.schemas import (
    Citation,
    InputModel,
    LongText,
    Name,
    PastDate,
    PatchModel,
    ResourceRead,
    distinct_items,
)
from app.restoration.models import (
    Approach,
    Feasibility,
    Prerequisite,
    Priority,
    RestorationStatus,
)
from app.sources.schemas import SourceIds, SourceSummary


def _currency_code(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 3 or pycountry.currencies.get(alpha_3=code) is None:
        raise ValueError("must be an ISO 4217 currency code such as 'USD', 'EUR' or 'SYP'")
    return code


Percent = Annotated[int, Field(ge=0, le=100)]
Prerequisites = Annotated[
    list[Prerequisite],
    Field(max_length=len(Prerequisite), description="What must happen before work starts."),
    AfterValidator(distinct_items),
]
Months = Annotated[int, Field(ge=0, le=1200)]
AssessmentRef = Annotated[int, Field(ge=1, le=2**31 - 1)]


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


class RestorationCreate(InputModel):
    """A new restoration assessment (status `proposed`)."""

    assessed_on: PastDate
    feasibility: Feasibility
    approach: Approach | None = None
    original_material_percent: Percent | None = Field(
        default=None, description="Share of original material surviving and reusable."
    )
    restorable_percent: Percent | None = Field(
        default=None, description="Share of the recorded damage judged restorable."
    )
    estimated_cost: Money | None = None
    estimated_duration_months: Months | None = None
    priority: Priority | None = Field(default=None, description="Null when not stated.")
    prerequisites: Prerequisites = []
    organisation: Name | None = Field(default=None, description="Whose opinion this is.")
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
    """Changes to a restoration assessment, including its status; absent fields are kept."""

    required_fields: ClassVar[frozenset[str]] = frozenset(
        {"assessed_on", "feasibility", "prerequisites", "status", "source_ids"}
    )

    assessed_on: PastDate | None = None
    feasibility: Feasibility | None = None
    approach: Approach | None = None
    original_material_percent: Percent | None = None
    restorable_percent: Percent | None = None
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


class RestorationRead(ResourceRead):
    """A restoration assessment, and whether it is the monument's latest approved one."""

    monument_id: int
    assessed_on: date
    feasibility: Feasibility
    approach: Approach | None
    original_material_percent: int | None
    restorable_percent: int | None
    estimated_cost: MoneyRead | None
    estimated_duration_months: int | None
    priority: Priority | None
    prerequisites: list[Prerequisite]
    status: RestorationStatus
    completed_on: date | None
    organisation: str | None
    source: str | None
    source_ids: list[int] = Field(description="The source records it cites, in order.")
    sources: list[SourceSummary]
    notes: str | None
    based_on_assessment_id: int | None
    author: str
    is_latest_approved: bool = Field(
        description="True for the most recent opinion that reached approval (approved, "
        "in progress or completed)."
    )


class RestorationSummary(BaseModel):
    """The monument's latest restoration assessment, shown beside its condition."""

    id: int
    assessed_on: date
    feasibility: Feasibility
    approach: Approach | None
    restorable_percent: int | None
    priority: Priority | None
    prerequisites: list[Prerequisite]
    status: RestorationStatus
