"""Sources: where a statement or an observation comes from, as records that evidence cites."""

from datetime import date
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field

from app.core.db import Timestamps


class SourceKind(StrEnum):
    """What kind of source it is."""

    satellite_image_analysis = "satellite_image_analysis"
    field_survey = "field_survey"
    official_statement = "official_statement"
    news_report = "news_report"
    academic_publication = "academic_publication"
    social_media = "social_media"
    interview = "interview"
    other = "other"


class Source(Timestamps, table=True):
    """A published or recorded source: a report, an article, an image analysis, a statement."""

    __tablename__ = "source"
    __table_args__ = (
        # Importers match sources by URL; partners look them up by it.
        Index(None, "url"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: SourceKind = Field(sa_column=Column(String(40), nullable=False, index=True))
    # Text, not a short string: a citation carried over from free text is kept whole.
    title: str = Field(sa_column=Column(Text, nullable=False))
    author: str | None = Field(default=None, sa_column=Column(String(300)))
    publisher: str | None = Field(default=None, sa_column=Column(String(300)))
    published_on: date | None = Field(default=None, sa_column=Column(Date))
    url: str | None = Field(default=None, sa_column=Column(String(2000)))
    archived_url: str | None = Field(default=None, sa_column=Column(String(2000)))
    accessed_on: date | None = Field(default=None, sa_column=Column(Date))
    # A BCP 47 language tag (`en`, `ar`, `fr-CH`).
    language: str | None = Field(default=None, sa_column=Column(String(35)))
    licence: str | None = Field(default=None, sa_column=Column(String(100)))
    notes: str | None = Field(default=None, sa_column=Column(Text))


# The columns of a citation table (`damage_assessment_source`…): which record cites which
# source, and where the source comes in the record's list. Each call makes a fresh column.


def citing_id(table: str) -> Any:
    """The citing record: the first half of the key; its citations go when it goes."""
    return Field(
        sa_column=Column(Integer, ForeignKey(f"{table}.id", ondelete="CASCADE"), primary_key=True)
    )


def cited_source_id() -> Any:
    """The cited source: the second half of the key, indexed to find who cites a source."""
    return Field(sa_column=Column(Integer, ForeignKey("source.id"), primary_key=True, index=True))


def citation_position() -> Any:
    """Where the source comes in the citing record's list of sources."""
    return Field(sa_column=Column(Integer, nullable=False))
