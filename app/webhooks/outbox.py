"""The webhook outbox: deliveries written in the same transaction as the change they announce.

`enqueue` listens to the audit trail (subscribed by `app.wiring`): every event appended
reaches it, so every write goes through here without each service having to remember
webhooks.
"""

import json

from sqlalchemy import select
from sqlmodel import Session

from app.audit.models import AuditEvent
from app.changes import entities
from app.webhooks.models import WebhookDelivery, WebhookSubscription

_SUBSCRIPTIONS = WebhookSubscription.__table__
# A Core statement, built once: every published write reads the active subscriptions.
_ACTIVE = select(_SUBSCRIPTIONS.c.id, _SUBSCRIPTIONS.c.event_types).where(
    _SUBSCRIPTIONS.c.deleted_at.is_(None)
)


def render_payload(event: AuditEvent, event_type: str) -> str:
    """The JSON body of a delivery, in the Standard Webhooks shape (type, timestamp, data)."""
    data = entities.change_data(event)
    data["occurred_at"] = event.occurred_at.isoformat().replace("+00:00", "Z")
    body = {"type": event_type, "timestamp": data["occurred_at"], "data": data}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


# The active subscriptions as this session's transaction read them: (the transaction, them).
# A write that appends several events (a photo and its evidence item) reads them once; an
# event about a subscription, or another transaction, reads them again.
_READ = "webhook_subscriptions_read"


def _active_subscriptions(session: Session, event: AuditEvent) -> list[tuple[int, list[str]]]:
    """The active subscriptions' ids and event types."""
    transaction = session.get_transaction()
    read = session.info.get(_READ)
    if (
        read is not None
        and read[0] is transaction
        and event.entity_type != WebhookSubscription.__tablename__
    ):
        return read[1]
    subscriptions = [tuple(row) for row in session.connection().execute(_ACTIVE)]
    session.info[_READ] = (transaction, subscriptions)
    return subscriptions


def enqueue(*, session: Session, event: AuditEvent) -> int:
    """Add one pending delivery per active subscription to this event's type; how many."""
    event_type = entities.event_type(event.entity_type, event.action)
    if event_type is None:
        return 0
    matching = [
        subscription_id
        for subscription_id, types in _active_subscriptions(session, event)
        if entities.matches(types, event_type)
    ]
    if not matching:
        return 0
    payload = render_payload(event, event_type)
    for subscription_id in matching:
        session.add(
            WebhookDelivery(
                subscription_id=subscription_id,
                event_id=event.id,
                event_type=event_type,
                payload=payload,
                next_attempt_at=event.occurred_at,
            )
        )
    session.flush()
    return len(matching)
