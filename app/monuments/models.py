"""Monuments: the structures whose condition the registry follows."""

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from app.core.db import Timestamps, UTCDateTime, json_list
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
    # Kept for older clients: every name but `name`, untagged (see `names`).
    alt_names: list[str] = json_list()
    # Every name with its language and kind ({value, lang, script?, kind}).
    names: list[dict[str, Any]] = json_list(in_bulk=True)
    # Identifiers in other datasets ({scheme, value, uri}); filtered through
    # `monument_identifier`.
    identifiers: list[dict[str, Any]] = json_list(in_bulk=True)
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


class MonumentName(SQLModel, table=True):
    """One name of a monument with its search key: what `q=` searches, one row per name.

    Derived from `Monument.names` on every write. SQLite indexes `search_key` in the FTS5
    table `monument_name_fts` (trigram tokenizer, kept by triggers), PostgreSQL in a
    `pg_trgm` GIN index: both find a key anywhere inside a name.
    """

    __tablename__ = "monument_name"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    monument_id: int = Field(
        sa_column=Column(Integer, ForeignKey("monument.id"), nullable=False, index=True)
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
    value: str = Field(sa_column=Column(String(300), nullable=False))
    lang: str = Field(sa_column=Column(String(35), nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    search_key: str = Field(sa_column=Column(String(1200), nullable=False))


class MonumentIdentifier(SQLModel, table=True):
    """One identifier of a monument, for `?identifier=scheme:value`; derived on every write."""

    __tablename__ = "monument_identifier"
    __table_args__ = (Index(None, "scheme", "value"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    monument_id: int = Field(
        sa_column=Column(Integer, ForeignKey("monument.id"), nullable=False, index=True)
    )
    scheme: str = Field(sa_column=Column(String(20), nullable=False))
    value: str = Field(sa_column=Column(String(200), nullable=False))
