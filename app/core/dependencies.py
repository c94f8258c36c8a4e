"""Request-scoped dependencies shared by every domain: the database session."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import Database
from app.core.storage import Storage

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_database(request: Request) -> Database:
    """The application's database."""
    return request.app.state.database


def get_settings_dep(request: Request) -> Settings:
    """The application's settings (tests build apps with their own)."""
    return request.app.state.settings


def get_storage(request: Request) -> Storage:
    """The application's file storage (local folder or S3)."""
    return request.app.state.storage


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; commits when the handler returns, before the response."""
    database: Database = request.app.state.database
    with database.session(write=request.method not in READ_METHODS) as session:
        yield session


# scope="function": the commit happens when the handler returns, so a failed commit becomes
# an error response instead of a success the database never recorded.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StorageDep = Annotated[Storage, Depends(get_storage)]
