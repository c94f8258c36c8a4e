"""Request-scoped dependencies shared by every domain: the database session."""

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager
from typing import Annotated

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
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


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One session per request; commits when the handler returns, before the response.

    Opening a session does no I/O, so it happens on the event loop; finishing it (commit or
    rollback, then handing back the connection) does, so that runs on a worker thread,
    shielded from cancellation so that a client hanging up never strands a connection.
    A plain generator would make two trips to the thread pool, and every request pays them.
    """
    database: Database = request.app.state.database
    session_scope = database.session(write=request.method not in READ_METHODS)
    session = session_scope.__enter__()
    try:
        yield session
    except BaseException as error:
        await _finish(session_scope, error)
        raise
    await _finish(session_scope, None)


async def _finish(
    session_scope: AbstractContextManager[Session], error: BaseException | None
) -> None:
    with CancelScope(shield=True):
        # Its own limiter: finishing must not wait for a free thread behind requests that
        # are themselves waiting for a connection this would hand back.
        await anyio.to_thread.run_sync(
            session_scope.__exit__,
            type(error) if error else None,
            error,
            error.__traceback__ if error else None,
            limiter=CapacityLimiter(1),
        )


# scope="function": the commit happens when the handler returns, so a failed commit becomes
# an error response instead of a success the database never recorded.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StorageDep = Annotated[Storage, Depends(get_storage)]
