"""The property layer of a site, and the parts (components) of its monuments.

Links to monuments, components, attributes and sources are lists of ids in a JSON column:
each list is checked against the site when written (service), and read whole with its record.
"""

from datetime import date
from enum import StrEnum

from sqlalchemy import Boolean, Column, Date, ForeignKey, Integer, String, Text
from sqlmodel import Field

from app.core.db import Timestamps, json_list


class Criterion(StrEnum):
    """The World Heritage criteria, (i)-(vi) cultural, (vii)-(x) natural."""

    i = "i"
    ii = "ii"
    iii = "iii"
    iv = "iv"
    v = "v"
    vi = "vi"
    vii = "vii"
    viii = "viii"
    ix = "ix"
    x = "x"


class FactorStatus(StrEnum):
    """Whether a factor affects the property now, or may."""

    current = "current"
    potential = "potential"


class MeasureStatus(StrEnum):
    """How far a corrective measure has come."""

    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    abandoned = "abandoned"


class BenchmarkStatus(StrEnum):
    """How far an item of the Desired state of conservation is met."""

    not_met = "not_met"
    partly_met = "partly_met"
    met = "met"


class MissionType(StrEnum):
    """The kinds of mission the World Heritage Centre and Advisory Bodies send."""

    reactive_monitoring = "reactive_monitoring"
    rapid_assessment = "rapid_assessment"
    advisory = "advisory"


class SiteRecord(Timestamps):
    """The columns every record of a site's property layer has: its id and its site."""

    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(foreign_key="site.id", index=True)


class MonumentComponent(Timestamps, table=True):
    """A part of a monument that can be judged on its own: a cella, a temenos, a gateway."""

    __tablename__ = "monument_component"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    monument_id: int = Field(
        sa_column=Column(Integer, ForeignKey("monument.id"), nullable=False, index=True)
    )
    name: str = Field(sa_column=Column(String(300), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text))
    source_ids: list[int] = json_list()


class PropertyAttribute(SiteRecord, table=True):
    """A carrier of the property's Outstanding Universal Value (the Temple of Bel ensemble)."""

    __tablename__ = "property_attribute"

    name: str = Field(sa_column=Column(String(300), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text))
    monument_ids: list[int] = json_list()
    component_ids: list[int] = json_list()
    source_ids: list[int] = json_list()


class PropertyFactor(SiteRecord, table=True):
    """A factor of the standard list affecting the property, current or potential."""

    __tablename__ = "property_factor"

    code: str = Field(sa_column=Column(String(60), nullable=False))
    status: FactorStatus = Field(sa_column=Column(String(20), nullable=False))
    since: date | None = Field(default=None, sa_column=Column(Date))
    note: str | None = Field(default=None, sa_column=Column(Text))
    monument_ids: list[int] = json_list()
    attribute_ids: list[int] = json_list()
    source_ids: list[int] = json_list()
    # Factors derived from verified disturbances wait for staff to confirm them.
    confirmed: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))


class CorrectiveMeasure(SiteRecord, table=True):
    """A corrective measure the Committee asked for, and its progress."""

    __tablename__ = "corrective_measure"

    text: str = Field(sa_column=Column(Text, nullable=False))
    responsible_body: str | None = Field(default=None, sa_column=Column(String(300)))
    status: MeasureStatus = Field(sa_column=Column(String(20), nullable=False))
    started_on: date | None = Field(default=None, sa_column=Column(Date))
    due_on: date | None = Field(default=None, sa_column=Column(Date))
    completed_on: date | None = Field(default=None, sa_column=Column(Date))
    source_ids: list[int] = json_list()


class Benchmark(SiteRecord, table=True):
    """An item of the Desired state of conservation for removal from the Danger List."""

    __tablename__ = "benchmark"

    text: str = Field(sa_column=Column(Text, nullable=False))
    status: BenchmarkStatus = Field(sa_column=Column(String(20), nullable=False))
    evidence: str | None = Field(default=None, sa_column=Column(Text))
    source_ids: list[int] = json_list()


class CommitteeDecision(SiteRecord, table=True):
    """A decision of the World Heritage Committee about the property (`40 COM 7A.20`)."""

    __tablename__ = "committee_decision"

    session: str = Field(sa_column=Column(String(40), nullable=False))
    code: str = Field(sa_column=Column(String(40), nullable=False))
    decided_on: date | None = Field(default=None, sa_column=Column(Date))
    text: str | None = Field(default=None, sa_column=Column(Text))
    url: str | None = Field(default=None, sa_column=Column(String(2000)))
    source_ids: list[int] = json_list()


class Mission(SiteRecord, table=True):
    """A mission to the property: reactive monitoring, rapid assessment or advisory."""

    __tablename__ = "mission"

    type: MissionType = Field(sa_column=Column(String(30), nullable=False))
    started_on: date | None = Field(default=None, sa_column=Column(Date))
    ended_on: date | None = Field(default=None, sa_column=Column(Date))
    organisations: list[str] = json_list()
    findings: str | None = Field(default=None, sa_column=Column(Text))
    source_ids: list[int] = json_list()
