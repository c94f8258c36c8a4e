"""The registry's change signal: has anything been committed since I last looked?

What is kept in memory (the response cache in front of the app, the key cache) is valid for
one `token()`; a different token means something was committed since, by this process,
another worker, the command line or another machine. Reading the token asks the database
nothing:

- SQLite: `PRAGMA data_version` on a connection held for this alone. SQLite changes the
  number whenever another connection (any process) commits to the file; asking it reads the
  WAL index in shared memory, a few microseconds, no query planning, no pool.
- PostgreSQL: every audit append sends `NOTIFY` in the write's own transaction (delivered at
  commit, app.audit.service), and a thread LISTENs on a connection of its own. It also asks
  for the newest audit event every `poll_seconds`, so that a notification lost while it was
  reconnecting is made up for within that time. While the listening connection is down
  `token()` is None and callers fall back to asking the database per request, as before.

Commits made by this process bump the token themselves, before and after the commit, so the
next request in this worker never depends on a notification's travel time.

`token(table)` is narrower: it changes only with commits that may have written that table
(the key cache's, so that an upload does not make the next request look its key up again).
This process's commits are watched statement by statement (the table an INSERT, UPDATE or
DELETE names; any other write counts for every table). Other processes' commits are told by
their notification's payload, the tables their audit events record (app.audit.service);
a notification without one, a change the poll finds unannounced and a reconnection count for
every table. On SQLite, where `data_version` moves with this process's commits too, each of
them is told apart from others' by the writing connection's own number (`SqliteDataVersion`);
any other move counts for every table.
"""

import itertools
import logging
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Hashable
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.elements import (
    ReleaseSavepointClause,
    RollbackToSavepointClause,
    SavepointClause,
)
from sqlalchemy.sql.selectable import SelectBase

log = logging.getLogger(__name__)

# The channel the audit append notifies and the listener listens on.
CHANNEL = "heritage_registry_changes"
_COMMITTED = "heritage_committed"
# SQLite: the data versions read as this process's commit began (SqliteDataVersion).
_OWN_COMMIT = "heritage_own_commit"
# The tables the connection's transaction has written (`_written_table`), until it ends.
_WRITTEN = "heritage_tables_written"
# Stands for every table: a write whose table is not known.
ANY_TABLE = "*"
# Statements that write no table, when sent as text.
_READING_WORDS = frozenset(
    {"select", "begin", "commit", "rollback", "savepoint", "release", "pragma", "set", "show"}
)
# How the listening connection is named in pg_stat_activity.
LISTENER_NAME = "heritage-registry changes"
# The newest audit event, (id, hash): what the poll compares, and `accounted_for` holds.
NEWEST_EVENT = "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1"


class ChangeSignal:
    """A token that changes whenever the registry's database has a new commit."""

    mode = "off"

    def __init__(self, engine: Engine) -> None:
        self._local = itertools.count(1)
        self._local_value = 0
        # Per table: the last count of `_local` at which a commit of this process wrote it.
        self._local_tables: dict[str, int] = {}
        self._watch_engine(engine)

    def _watch_engine(self, engine: Engine) -> None:
        @event.listens_for(engine, "before_execute")
        def _on_execute(connection: Any, statement: Any, *_: Any) -> None:
            table = _written_table(statement)
            if table is not None:
                connection.info.setdefault(_WRITTEN, set()).add(table)

        # Bumped as a commit begins and again when its connection goes back to the pool (after
        # the commit): a read that took the first token cannot keep a pre-commit answer under
        # a token that outlives the commit.
        @event.listens_for(engine, "commit")
        def _on_commit(connection: Any) -> None:
            tables = connection.info.pop(_WRITTEN, set())
            connection.info[_COMMITTED] = tables
            self.written(tables)

        @event.listens_for(engine, "rollback")
        def _on_rollback(connection: Any) -> None:
            connection.info.pop(_WRITTEN, None)

        @event.listens_for(engine.pool, "checkin")
        def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
            if record is not None:
                record.info.pop(_WRITTEN, None)  # a transaction ended without either event
                tables = record.info.pop(_COMMITTED, None)
                if tables is not None:
                    self.written(tables)

    def written(self, tables: set[str] | frozenset[str] = frozenset({ANY_TABLE})) -> None:
        """Note a commit made by this process, which wrote `tables`."""
        self._local_value = next(self._local)
        for table in tables:
            self._local_tables[table] = self._local_value

    def token(self, table: str | None = None) -> Hashable | None:
        """The registry's state as far as memory may trust it (with `table`, that table's
        state: see the module's docstring); None: ask the database."""
        return None

    def start(self) -> None:
        """Begin watching (a server's start-up)."""

    def stop(self) -> None:
        """Stop watching (a server's shutdown)."""


class SqliteDataVersion(ChangeSignal):
    """`PRAGMA data_version` on a held connection (see the module's docstring).

    The number moves with this process's commits too, so each of them is accounted for. As
    it commits, the number of the connection that writes (which its own commits do not move)
    is read, then the held connection's; once committed, before the writing connection goes
    back to the pool, the held connection's again, then the writer's. If the writer's has not
    moved, no other connection committed in between, and the held connection's move is this
    commit alone, which the per-table tokens already count; otherwise the move counts as
    another's. While a commit is under way `token()` is None (ask the database)."""

    mode = "sqlite-data-version"

    def __init__(self, engine: Engine, path: str) -> None:
        super().__init__(engine)
        # Autocommit, so it never holds a read snapshot that would keep the WAL from being
        # checkpointed.
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._seen: int | None = None  # the held connection's number, accounted for
        self._others = 0  # moves of it that were not this process's commits
        self._committing = 0  # this process's commits between their two readings
        # Where a commit keeps its first readings until its connection is checked in: this
        # signal's own, should two watch one engine.
        self._readings_key = (_OWN_COMMIT, id(self))
        self._watch_own_commits(engine)

    def _watch_own_commits(self, engine: Engine) -> None:
        # Registered after ChangeSignal's listeners, so they run after them.
        @event.listens_for(engine, "commit")
        def _on_commit(connection: Any) -> None:
            if not connection.info.get(_COMMITTED):
                return  # wrote nothing: nothing to account for
            # The writer's number first and last: the held connection's two readings fall
            # between the writer's, so a still writer means nobody else committed between.
            try:
                writer = _data_version(connection.connection.driver_connection)
                with self._lock:
                    held = self._observe()
                    self._committing += 1
            except sqlite3.Error:
                return  # never in the commit's way: the move will count as another's
            connection.info[self._readings_key] = (held, writer)

        @event.listens_for(engine.pool, "checkin")
        def _on_checkin(dbapi_connection: Any, record: Any) -> None:
            own = record.info.pop(self._readings_key, None) if record is not None else None
            if own is None:
                return
            held_before, writer_before = own
            with self._lock:
                self._committing -= 1
                try:
                    held_after = _data_version(self._connection)
                    alone = (
                        dbapi_connection is not None
                        and _data_version(dbapi_connection) == writer_before
                        and self._seen == held_before
                    )
                except sqlite3.Error:
                    return  # the next token() counts the move as another's
                if alone:
                    self._seen = held_after

    def _observe(self) -> int:
        """The held connection's number, counting a move not accounted for (lock held)."""
        version = _data_version(self._connection)
        if version != self._seen:
            self._seen = version
            self._others += 1
        return version

    def token(self, table: str | None = None) -> Hashable | None:
        with self._lock:
            if self._committing:
                return None
            self._observe()
            others = self._others
        if table is None:
            return (self._local_value, others)
        local = self._local_tables
        return (local.get(table, 0), local.get(ANY_TABLE, 0), others)

    def stop(self) -> None:
        pass  # the held connection lives as long as the process: workers share nothing


def _data_version(connection: sqlite3.Connection) -> int:
    (version,) = connection.execute("PRAGMA data_version").fetchone()
    return version


class PostgresNotifications(ChangeSignal):
    """LISTEN on a connection of its own, with a poll of the newest audit event every
    `poll_seconds` (see the module's docstring)."""

    def __init__(self, engine: Engine, conninfo: str, *, poll_seconds: float) -> None:
        super().__init__(engine)
        self._conninfo = conninfo
        self._poll_seconds = poll_seconds
        self._remote = 0
        # Other processes' commits, per table their notifications named (ANY_TABLE: any).
        self._remote_tables: Counter[str] = Counter()
        self._listening = False
        # The newest audit event (id, hash) the token accounts for: read after each
        # notification and poll, before the token moves.
        self.accounted_for: tuple[Any, ...] | None = None
        self._stop: threading.Event | None = None

    @property
    def mode(self) -> str:  # type: ignore[override]
        return "postgresql-listen" if self._listening else "postgresql-per-request"

    def token(self, table: str | None = None) -> Hashable | None:
        if not self._listening:
            return None
        if table is None:
            return (self._local_value, self._remote)
        local, remote = self._local_tables, self._remote_tables
        return (
            local.get(table, 0),
            local.get(ANY_TABLE, 0),
            remote[table],
            remote[ANY_TABLE],
        )

    def _heard(self, payloads: list[str]) -> None:
        """Count other processes' commits by the tables they name (this process's own are
        counted as they commit, and counting them again only costs a lookup)."""
        for payload in payloads or [ANY_TABLE]:
            for table in payload.split(",") if payload else [ANY_TABLE]:
                self._remote_tables[table] += 1

    def start(self) -> None:
        if self._stop is not None:
            return
        self._stop = stop = threading.Event()
        ready = threading.Event()
        thread = threading.Thread(
            target=self._listen, args=(stop, ready), name="registry-changes", daemon=True
        )
        thread.start()
        # The first requests after start-up are answered from memory only once it listens.
        ready.wait(timeout=5)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
            self._stop = None
        self._listening = False

    def _listen(self, stop: threading.Event, ready: threading.Event) -> None:
        import psycopg

        while not stop.is_set():
            try:
                with psycopg.connect(
                    self._conninfo, autocommit=True, application_name=LISTENER_NAME
                ) as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    newest = _newest_event(connection)
                    # Anything committed before LISTEN took effect may have gone unheard.
                    self._remote += 1
                    self._heard([])
                    # A thread of an earlier start() that connects late must not speak for
                    # the current one (it would mark a listening signal as down).
                    if self._stop is stop:
                        self._listening = True
                    ready.set()
                    self.accounted_for = newest
                    while not stop.is_set():
                        heard = list(connection.notifies(timeout=self._poll_seconds, stop_after=1))
                        current = _newest_event(connection)
                        # After a notification, the poll's reference moves with it: else the
                        # next quiet poll would see the same commit as new, once more.
                        if heard or current != newest:
                            newest = current
                            self._remote += 1
                            # Unannounced (no notification heard): any table may have changed.
                            self._heard([notification.payload for notification in heard])
                            self.accounted_for = newest
            except Exception as error:
                if stop.is_set():
                    break
                if self._stop is stop:
                    self._listening = False
                log.warning(
                    "Lost the database's change notifications (%s); reads ask the database "
                    "until they are back",
                    type(error).__name__,
                )
                ready.set()
                stop.wait(self._poll_seconds)


_READING_CLAUSES = (
    SelectBase,
    SavepointClause,
    ReleaseSavepointClause,
    RollbackToSavepointClause,
)


def _written_table(statement: Any) -> str | None:
    """The table a statement about to run writes: its name for an INSERT, UPDATE or DELETE,
    ANY_TABLE for SQL text that may write, None for a read."""
    if isinstance(statement, _READING_CLAUSES):
        return None
    if isinstance(statement, UpdateBase):
        return getattr(statement.table, "name", None) or ANY_TABLE
    if isinstance(statement, str) or hasattr(statement, "text"):
        sql = statement if isinstance(statement, str) else statement.text
        first_word = sql.lstrip().split(None, 1)[0].lower() if sql.strip() else ""
        return None if first_word in _READING_WORDS else ANY_TABLE
    return ANY_TABLE


def _newest_event(connection: Any) -> tuple[Any, ...] | None:
    return connection.execute(NEWEST_EVENT).fetchone()


def change_signal(engine: Engine, *, poll_seconds: float = 1.0) -> ChangeSignal:
    """The change signal for the engine's database."""
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            return SqliteDataVersion(engine, url.database)
        return ChangeSignal(engine)
    if url.get_backend_name() == "postgresql":
        conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return PostgresNotifications(engine, conninfo, poll_seconds=poll_seconds)
    return ChangeSignal(engine)


class PassedChecks:
    """Checks that passed, each remembered until a commit that may have written the table it
    read (`ChangeSignal.token(table)`): a check every upload to a monument repeats asks the
    database once while nobody writes that table. A check that fails is never kept."""

    def __init__(self, changes: ChangeSignal, *, max_entries: int = 4096) -> None:
        self._changes = changes
        self._max_entries = max_entries
        # Per table: the token the keys passed under, and the keys.
        self._passed: dict[str, tuple[Hashable, set[Hashable]]] = {}
        self._lock = threading.Lock()

    def _passed_under(self, token: Hashable | None, table: str, key: Hashable) -> bool:
        with self._lock:
            held = self._passed.get(table)
            return token is not None and held is not None and held[0] == token and key in held[1]

    def known(self, table: str, key: Hashable) -> bool:
        """Whether the check of `key` against `table` passed since `table` last changed."""
        return self._passed_under(self._changes.token(table), table, key)

    def run(self, table: str, key: Hashable, check: Callable[[], object]) -> None:
        """`check()` (which raises when it fails) unless it passed since `table` changed."""
        # The token first: a commit during the check changes it, and the pass is not kept.
        token = self._changes.token(table)
        if self._passed_under(token, table, key):
            return
        check()
        with self._lock:
            if token is None or token != self._changes.token(table):
                return
            held = self._passed.get(table)
            if held is None or held[0] != token:
                held = self._passed[table] = (token, set())
            if len(held[1]) < self._max_entries:
                held[1].add(key)
