"""Appending to the hash-chained audit trail, reading it and verifying it.

Every write appends one event in the same transaction as the change, so there is no
change without its event and no event without its change. Each event's hash covers the
previous event's hash, so editing, deleting or inserting a row by hand breaks the chain
at that point. The chain is kept linear under concurrent writers by serialising appends:
on PostgreSQL with a transaction-scoped advisory lock, held until commit; on SQLite by the
write lock every writing transaction takes up front (BEGIN IMMEDIATE, see app.core.db).
Because appends are serialised until commit, event ids also follow commit order, which
the changes feed relies on. Each append is published, in the same transaction, to the
listeners that higher layers subscribe at start-up (`app.wiring`): the webhook outbox queues
its deliveries there, so they commit or roll back with the change.
"""

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from pydantic_core import to_jsonable_python
from sqlalchemy import Connection, bindparam, func, insert, text
from sqlmodel import Session, SQLModel, select

from app.audit.models import AuditEvent
from app.core.actors import Caller
from app.core.changes import CHANNEL as CHANGES_CHANNEL
from app.core.pagination import id_page_query

RowT = TypeVar("RowT", bound=SQLModel)

GENESIS_HASH = "0" * 64
# Any fixed number: the key of PostgreSQL's advisory lock that serialises appends.
CHAIN_LOCK_KEY = 7_230_023


class AuditListener(Protocol):
    """Told of every appended event, inside the transaction of the write it records."""

    def __call__(self, *, session: Session, event: AuditEvent) -> object: ...


_listeners: list[AuditListener] = []


def subscribe(listener: AuditListener) -> None:
    """Tell `listener` of every event appended from now on (once, however often called)."""
    if listener not in _listeners:
        _listeners.append(listener)


def canonical_json(document: Any) -> bytes:
    """One byte form per document: sorted keys, no spaces, UTF-8."""
    return json.dumps(
        to_jsonable_python(document), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode("utf-8")


def digest(document: Any) -> str | None:
    """SHA-256 of a document's canonical form (None for no document)."""
    return None if document is None else hashlib.sha256(canonical_json(document)).hexdigest()


def snapshot(row: SQLModel) -> dict[str, Any]:
    """Every stored column of a row, as JSON-ready values."""
    return to_jsonable_python({c.key: getattr(row, c.key) for c in row.__table__.columns})


def chain_hash(event: AuditEvent) -> str:
    """The hash that links an event to the one before it."""
    fields = {
        "prev_hash": event.prev_hash,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor,
        "actor_role": event.actor_role,
        "actor_key_id": event.actor_key_id,
        "action": event.action,
        "entity_type": event.entity_type,
        "entity_id": event.entity_id,
        "before_digest": event.before_digest,
        "after_digest": event.after_digest,
    }
    return hashlib.sha256(canonical_json(fields)).hexdigest()


# Core statements, built once: every write runs them, and the ORM's unit of work and
# statement building cost more than the statements themselves.
_EVENTS = AuditEvent.__table__
_HEAD = select(_EVENTS.c.hash).order_by(_EVENTS.c.id.desc()).limit(1)
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
# On PostgreSQL the INSERT also sends the change notification, named after the event's table,
# in the same round trip (see `record`).
_INSERT_EVENT_NOTIFYING = insert(_EVENTS).returning(
    _EVENTS.c.id, func.pg_notify(bindparam("notify_channel"), bindparam("notify_payload"))
)
_STORED = [column.key for column in _EVENTS.columns if column.key != "id"]
_LOCK = text("SELECT pg_advisory_xact_lock(:key)")


def _lock_chain(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, {"key": CHAIN_LOCK_KEY})


# The chain as this session's transaction left it: (the transaction, the head it appended).
# A write that appends several events (a photo and its evidence item) locks the chain and
# reads its head once: the lock is held until commit, so nobody else appends meanwhile.
# Kept for the innermost (sub)transaction only, so a savepoint rolled back, which takes its
# events, its lock and its signals with it, or any other transaction, starts again from the
# database.
_APPENDED = "audit_chain_appended"


def _current_transaction(session: Session) -> object | None:
    return session.get_nested_transaction() or session.get_transaction()


def _appended_head(session: Session) -> str | None:
    """The head this transaction appended, if nothing since can have moved it."""
    appended = session.info.get(_APPENDED)
    current = _current_transaction(session)
    if appended is None or current is None or appended[0] is not current:
        return None
    return appended[1]


def record(
    *,
    session: Session,
    actor: Caller,
    action: str,
    entity_type: str,
    entity_id: int,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> AuditEvent:
    """Append the event for a write, in the write's own transaction."""
    # What the caller has pending is written before its event, as a flush always did.
    session.flush()
    connection = session.connection()
    head = appended = _appended_head(session)
    if appended is None:
        _lock_chain(connection)
        head = connection.execute(_HEAD).scalar()
    event = AuditEvent(
        actor=actor.label,
        actor_role=actor.role,
        actor_key_id=actor.key_id,
        action=action,
        entity_type=entity_type,
        entity_id=entity_id,
        state=after,
        before_digest=digest(before),
        after_digest=digest(after),
        prev_hash=head or GENESIS_HASH,
        hash="",
    )
    event.hash = chain_hash(event)
    # A Core insert: the event is never changed again, so the session need not track it.
    values = {key: getattr(event, key) for key in _STORED}
    if connection.dialect.name == "postgresql":
        # Delivered when the write commits (never if it rolls back), in the same round trip:
        # every worker and machine drops what it keeps in memory at once, and learns which
        # table changed (app.core.changes). PostgreSQL sends one of each per transaction.
        values |= {"notify_channel": CHANGES_CHANNEL, "notify_payload": entity_type}
        event.id = connection.execute(_INSERT_EVENT_NOTIFYING, values).first()[0]
    else:
        event.id = connection.execute(_INSERT_EVENT, values).scalar_one()
    session.info[_APPENDED] = (_current_transaction(session), event.hash)
    # In the same transaction, so what listeners write (webhook deliveries) commits or rolls
    # back with the change, and a crash between the two loses nothing.
    for listener in _listeners:
        listener(session=session, event=event)
    return event


def record_write(
    *,
    session: Session,
    actor: Caller,
    action: str,
    entity: SQLModel,
    before: dict[str, Any] | None = None,
    state: Callable[[Any], dict[str, Any] | None] = snapshot,
) -> AuditEvent:
    """Append the event for a write to a stored row, with the row's new state as `state`
    gives it: the whole snapshot, unless the trail must keep less."""
    return record(
        session=session,
        actor=actor,
        action=action,
        entity_type=entity.__tablename__,
        entity_id=entity.id,
        before=before,
        after=state(entity),
    )


def record_creation(*, session: Session, actor: Caller, entity: RowT) -> RowT:
    """Add a new row (flushed, so it has its id) and append the event for it."""
    session.add(entity)
    session.flush()
    record_write(session=session, actor=actor, action="create", entity=entity)
    return entity


def record_deletion(
    *, session: Session, actor: Caller, entity: SQLModel, action: str = "delete"
) -> AuditEvent:
    """Delete a stored row and append the event for it, with the state it had."""
    before = snapshot(entity)
    session.delete(entity)
    session.flush()
    return record_write(
        session=session, actor=actor, action=action, entity=entity, before=before, state=_gone
    )


def _gone(entity: SQLModel) -> None:
    """A deleted row's new state: none."""
    return None


@dataclass(frozen=True)
class ChainReport:
    """The outcome of checking the whole chain."""

    ok: bool
    length: int
    first_broken: int | None
    head: str


def verify_chain(*, session: Session) -> ChainReport:
    """Walk the whole chain in order; name the first event whose link or content fails."""
    previous, length, first_broken = GENESIS_HASH, 0, None
    events = session.execute(
        select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=1000)
    ).scalars()
    for event in events:
        length += 1
        # The snapshot must be the one its digest names: an erased snapshot (NULL) passes
        # only where the write left none (a deletion, whose after-digest is NULL too).
        intact = (
            event.prev_hash == previous
            and event.hash == chain_hash(event)
            and digest(event.state) == event.after_digest
        )
        if not intact and first_broken is None:
            first_broken = event.id
        previous = event.hash
    return ChainReport(
        ok=first_broken is None, length=length, first_broken=first_broken, head=previous
    )


def chain_head(*, session: Session) -> str:
    """The hash of the latest event: a short fingerprint of the whole history."""
    head = session.exec(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)).first()
    return head or GENESIS_HASH


def list_events(
    *,
    session: Session,
    entity_type: str | None,
    entity_id: int | None,
    after_id: int | None,
    limit: int,
) -> Sequence[AuditEvent]:
    """Events oldest first, optionally for one entity; one more than `limit`."""
    query = id_page_query(
        AuditEvent, after_id=after_id, limit=limit, entity_type=entity_type, entity_id=entity_id
    )
    return session.exec(query).all()
