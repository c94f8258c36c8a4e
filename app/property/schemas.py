"""Request and response bodies for the property layer and monument components."""

from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, RootModel, create_model

from app.core.schemas import (
    UNIQUE_ITEMS,
    Day,
    Flag,
    InputModel,
    LongText,
    Name,
    PastDate,
    PatchModel,
    ResourceRead,
    RowId,
    ShortText,
    distinct_items,
)
from app.property.models import BenchmarkStatus, FactorStatus, MeasureStatus, MissionType
from app.property.vocabulary import factor_code, factors
from app.sources.schemas import SourceIds, Url

Ref = RowId
Refs = Annotated[list[Ref], Field(max_length=200), UNIQUE_ITEMS, AfterValidator(distinct_items)]
FactorCode = Annotated[
    str,
    Field(
        max_length=60,
        description="A code of the standard list (GET /api/v1/standard-factors).",
        # The list, in the JSON Schema; read when the document is built.
        json_schema_extra=lambda schema: schema.update(enum=list(factors())),
    ),
    AfterValidator(factor_code),
]
DecisionCode = Annotated[
    str,
    Field(
        max_length=40,
        pattern=r"^\d{1,2} (COM|BUR|EXT\.COM) [0-9A-Z]+(\.[0-9A-Za-z]+)*$",
        examples=["40 COM 7A.20"],
    ),
]
SessionName = Annotated[ShortText, Field(max_length=40, examples=["40th session (Istanbul, 2016)"])]
Organisation = Annotated[ShortText, Field(max_length=300)]


class ComponentCreate(InputModel):
    """A new part of a monument (a cella, a temenos, a gateway)."""

    name: Name
    description: LongText | None = None
    source_ids: SourceIds = []


class AttributeCreate(InputModel):
    """A new attribute carrying the property's Outstanding Universal Value."""

    name: Name
    description: LongText | None = None
    monument_ids: Refs = []
    component_ids: Refs = []
    source_ids: SourceIds = []


class FactorCreate(InputModel):
    """A factor of the standard list affecting the property."""

    code: FactorCode
    status: FactorStatus
    since: PastDate | None = None
    note: LongText | None = None
    monument_ids: Refs = []
    attribute_ids: Refs = []
    source_ids: SourceIds = []
    confirmed: Flag = True


class CorrectiveMeasureCreate(InputModel):
    """A corrective measure and its progress."""

    text: LongText
    responsible_body: Organisation | None = None
    status: MeasureStatus
    started_on: Day | None = None
    due_on: Day | None = None
    completed_on: PastDate | None = None
    source_ids: SourceIds = []


class BenchmarkCreate(InputModel):
    """An item of the Desired state of conservation."""

    text: LongText
    status: BenchmarkStatus = BenchmarkStatus.not_met
    evidence: LongText | None = None
    source_ids: SourceIds = []


class DecisionCreate(InputModel):
    """A decision of the World Heritage Committee about the property."""

    session: SessionName
    code: DecisionCode
    decided_on: PastDate | None = None
    text: LongText | None = None
    url: Url | None = None
    source_ids: SourceIds = []


class MissionCreate(InputModel):
    """A mission to the property."""

    type: MissionType
    started_on: PastDate | None = None
    ended_on: PastDate | None = None
    organisations: Annotated[list[Organisation], Field(max_length=20)] = []
    findings: LongText | None = None
    source_ids: SourceIds = []


def _patch_of(create: type[InputModel]) -> type[PatchModel]:
    """The PATCH body of a record: every field of its create body, optional."""
    required = frozenset(
        name
        for name, field in create.model_fields.items()
        if field.is_required() or isinstance(field.default, list | bool)
    )
    # The create field's constraints, and what its JSON Schema says beside them (the
    # standard list of factor codes, distinct source ids), on the value that is not null.
    fields: dict[str, Any] = {
        name: (
            Annotated[
                field.annotation,
                *field.metadata,
                Field(description=field.description, json_schema_extra=field.json_schema_extra),
            ]
            | None,
            None,
        )
        for name, field in create.model_fields.items()
    }
    model = create_model(
        create.__name__.replace("Create", "Update"),
        __base__=PatchModel,
        __doc__=f"Changes to {create.__doc__[0].lower()}{create.__doc__[1:]}; absent fields "
        "are kept.",
        **fields,
    )
    model.required_fields = required  # type: ignore[attr-defined]
    return model


ComponentUpdate = _patch_of(ComponentCreate)
AttributeUpdate = _patch_of(AttributeCreate)
FactorUpdate = _patch_of(FactorCreate)
CorrectiveMeasureUpdate = _patch_of(CorrectiveMeasureCreate)
BenchmarkUpdate = _patch_of(BenchmarkCreate)
DecisionUpdate = _patch_of(DecisionCreate)
MissionUpdate = _patch_of(MissionCreate)


class ComponentRead(ResourceRead):
    """A part of a monument."""

    monument_id: int
    name: str
    description: str | None
    source_ids: list[int]


class SiteRecordRead(ResourceRead):
    """Fields every record of a site's property layer has, as the API shows it."""

    site_id: int


class AttributeRead(SiteRecordRead):
    """An attribute of the property."""

    name: str
    description: str | None
    monument_ids: list[int]
    component_ids: list[int]
    source_ids: list[int]


# What each record of the property layer states: as the API shows it (with its id, times
# and site) and as the state-of-conservation report lists it (with its id), as SourceFacts.


class StandardFactor(BaseModel):
    """A factor of the standard list, with its primary factor."""

    code: str
    name: str
    primary_code: str
    primary_name: str


class FactorFacts(StandardFactor):
    """A factor affecting the property, with its place in the standard list."""

    # Its code and names are the standard list's; the name is described here.
    name: str = Field(description="The secondary factor's name in the standard list.")
    status: FactorStatus
    since: date | None
    note: str | None
    monument_ids: list[int]
    attribute_ids: list[int]
    source_ids: list[int]


class FactorRead(FactorFacts, SiteRecordRead):
    """A factor affecting the property, with its place in the standard list."""

    confirmed: bool


class FactorList(RootModel[list[FactorRead]]):
    """Factors, as a JSON array."""


class MeasureFacts(BaseModel):
    """A corrective measure and its progress."""

    text: str
    responsible_body: str | None
    status: MeasureStatus
    started_on: date | None
    due_on: date | None
    completed_on: date | None
    source_ids: list[int]


class CorrectiveMeasureRead(MeasureFacts, SiteRecordRead):
    """A corrective measure."""


class BenchmarkFacts(BaseModel):
    """An item of the Desired state of conservation."""

    text: str
    status: BenchmarkStatus
    evidence: str | None
    source_ids: list[int]


class BenchmarkRead(BenchmarkFacts, SiteRecordRead):
    """An item of the Desired state of conservation."""


class DecisionFacts(BaseModel):
    """A decision of the World Heritage Committee."""

    session: str
    code: str
    decided_on: date | None
    text: str | None
    url: str | None
    source_ids: list[int]


class DecisionRead(DecisionFacts, SiteRecordRead):
    """A Committee decision."""


class MissionFacts(BaseModel):
    """A mission to the property."""

    type: MissionType
    started_on: date | None
    ended_on: date | None
    organisations: list[str]
    findings: str | None
    source_ids: list[int]


class MissionRead(MissionFacts, SiteRecordRead):
    """A mission to the property."""


class PrimaryFactor(BaseModel):
    """A primary factor of the standard list and its secondary factors."""

    code: str
    name: str
    secondary: list[StandardFactor]


class StandardFactorList(BaseModel):
    """The World Heritage Committee's standard list of factors, as this registry holds it."""

    primary: list[PrimaryFactor]
