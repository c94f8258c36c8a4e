"""Heritage properties that group monuments."""

from typing import Any

from sqlalchemy import Column, Float, Integer, String, Text
from sqlmodel import Field

from app.core.db import JSONDocument, Timestamps, json_list


class Site(Timestamps, table=True):
    """A heritage property (a UNESCO World Heritage property where it is one)."""

    __tablename__ = "site"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(300), nullable=False))
    # Every name with its language and kind ({value, lang, script?, kind}).
    names: list[dict[str, Any]] = json_list(in_bulk=True)
    # Identifiers in other datasets ({scheme, value, uri}).
    identifiers: list[dict[str, Any]] = json_list(in_bulk=True)
    country: str = Field(sa_column=Column(String(2), nullable=False, index=True))
    whc_id: int | None = Field(default=None, sa_column=Column(Integer, unique=True))
    inscribed_year: int | None = Field(default=None, sa_column=Column(Integer))
    danger_list_year: int | None = Field(default=None, sa_column=Column(Integer))
    lat: float | None = Field(default=None, sa_column=Column(Float))
    lon: float | None = Field(default=None, sa_column=Column(Float))
    description: str | None = Field(default=None, sa_column=Column(Text))
    # The property layer: World Heritage criteria ("i".."x"), and the inscribed boundary and
    # buffer zone as GeoJSON Polygon or MultiPolygon geometries (checked with shapely).
    criteria: list[str] = json_list(in_bulk=True)
    boundary: dict | None = Field(default=None, sa_column=Column(JSONDocument))
    buffer_zone: dict | None = Field(default=None, sa_column=Column(JSONDocument))
