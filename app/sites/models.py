"""Heritage properties that group monuments."""

from datetime import datetime

from sqlalchemy import Column, Float, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime
from app.core.time import utc_now


class Site(SQLModel, table=True):
    """A heritage property (a UNESCO World Heritage property where it is one)."""

    __tablename__ = "site"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(300), nullable=False))
    country: str = Field(sa_column=Column(String(2), nullable=False, index=True))
    whc_id: int | None = Field(default=None, sa_column=Column(Integer, unique=True))
    inscribed_year: int | None = Field(default=None, sa_column=Column(Integer))
    danger_list_year: int | None = Field(default=None, sa_column=Column(Integer))
    lat: float | None = Field(default=None, sa_column=Column(Float))
    lon: float | None = Field(default=None, sa_column=Column(Float))
    description: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
