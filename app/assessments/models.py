"""Damage assessments: dated, sourced, reviewed observations of a monument's condition."""

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.db import Timestamps, UTCDateTime, json_list
from app.sources.models import citation_position, cited_source_id, citing_id


class DamageLevel(StrEnum):
    """The UNITAR-UNOSAT damage scale, least to most severe."""

    no_visible_damage = "no_visible_damage"
    possible_damage = "possible_damage"
    moderate_damage = "moderate_damage"
    severe_damage = "severe_damage"
    destroyed = "destroyed"


class AssessmentMethod(StrEnum):
    """How the observation was made."""

    field_survey = "field_survey"
    satellite_imagery = "satellite_imagery"
    drone = "drone"
    photo_review = "photo_review"
    media_report = "media_report"


class DamageCause(StrEnum):
    """Causes of damage, aligned with UNESCO's list of factors affecting properties."""

    deliberate_destruction = "deliberate_destruction"
    explosives = "explosives"
    looting = "looting"
    illegal_excavation = "illegal_excavation"
    military_activity = "military_activity"
    vandalism = "vandalism"
    neglect = "neglect"
    fire = "fire"
    earthquake = "earthquake"
    flooding = "flooding"
    weathering = "weathering"
    development_pressure = "development_pressure"
    inappropriate_restoration = "inappropriate_restoration"
    other = "other"


# EAMENA-style disturbance causes: a category, and the agents within it. The agents are the
# words of `DamageCause`, so an assessment's `causes` are the agents of its disturbances and
# the words recorded before disturbances existed keep their meaning (migration 0015).
DISTURBANCE_CAUSES: dict[str, tuple[str, ...]] = {
    "conflict": ("deliberate_destruction", "explosives", "military_activity"),
    "looting": ("looting", "illegal_excavation"),
    "vandalism": ("vandalism",),
    "fire": ("fire",),
    "natural": ("earthquake", "flooding", "weathering"),
    "development": ("development_pressure",),
    "management": ("neglect", "inappropriate_restoration"),
    "other": ("other",),
}
CAUSE_CATEGORY: dict[str, str] = {
    agent: category for category, agents in DISTURBANCE_CAUSES.items() for agent in agents
}


class OverallCondition(StrEnum):
    """EAMENA's overall condition of a place."""

    good = "good"
    fair = "fair"
    poor = "poor"
    very_bad = "very_bad"
    destroyed = "destroyed"
    unknown = "unknown"


class DisturbanceEffect(StrEnum):
    """What a disturbance did to the fabric."""

    collapse = "collapse"
    partial_collapse = "partial_collapse"
    cracking = "cracking"
    burning = "burning"
    looting_pits = "looting_pits"
    displacement = "displacement"
    surface_loss = "surface_loss"
    graffiti = "graffiti"
    unknown = "unknown"


class ThreatProbability(StrEnum):
    """How likely a threat is to act."""

    low = "low"
    medium = "medium"
    high = "high"
    unknown = "unknown"


class Confidence(StrEnum):
    """How sure the assessor is."""

    low = "low"
    medium = "medium"
    high = "high"


class AssessmentStatus(StrEnum):
    """The review workflow: draft → submitted → verified | rejected."""

    draft = "draft"
    submitted = "submitted"
    verified = "verified"
    rejected = "rejected"


class DamageAssessment(Timestamps, table=True):
    """One observation of one monument at one date, and its review."""

    __tablename__ = "damage_assessment"
    __table_args__ = (
        Index(None, "monument_id", "status", "observed_on"),
        # The condition query asks, for every verified assessment, whether a verified
        # correction supersedes it: without this index that is a scan per assessment.
        Index(None, "supersedes_id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    monument_id: int = Field(sa_column=Column(Integer, ForeignKey("monument.id"), nullable=False))
    observed_on: date = Field(sa_column=Column(Date, nullable=False))
    # When the damage itself happened, where a source says so (the observation may be
    # later: a satellite image of 31 August shows what was blown up on the 30th).
    event_from: date | None = Field(default=None, sa_column=Column(Date))
    event_to: date | None = Field(default=None, sa_column=Column(Date))
    method: AssessmentMethod = Field(sa_column=Column(String(30), nullable=False))
    source: str = Field(sa_column=Column(Text, nullable=False))
    damage_level: DamageLevel = Field(sa_column=Column(String(30), nullable=False))
    extent_percent: int | None = Field(default=None, sa_column=Column(Integer))
    causes: list[str] = json_list()
    confidence: Confidence = Field(sa_column=Column(String(10), nullable=False))
    overall_condition: OverallCondition | None = Field(default=None, sa_column=Column(String(20)))
    # EAMENA-style condition: [{cause_category, cause_agent, effect, extent_percent:
    # {min, max}, certainty}], [{type, probability, note}], and the levels of the monument's
    # components this assessment judges: [{component_id, damage_level, note}].
    disturbances: list[dict] = json_list()
    threats: list[dict] = json_list()
    component_conditions: list[dict] = json_list()
    notes: str | None = Field(default=None, sa_column=Column(Text))
    status: AssessmentStatus = Field(
        default=AssessmentStatus.draft, sa_column=Column(String(20), nullable=False)
    )
    supersedes_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("damage_assessment.id"))
    )
    author: str = Field(sa_column=Column(String(300), nullable=False))
    author_key_id: int | None = Field(default=None, sa_column=Column(Integer))
    submitted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reviewer: str | None = Field(default=None, sa_column=Column(String(300)))
    reviewer_key_id: int | None = Field(default=None, sa_column=Column(Integer))
    reviewed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_note: str | None = Field(default=None, sa_column=Column(Text))


class DamageAssessmentSource(SQLModel, table=True):
    """A source a damage assessment cites, and where it comes in its list of sources."""

    __tablename__ = "damage_assessment_source"

    damage_assessment_id: int = citing_id("damage_assessment")
    source_id: int = cited_source_id()
    position: int = citation_position()


class ImagePair(Timestamps, table=True):
    """Two images of one monument from above, before and after, and the damage assessment
    they support: their acquisition dates bound when the damage was done."""

    __tablename__ = "image_pair"
    __table_args__ = (
        UniqueConstraint("before_id", "after_id", "assessment_id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    monument_id: int = Field(
        sa_column=Column(Integer, ForeignKey("monument.id"), nullable=False, index=True)
    )
    # Evidence items (app.photos); named by table so this layer does not import photos.
    before_id: int = Field(
        sa_column=Column(Integer, ForeignKey("evidence_item.id"), nullable=False, index=True)
    )
    after_id: int = Field(
        sa_column=Column(Integer, ForeignKey("evidence_item.id"), nullable=False, index=True)
    )
    assessment_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("damage_assessment.id"), index=True),
    )
    created_by: str = Field(sa_column=Column(String(300), nullable=False))
    created_by_key_id: int | None = Field(default=None, sa_column=Column(Integer))
