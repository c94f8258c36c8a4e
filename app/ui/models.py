"""Web sessions signed out before their cookies expired."""

from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from app.core.db import UTCDateTime
from app.core.time import utc_now


class EndedSession(SQLModel, table=True):
    """A signed-out web session: a copy of its cookie is refused until the cookie would have
    expired anyway, when the row may go. Sessions are named by a hash of their random CSRF
    token, so the table holds nothing a cookie could be rebuilt from."""

    __tablename__ = "ended_session"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    ended_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime, nullable=False)
    expires_at: datetime = Field(sa_type=UTCDateTime, nullable=False, index=True)
