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
"""

import itertools
import logging
import sqlite3
import threading
from collections.abc import Hashable
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)

# The channel the audit append notifies and the listener listens on.
CHANNEL = "heritage_registry_changes"
_COMMITTED = "heritage_committed"
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
        self._watch_engine(engine)

    def _watch_engine(self, engine: Engine) -> None:
        # Bumped as a commit begins and again when its connection goes back to the pool (after
        # the commit): a read that took the first token cannot keep a pre-commit answer under
        # a token that outlives the commit.
        @event.listens_for(engine, "commit")
        def _on_commit(connection: Any) -> None:
            connection.info[_COMMITTED] = True
            self.written()

        @event.listens_for(engine.pool, "checkin")
        def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
            if record is not None and record.info.pop(_COMMITTED, False):
                self.written()

    def written(self) -> None:
        """Note a commit made by this process."""
        self._local_value = next(self._local)

    def token(self) -> Hashable | None:
        """The registry's state as far as memory may trust it; None: ask the database."""
        return None

    def start(self) -> None:
        """Begin watching (a server's start-up)."""

    def stop(self) -> None:
        """Stop watching (a server's shutdown)."""


class SqliteDataVersion(ChangeSignal):
    """`PRAGMA data_version` on a held connection (see the module's docstring)."""

    mode = "sqlite-data-version"

    def __init__(self, engine: Engine, path: str) -> None:
        super().__init__(engine)
        # Autocommit, so it never holds a read snapshot that would keep the WAL from being
        # checkpointed.
        self._connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()

    def token(self) -> Hashable | None:
        with self._lock:
            (version,) = self._connection.execute("PRAGMA data_version").fetchone()
        return (self._local_value, version)

    def stop(self) -> None:
        pass  # the held connection lives as long as the process: workers share nothing


class PostgresNotifications(ChangeSignal):
    """LISTEN on a connection of its own, with a poll of the newest audit event every
    `poll_seconds` (see the module's docstring)."""

    def __init__(self, engine: Engine, conninfo: str, *, poll_seconds: float) -> None:
        super().__init__(engine)
        self._conninfo = conninfo
        self._poll_seconds = poll_seconds
        self._remote = 0
        self._listening = False
        # The newest audit event (id, hash) the token accounts for: read after each
        # notification and poll, before the token moves.
        self.accounted_for: tuple[Any, ...] | None = None
        self._stop: threading.Event | None = None

    @property
    def mode(self) -> str:  # type: ignore[override]
        return "postgresql-listen" if self._listening else "postgresql-per-request"

    def token(self) -> Hashable | None:
        if not self._listening:
            return None
        return (self._local_value, self._remote)

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
