"""What one row of an imported inventory must be: the API's own monument rules, plus the
identifier the inventory gives it; and what records (YAML) have beside their API fields."""

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from app.assessments.models import DamageLevel
from app.core.schemas import InputModel, Name, PastDate, ShortText, distinct_items
from app.monuments.schemas import MonumentCreate
from app.restoration.models import RestorationStatus

# A name's rules (not blank, no control characters), in the column's 200 characters.
ExternalId = Annotated[
    Name, Field(max_length=200, description="The monument's id in the source inventory.")
]


class ImportedMonument(MonumentCreate):
    """A monument as an inventory row describes it: exactly `POST /api/v1/monuments`'s rules
    (it is that schema), with the inventory's identifier, which re-imports match on."""

    external_id: ExternalId


class MonumentFields(MonumentCreate):
    """A monument record's fields (YAML): `MonumentCreate`, and the inventory's identifier
    when it has one (re-imports match on it; without one, on the monument's name)."""

    external_id: ExternalId | None = None


# Columns (CSV) or properties (GeoJSON) an inventory may have: flat values only; names with
# languages and identifiers are lists of objects, given through the API or YAML records.
COLUMNS: tuple[str, ...] = tuple(
    field for field in ImportedMonument.model_fields if field not in ("names", "identifiers")
)


# --- records (YAML): what the importer reads beside each record's API fields ----------------

RecordKey = Annotated[
    str,
    Field(
        min_length=1,
        max_length=100,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="The record's name within the files (letters, digits, `_`, `.`, `-`).",
    ),
]
StoredId = Annotated[int, Field(ge=1, le=2**31 - 1)]
# Another record: its key in the files, or the id of a row already stored.
Reference = RecordKey | StoredId
References = Annotated[list[Reference], Field(max_length=50), AfterValidator(distinct_items)]


class SourceRecordRefs(InputModel):
    """What a source record has beside `SourceCreate`: the key others cite it by."""

    key: RecordKey


class SiteRecordRefs(InputModel):
    """What a site record has beside `SiteCreate`."""

    key: RecordKey | None = None
    sources: References = []


class OfSiteRecordRefs(InputModel):
    """What a record that belongs to a site has beside its API body (a monument, a record
    of the property layer): its site instead of `site_id`."""

    key: RecordKey | None = None
    site: Reference
    sources: References = []


class ComponentLevel(InputModel):
    """A component's level in an assessment record, naming the component by its key."""

    component: Reference
    damage_level: DamageLevel
    note: ShortText | None = None


class AssessmentRecordRefs(InputModel):
    """What a damage assessment record has beside `AssessmentCreate`: `component_levels`
    instead of `component_conditions` (components named by key)."""

    key: RecordKey | None = None
    monument: Reference
    sources: References = []
    component_levels: Annotated[list[ComponentLevel], Field(max_length=100)] = []
    status: Literal["draft", "submitted", "verified"] = Field(
        default="draft", description="How far through review the import takes it."
    )
    author: Name | None = Field(default=None, description="Who is recorded as its author.")


class RestorationRecordRefs(InputModel):
    """What a restoration record has beside `RestorationCreate`: what it is about, a
    monument, several monuments it names one by one (one record each), or a site (a
    statement about the whole property, recorded once)."""

    key: RecordKey | None = None
    monument: Reference | None = None
    monuments: References | None = None
    site: Reference | None = None
    sources: References = []
    status: RestorationStatus | None = Field(
        default=None, description="How far the import takes it (through the status changes)."
    )
    completed_on: PastDate | None = Field(default=None, description="With status `completed`.")
    author: Name | None = None

    @model_validator(mode="after")
    def _one_subject(self) -> "RestorationRecordRefs":
        given = [self.monument is not None, bool(self.monuments), self.site is not None]
        if sum(given) != 1:
            raise ValueError(
                "give exactly one of `monument`, a non-empty list of `monuments`, or `site`"
            )
        return self


class OfMonumentRecordRefs(InputModel):
    """What a record that belongs to a monument has beside its API body (a component, an
    evidence item): its monument and its sources, by key (an image pair names the
    assessment an evidence item supports)."""

    key: RecordKey | None = None
    monument: Reference
    sources: References = []


class ImagePairRecordRefs(InputModel):
    """What an image pair record is: its monument, its before and after evidence items and
    the assessment whose damage window they bound, by key."""

    key: RecordKey | None = None
    monument: Reference
    before: Reference
    after: Reference
    assessment: Reference | None = None


class AttributeRecordRefs(OfSiteRecordRefs):
    """An attribute record: the monuments and components that carry it, by key."""

    monuments: References = []
    components: References = []


class FactorRecordRefs(OfSiteRecordRefs):
    """A factor record: the monuments and attributes it affects, by key."""

    monuments: References = []
    attributes: References = []
