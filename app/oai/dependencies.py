"""The session OAI-PMH reads with."""

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlmodel import Session

from app.core.dependencies import DatabaseDep


def get_read_session(database: DatabaseDep) -> Iterator[Session]:
    """A read-only session, for POST requests too: harvesting never writes, so it must not
    take SQLite's write lock as the request-method rule would for a POST."""
    with database.session(write=False) as session:
        yield session


ReadSessionDep = Annotated[Session, Depends(get_read_session)]
