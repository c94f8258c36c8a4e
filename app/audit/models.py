"""The audit trail: one event per write, each chained to the one before by a hash."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Integer, String
from sqlmodel import Field, SQLModel

from app.core.db import JSONDocument, UTCDateTime
from app.core.time import utc_now


class AuditEvent(SQLModel, table=True):
    """Who did what to which entity, when, and the state it left behind."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index(None, "entity_type", "entity_id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    occurred_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    actor: str = Field(sa_column=Column(String(300), nullable=False))
    actor_role: str | None = Field(default=None, sa_column=Column(String(20)))
    actor_key_id: int | None = Field(default=None, sa_column=Column(Integer))
    action: str = Field(sa_column=Column(String(40), nullable=False))
    entity_type: str = Field(sa_column=Column(String(40), nullable=False))
    entity_id: int = Field(sa_column=Column(Integer, nullable=False))
    # The entity's state after the write (null after a hard delete), and digests of the
    # states before and after, so a reader can check a snapshot against the chain.
    state: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONDocument))
    before_digest: str | None = Field(default=None, sa_column=Column(String(64)))
    after_digest: str | None = Field(default=None, sa_column=Column(String(64)))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    hash: str = Field(sa_column=Column(String(64), nullable=False))
