"""Restoration assessments: what it would take to restore a monument, and its progress."""

from datetime import date
from enum import StrEnum

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.core.db import JSONDocument, Timestamps


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


class RestorationStatus(StrEnum):
    """proposed → approved → in_progress → completed; on_hold from any open state."""

    proposed = "proposed"
    approved = "approved"
    in_progress = "in_progress"
    completed = "completed"
    on_hold = "on_hold"


class RestorationAssessment(Timestamps, table=True):
    """One opinion on restoring one monument; several may coexist."""

    __tablename__ = "restoration_assessment"
    __table_args__ = (
        Index(None, "monument_id", "assessed_on"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    monument_id: int = Field(sa_column=Column(Integer, ForeignKey("monument.id"), nullable=False))
    assessed_on: date = Field(sa_column=Column(Date, nullable=False))
    feasibility: Feasibility = Field(sa_column=Column(String(30), nullable=False))
    approach: Approach | None = Field(default=None, sa_column=Column(String(30)))
    original_material_percent: int | None = Field(default=None, sa_column=Column(Integer))
    restorable_percent: int | None = Field(default=None, sa_column=Column(Integer))
    # Money is kept exact on every database: an integer count of thousandths of the unit
    # (SQLite has no decimal type and would round through floats).
    estimated_cost_thousandths: int | None = Field(default=None, sa_column=Column(BigInteger))
    estimated_cost_currency: str | None = Field(default=None, sa_column=Column(String(3)))
    estimated_duration_months: int | None = Field(default=None, sa_column=Column(Integer))
    priority: Priority | None = Field(default=None, sa_column=Column(String(10)))
    prerequisites: list[str] = Field(
        default_factory=list, sa_column=Column(JSONDocument, nullable=False)
    )
    status: RestorationStatus = Field(
        default=RestorationStatus.proposed, sa_column=Column(String(20), nullable=False)
    )
    completed_on: date | None = Field(default=None, sa_column=Column(Date))
    organisation: str | None = Field(default=None, sa_column=Column(String(300)))
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

    restoration_assessment_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("restoration_assessment.id", ondelete="CASCADE"), primary_key=True
        )
    )
    source_id: int = Field(
        sa_column=Column(Integer, ForeignKey("source.id"), primary_key=True, index=True)
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
