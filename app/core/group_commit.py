"""Short writes that arrive together, committed together: group commit.

Field teams post damage assessments to many monuments at once. Each such write is a few
statements; what it costs is mostly the transaction around them (`BEGIN`, the commit, the
trip to a worker thread, the audit chain's lock and head). The writes that queue while one
transaction is being written go, in the order they came, into the next one, each in a
savepoint of its own: a write that fails rolls back to its savepoint and fails alone; the
others commit. Nobody waits on purpose: a write that finds the writer idle goes at once, alone,
in a transaction of its own as any other write, so a group forms only under load, where it
shortens the queue (the technique databases use for their own log; PostgreSQL's
`commit_delay` is the same idea without the wait being free). Groups form on SQLite only;
on PostgreSQL each write keeps a transaction of its own (see `MOST_IN_A_GROUP`).

What a caller is promised is what one transaction per request promised: its write is
committed before it is answered, whole or not at all, with its audit event; if the commit
fails, every write of the group fails, and none of them is stored.
"""

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

import anyio.to_thread
from sqlmodel import Session

from app.core.db import Database

T = TypeVar("T")

# Writes in one transaction at the most. On SQLite, a bound on how long a group holds the
# write lock and on how many writes one failed commit fails. On PostgreSQL, one: a group's
# second write would lock its monument's row after the first took the audit chain's lock,
# the reverse of the order every other write takes them in (row, then chain), and two such
# transactions deadlock (seen in the fault runs). SQLite has one writer at a time, so no
# order of locks can deadlock there.
MOST_IN_A_GROUP = {"sqlite": 16, "postgresql": 1}
# Groups written at once. SQLite has one writer at a time; on PostgreSQL the audit chain's
# lock serialises the appends, but a few groups may prepare their statements meanwhile.
_GROUPS_AT_ONCE = {"sqlite": 1, "postgresql": 4}


@dataclass(eq=False)
class _Write:
    work: Callable[[Session], Any]
    then: Callable[[], object] | None
    done: asyncio.Future
    taken: bool = False


@dataclass(eq=False)
class _Outcome:
    value: Any = None
    error: Exception | None = None


@dataclass(eq=False)
class GroupCommit:
    """The writes queued for one database on one event loop, and the groups being written."""

    database: Database
    queue: deque[_Write] = field(default_factory=deque)
    groups_writing: int = 0
    # Writes taken into a group and not yet answered.
    writing: int = 0
    # The tasks writing groups: the event loop keeps only weak references to tasks.
    writers: set[asyncio.Task] = field(default_factory=set)

    async def write(self, work: Callable[[Session], T], then: Callable[[], object] | None) -> T:
        """`work(session)` committed in the next group; `then()` after that commit, on the
        same thread (it must not raise). A write whose caller hangs up before its group is
        taken is never made; once taken it is finished, committed or rolled back whole."""
        queued = _Write(work, then, asyncio.get_running_loop().create_future())
        self.queue.append(queued)
        if self.groups_writing < _GROUPS_AT_ONCE.get(self.database.backend, 1):
            self.groups_writing += 1
            # Not the caller's task: a caller that hangs up must not cancel the others' writes.
            writer = asyncio.get_running_loop().create_task(self._write_groups())
            self.writers.add(writer)
            writer.add_done_callback(self.writers.discard)
        try:
            return await queued.done
        except asyncio.CancelledError:
            if not queued.taken:
                self.queue.remove(queued)
            raise

    async def _write_groups(self) -> None:
        try:
            while self.queue:
                size = min(len(self.queue), MOST_IN_A_GROUP.get(self.database.backend, 1))
                group = [self.queue.popleft() for _ in range(size)]
                for queued in group:
                    queued.taken = True
                self.writing += len(group)
                try:
                    outcomes = await anyio.to_thread.run_sync(self._commit, group)
                except BaseException:
                    # The loop is closing: nobody waits for these answers any more.
                    for queued in group:
                        queued.done.cancel()
                    raise
                finally:
                    self.writing -= len(group)
                for queued, outcome in zip(group, outcomes, strict=True):
                    if queued.done.done():  # its caller hung up
                        continue
                    if outcome.error is None:
                        queued.done.set_result(outcome.value)
                    else:
                        queued.done.set_exception(outcome.error)
        finally:
            self.groups_writing -= 1

    def _commit(self, group: list[_Write]) -> list[_Outcome]:
        """The group in one transaction, on a worker thread."""
        try:
            with self.database.session(write=True) as session:
                if len(group) == 1:
                    # Alone: no savepoint; what fails rolls the transaction back.
                    outcomes = [_Outcome(value=group[0].work(session))]
                else:
                    outcomes = [_in_savepoint(session, queued.work) for queued in group]
        except Exception as error:
            # Not committed (or, alone, failed): nothing of the group is stored.
            return [_Outcome(error=error) for _ in group]
        for queued, outcome in zip(group, outcomes, strict=True):
            if outcome.error is None and queued.then is not None:
                queued.then()
        return outcomes


def _in_savepoint(session: Session, work: Callable[[Session], Any]) -> _Outcome:
    try:
        with session.begin_nested():
            return _Outcome(value=work(session))
    except Exception as error:
        # Rolled back to the savepoint: the transaction goes on for the other writes.
        return _Outcome(error=error)


_groups: "WeakKeyDictionary[asyncio.AbstractEventLoop, dict[int, GroupCommit]]" = (
    WeakKeyDictionary()
)


async def write_in_one_trip(
    database: Database,
    work: Callable[[Session], T],
    *,
    then: Callable[[], object] | None = None,
) -> T:
    """`work(session)` in a write transaction, committed before this returns, with the other
    writes queued meanwhile (`GroupCommit`), in a single trip to a worker thread; `then()`
    after the commit, in the same trip (it must not raise).

    Locks (the row, the audit chain) are held only while the group's transaction runs, never
    across trips to the thread pool, and writers queue on the event loop, not on threads: no
    thread waits for a lock while the writer that holds it needs a thread to finish.
    """
    per_loop = _groups.setdefault(asyncio.get_running_loop(), {})
    writer = per_loop.get(id(database))
    if writer is None or writer.database is not database:
        writer = per_loop[id(database)] = GroupCommit(database)
    return await writer.write(work, then)
