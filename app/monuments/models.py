"""Monuments: the structures whose condition the registry follows."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field

from app.core.db import JSONDocument, Timestamps, UTCDateTime
from app.core.time import utc_now


class MonumentType(StrEnum):
    """Kinds of structure, as heritage inventories classify them."""

    temple = "temple"
    sanctuary = "sanctuary"
    arch = "arch"
    tetrapylon = "tetrapylon"
    colonnade = "colonnade"
    street = "street"
    agora = "agora"
    theatre = "theatre"
    bath = "bath"
    tomb = "tomb"
    necropolis = "necropolis"
    fortification = "fortification"
    military_camp = "military_camp"
    palace = "palace"
    house = "house"
    church = "church"
    mosque = "mosque"
    museum = "museum"
    wall = "wall"
    gate = "gate"
    other = "other"


class Monument(Timestamps, table=True):
    """A structure within a site. Its condition is derived from its verified assessments."""

    __tablename__ = "monument"
    __table_args__ = (
        # One monument per inventory number within a site; many may have none (NULLs differ).
        Index(None, "site_id", "external_id", unique=True),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    site_id: int = Field(
        sa_column=Column(Integer, ForeignKey("site.id"), nullable=False, index=True)
    )
    name: str = Field(sa_column=Column(String(300), nullable=False))
    alt_names: list[str] = Field(
        default_factory=list, sa_column=Column(JSONDocument, nullable=False)
    )
    type: MonumentType = Field(sa_column=Column(String(40), nullable=False, index=True))
    period: str | None = Field(default=None, sa_column=Column(String(500)))
    lat: float = Field(sa_column=Column(Float, nullable=False))
    lon: float = Field(sa_column=Column(Float, nullable=False))
    location_precision_m: float = Field(sa_column=Column(Float, nullable=False))
    sensitive: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    # Where anonymous and partner readers are told the monument is: the exact position for
    # ordinary monuments, a rounded one for sensitive ones. Stored so that filters (bbox) run
    # on what the caller may know and cannot be used to home in on a sensitive position.
    public_lat: float = Field(sa_column=Column(Float, nullable=False))
    public_lon: float = Field(sa_column=Column(Float, nullable=False))
    public_precision_m: float = Field(sa_column=Column(Float, nullable=False))
    description: str | None = Field(default=None, sa_column=Column(Text))
    # The monument's identifier in the inventory it was imported from (a spreadsheet row, a
    # GIS feature): re-importing the same inventory finds it again instead of adding a copy.
    external_id: str | None = Field(default=None, sa_column=Column(String(200)))
    # Case-folded name and alternative names, for case-insensitive search in any script.
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    # Indexed, unlike the mixin's: partners poll `updated_since`.
    updated_at: datetime = Field(
        default_factory=utc_now, sa_type=UTCDateTime, nullable=False, index=True
    )
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
