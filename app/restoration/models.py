"""Restoration assessments: what it would take to restore a monument (or, for a statement
about a whole property, its site), who says so, and the work's progress."""

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlmodel import Field, SQLModel

from app.core.db import Timestamps, json_list
from app.sources.models import citation_position, cited_source_id, citing_id


class RestorationKind(StrEnum):
    """A technical assessment can become a monument's plan of record; a public statement is
    an attributed claim, recorded as said and never a plan."""

    technical_assessment = "technical_assessment"
    public_statement = "public_statement"


class Feasibility(StrEnum):
    """Whether restoration is possible at all."""

    feasible = "feasible"
    partially_feasible = "partially_feasible"
    not_feasible = "not_feasible"
    undetermined = "undetermined"


class Approach(StrEnum):
    """How a monument would be restored (the conservation vocabulary)."""

    anastylosis = "anastylosis"
    consolidation = "consolidation"
    reconstruction = "reconstruction"
    replica = "replica"
    documentation_only = "documentation_only"


class Priority(StrEnum):
    """How urgent the work is."""

    urgent = "urgent"
    high = "high"
    medium = "medium"
    low = "low"


class Prerequisite(StrEnum):
    """What must happen before work can start."""

    demining = "demining"
    security_clearance = "security_clearance"
    structural_stabilisation = "structural_stabilisation"
    documentation = "documentation"
    funding = "funding"
    community_consultation = "community_consultation"
    legal_permission = "legal_permission"
    material_survey = "material_survey"


class PrerequisiteStatus(StrEnum):
    """A prerequisite stays `open` until someone records that it was `met` (and when)."""

    open = "open"
    met = "met"


class RestorationStatus(StrEnum):
    """proposed → approved → in_progress → completed; on_hold from any open state."""

    proposed = "proposed"
    approved = "approved"
    in_progress = "in_progress"
    completed = "completed"
    on_hold = "on_hold"


class RestorationAssessment(Timestamps, table=True):
    """One opinion on restoring one monument, or one statement about a whole property (its
    site); several may coexist."""

    __tablename__ = "restoration_assessment"
    __table_args__ = (
        Index(None, "monument_id", "assessed_on"),
        Index(None, "site_id", "assessed_on"),
        # About a monument or about a whole property, never both: a statement about the
        # property is recorded once, on the site, and never copied onto its monuments.
        CheckConstraint(
            "(monument_id IS NULL AND site_id IS NOT NULL) "
            "OR (monument_id IS NOT NULL AND site_id IS NULL)",
            name="one_subject",
        ),
        # A range, or a single figure stored as a range of one; both ends or neither.
        CheckConstraint(
            "(restorable_percent_min IS NULL AND restorable_percent_max IS NULL) "
            "OR (restorable_percent_min IS NOT NULL AND restorable_percent_max IS NOT NULL "
            "AND restorable_percent_min >= 0 AND restorable_percent_max <= 100 "
            "AND restorable_percent_min <= restorable_percent_max)",
            name="restorable_range",
        ),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    monument_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("monument.id"))
    )
    site_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("site.id")))
    kind: RestorationKind = Field(
        default=RestorationKind.technical_assessment,
        sa_column=Column(
            String(30), nullable=False, server_default=RestorationKind.technical_assessment.value
        ),
    )
    assessed_on: date = Field(sa_column=Column(Date, nullable=False))
    # What a source does not state stays null (a statement rarely names an approach).
    feasibility: Feasibility | None = Field(default=None, sa_column=Column(String(30)))
    approach: Approach | None = Field(default=None, sa_column=Column(String(30)))
    original_material_percent: int | None = Field(default=None, sa_column=Column(Integer))
    restorable_percent_min: int | None = Field(default=None, sa_column=Column(Integer))
    restorable_percent_max: int | None = Field(default=None, sa_column=Column(Integer))
    # Money is kept exact on every database: an integer count of thousandths of the unit
    # (SQLite has no decimal type and would round through floats).
    estimated_cost_thousandths: int | None = Field(default=None, sa_column=Column(BigInteger))
    estimated_cost_currency: str | None = Field(default=None, sa_column=Column(String(3)))
    estimated_duration_months: int | None = Field(default=None, sa_column=Column(Integer))
    priority: Priority | None = Field(default=None, sa_column=Column(String(10)))
    # [{"prerequisite": "demining", "status": "open", "met_on": null, "source_id": null}, …]
    # `source_id` names a source record by id (no foreign key yet: see migration 0011).
    prerequisites: list[dict[str, Any]] = json_list()
    status: RestorationStatus = Field(
        default=RestorationStatus.proposed, sa_column=Column(String(20), nullable=False)
    )
    completed_on: date | None = Field(default=None, sa_column=Column(Date))
    # Who says so: a person, their role, their organisation (any may be unknown).
    claimant_name: str | None = Field(default=None, sa_column=Column(String(300)))
    claimant_role: str | None = Field(default=None, sa_column=Column(String(300)))
    claimant_organisation: str | None = Field(default=None, sa_column=Column(String(300)))
    quote: str | None = Field(default=None, sa_column=Column(Text))
    source: str | None = Field(default=None, sa_column=Column(Text))
    notes: str | None = Field(default=None, sa_column=Column(Text))
    based_on_assessment_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("damage_assessment.id"))
    )
    author: str = Field(sa_column=Column(String(300), nullable=False))
    author_key_id: int | None = Field(default=None, sa_column=Column(Integer))


class RestorationAssessmentSource(SQLModel, table=True):
    """A source a restoration assessment cites, and where it comes in its list of sources."""

    __tablename__ = "restoration_assessment_source"

    restoration_assessment_id: int = citing_id("restoration_assessment")
    source_id: int = cited_source_id()
    position: int = citation_position()
