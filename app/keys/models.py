"""API keys: one role each, stored only as a hash."""

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field

from app.core.actors import Role
from app.core.db import CreatedAt, UTCDateTime

__all__ = ["ApiKey", "Role"]


class ApiKey(CreatedAt, table=True):
    """A credential for one caller; the secret itself is never stored."""

    __tablename__ = "api_key"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(200), nullable=False))
    role: Role = Field(sa_column=Column(String(20), nullable=False))
    # The first characters of the key, kept so that people can tell their keys apart.
    prefix: str = Field(sa_column=Column(String(16), nullable=False))
    # SHA-256 of the whole key: keys carry 256 random bits, so a slow KDF adds nothing.
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
