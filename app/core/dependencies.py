"""Request-scoped dependencies shared by every domain: settings, storage, and the three
shapes a request's transactions can take (docs/architecture.md, "Transaction shapes"):

- `ReadSessionDep`: one read-only session for the request; no write lock on SQLite.
- `WriteSessionDep`: one write session, committed when the handler returns and before the
  response is sent, rolled back if anything raises.
- `ReceiveThenWriteDep`: for long request bodies (uploads): short reads to check the request
  before its body arrives, no transaction while the body streams in, then one short write.

A route names the shape it needs; nothing is chosen by HTTP method, and nothing is closed by
hand. Who the caller is (app.core.auth) is found in a short read of its own.
"""

import inspect
from collections.abc import AsyncIterator, Callable, Hashable
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import Database
from app.core.schemas import AsOf, KnownAt
from app.core.storage import Storage
from app.core.time import TimeAxes

T = TypeVar("T")


# The dependencies that only read the app's state are `async`: FastAPI runs a plain `def`
# dependency on a worker thread, a trip per dependency per request for nothing.


async def get_database(request: Request) -> Database:
    """The application's database."""
    return request.app.state.database


async def get_settings_dep(request: Request) -> Settings:
    """The application's settings (tests build apps with their own)."""
    return request.app.state.settings


async def get_storage(request: Request) -> Storage:
    """The application's file storage (local folder or S3)."""
    return request.app.state.storage


@asynccontextmanager
async def _request_session(
    database: Database, *, write: bool, generation: object | None = None
) -> AsyncIterator[Session]:
    """A session that lasts the request; see `get_read_session`."""
    session_scope = database.session(write=write, generation=generation)
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


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """A read-only session for the request.

    Opening a session does no I/O, so it happens on the event loop; finishing it (ending
    the transaction, handing back the connection) does, so that runs on a worker thread,
    shielded from cancellation so that a client hanging up never strands a connection.
    A plain generator would make two trips to the thread pool, and every request pays them.
    """
    # What the caller's key lookup found out about the registry's generation (app.core.auth).
    generation = getattr(request.state, "registry_generation", None)
    async with _request_session(
        request.app.state.database, write=False, generation=generation
    ) as session:
        yield session


async def get_write_session(request: Request) -> AsyncIterator[Session]:
    """A write session for the request, committed when the handler returns (before the
    response), rolled back when anything raises."""
    async with _request_session(request.app.state.database, write=True) as session:
        yield session


@dataclass(frozen=True)
class ReceiveThenWrite:
    """The transactions of a request with a long body: check, receive, write.

    `check()` is a short read for what must hold before a byte of the body is read (the
    caller may upload to this monument); nothing is held while the body arrives over a slow
    link (on SQLite a held transaction would be the write lock); `write()` is one short
    transaction, committed when its block ends, for everything the request records.
    """

    database: Database

    def check(self) -> AbstractContextManager[Session]:
        """A short read-only transaction."""
        return self.database.session(write=False)

    async def check_once(
        self, table: str, key: Hashable, check: Callable[[Session], object]
    ) -> None:
        """`check` in a short read (on a worker thread), unless it passed for `key` since a
        commit last wrote `table` (app.core.changes.PassedChecks): then no thread, no query.
        The write must check again what it relies on; this spares a doomed body only."""
        passed = self.database.passed_checks
        if passed.known(table, key):
            return

        def run_check() -> None:
            with self.check() as session:
                check(session)

        await anyio.to_thread.run_sync(passed.run, table, key, run_check)

    def write(self) -> AbstractContextManager[Session]:
        """One short write transaction, committed when the block ends."""
        return self.database.session(write=True)


async def get_receive_then_write(request: Request) -> ReceiveThenWrite:
    """The check-receive-write transactions of a request with a long body."""
    return ReceiveThenWrite(request.app.state.database)


# scope="function": the commit happens when the handler returns, so a failed commit becomes
# an error response instead of a success the database never recorded.
ReadSessionDep = Annotated[Session, Depends(get_read_session, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]
ReceiveThenWriteDep = Annotated[ReceiveThenWrite, Depends(get_receive_then_write)]
DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StorageDep = Annotated[Storage, Depends(get_storage)]


def get_time_axes(as_of: AsOf = None, known_at: KnownAt = None) -> TimeAxes:
    """The two times a reading is taken at: `as_of` and `known_at` (app.core.time)."""
    return TimeAxes(as_of=as_of, known_at=known_at)  # type: ignore[arg-type]


TimeAxesDep = Annotated[TimeAxes, Depends(get_time_axes)]


def path_loaders(load: Callable[..., Any], parameter: str, path: Any) -> tuple[Any, Any]:
    """The pair of `Depends` markers that load the record a path names (`{parameter}`, typed
    `path`): to read it in the request's read session, and locked `FOR UPDATE` in its write
    session. `load(session=…, for_update=…, <parameter>=…)` is the domain's getter, which
    raises `NotFound` (404) or `Gone` (410) itself."""

    def loader(session_type: Any, *, for_update: bool) -> Any:
        def dependency(session: Session, **named: int) -> Any:
            return load(session=session, for_update=for_update, **named)

        # FastAPI reads the path parameter's name from the signature: each record keeps its
        # own (`{monument_id}`, `{site_id}`…), so the signature is written here.
        dependency.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter(parameter, inspect.Parameter.KEYWORD_ONLY, annotation=path),
                inspect.Parameter(
                    "session", inspect.Parameter.KEYWORD_ONLY, annotation=session_type
                ),
            ]
        )
        return Depends(dependency)

    return loader(ReadSessionDep, for_update=False), loader(WriteSessionDep, for_update=True)
