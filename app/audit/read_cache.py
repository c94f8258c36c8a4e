"""Reads served from memory while nothing has been written since they were built.

Every write records an audit event in its own transaction, and appends are serialised in
commit order (see `service._lock_chain`), so the newest audit event names the state of the
whole registry: a representation built when it was event N is still exact while it is N.
Each read asks the database for that event (one indexed lookup) before trusting its memory,
so several workers, the command line and other machines writing to the same database are
all seen at once; nothing expires by time, nothing is ever stale. The event's chain hash
goes with its id: ids can be handed out again after rows are deleted (SQLite reuses them),
hashes of a different history cannot match.

What the cache cannot see is a change made by hand in SQL, which records no event; restart
the service after one, or set `HERITAGE_READ_CACHE_ENTRIES=0`.

Only read sessions carry a cache: a write session may hold changes that are not committed
and could still roll back.
"""

import threading
from collections.abc import Callable, Hashable
from typing import NamedTuple, TypeVar

from cachetools import LRUCache
from sqlalchemy import select
from sqlmodel import Session

from app.audit.models import AuditEvent
from app.core.db import GENERATION, READ_CACHE

T = TypeVar("T")

_NEWEST_EVENT = select(AuditEvent.id, AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)


class Generation(NamedTuple):
    """The state of the registry: its newest audit event (0 and no hash before any write)."""

    event_id: int
    event_hash: str | None


class ReadCache:
    """Values computed from one generation of the registry, the most recently used kept."""

    def __init__(self, max_entries: int) -> None:
        self._entries: LRUCache[Hashable, object] = LRUCache(maxsize=max_entries)
        self._generation = Generation(-1, None)
        # Request handlers run on a thread pool.
        self._lock = threading.Lock()

    def get(self, generation: Generation, key: Hashable) -> object | None:
        """The value stored for `key` in this generation, if any."""
        with self._lock:
            if generation != self._generation:
                return None
            return self._entries.get(key)

    def put(self, generation: Generation, key: Hashable, value: object) -> None:
        """Keep `value`, built from this generation; a newer generation forgets the older.

        A request that read an older generation than the cache's (it began before a commit
        another request has already seen) keeps nothing.
        """
        with self._lock:
            if generation != self._generation:
                if generation.event_id < self._generation.event_id:
                    return
                self._entries.clear()
                self._generation = generation
            self._entries[key] = value


def registry_generation(session: Session) -> Generation:
    """The newest audit event as this session sees it.

    Read once per session: the first query of a read session fixes its snapshot on SQLite;
    on PostgreSQL later statements may see newer commits, which only makes a value newer
    than the generation it is filed under, so it is rebuilt sooner, never served stale.
    """
    if GENERATION not in session.info:
        # Core, not the ORM: this runs on every read and the ORM's bookkeeping costs more.
        newest = session.connection().execute(_NEWEST_EVENT).first()
        session.info[GENERATION] = Generation(*newest) if newest else Generation(0, None)
    return session.info[GENERATION]


def cached(session: Session, key: Hashable, build: Callable[[], T]) -> T:
    """`build()`'s value for `key`, from memory when nothing was written since it was built."""
    cache: ReadCache | None = session.info.get(READ_CACHE)
    if cache is None:
        return build()
    generation = registry_generation(session)
    value = cache.get(generation, key)
    if value is None:
        value = build()
        cache.put(generation, key, value)
    return value  # type: ignore[return-value]
