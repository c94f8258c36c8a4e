"""Webhook subscriptions, the worker's claims on due deliveries, and what came of them.

Deliveries are queued by the outbox hook of the audit trail (app.webhooks.outbox). A worker
claims one due delivery at a time in a short transaction, by pushing its `next_attempt_at`
a lease into the future; it then sends it outside any transaction and records the outcome.
A worker that dies after claiming leaves the row pending, so another worker retries it once
the lease has passed: no event is lost, and a receiver may see one twice (same
`webhook-id`), as Standard Webhooks allows.
"""

import base64
import json
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from app.audit import service as audit
from app.core.actors import Caller
from app.core.db import get_or_not_found
from app.core.errors import Gone, Unprocessable
from app.core.pagination import id_page_query
from app.core.time import utc_now
from app.webhooks import receivers
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

SECRET_PREFIX = "whsec_"  # noqa: S105  (the Standard Webhooks prefix, not a secret)


def new_secret() -> str:
    """A signing secret in the Standard Webhooks form: `whsec_` and 32 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def message_id(delivery_id: int) -> str:
    """The `webhook-id` of a delivery: unique per message, the same on every retry."""
    return f"msg_{delivery_id}"


# --- subscriptions -------------------------------------------------------------------------


def _audited(subscription: WebhookSubscription) -> dict[str, Any]:
    # The audit trail is readable by staff; the signing secret must not end up in it.
    state = audit.snapshot(subscription)
    state.pop("secret")
    return state


def create_subscription(
    *,
    session: Session,
    url: str,
    event_types: list[str],
    description: str | None,
    actor: Caller,
    allowed_hosts: Iterable[str] = (),
) -> tuple[WebhookSubscription, str]:
    """A new subscription and its signing secret (returned now, never shown again).

    `Unprocessable` unless the URL's host resolves to public addresses only, or is one of
    `allowed_hosts` (see app.webhooks.receivers)."""
    try:
        receivers.check_url(url, allowed_hosts)
    except receivers.ReceiverRefused as refused:
        message = f"{refused.reason[0].upper()}{refused.reason[1:]}."
        raise Unprocessable.at(
            "url",
            f"The webhook URL cannot be used: {message}",
            "receiver_refused",
            msg=refused.reason,
        ) from None
    secret = new_secret()
    subscription = WebhookSubscription(
        url=url, event_types=event_types, description=description, secret=secret
    )
    session.add(subscription)
    session.flush()
    audit.record_write(
        session=session, actor=actor, action="create", entity=subscription, state=_audited
    )
    return subscription, secret


def list_subscriptions(
    *, session: Session, after_id: int | None, limit: int
) -> Sequence[WebhookSubscription]:
    """Active subscriptions in id order after a cursor; one more than `limit`."""
    query = id_page_query(WebhookSubscription, after_id=after_id, limit=limit)
    return session.exec(query.where(WebhookSubscription.deleted_at.is_(None))).all()


def get_subscription(
    *, session: Session, webhook_id: int, for_update: bool = False
) -> WebhookSubscription:
    """The subscription with this id; `NotFound`, or `Gone` once it was deleted."""
    subscription = get_or_not_found(
        session, WebhookSubscription, webhook_id, "webhook subscription", for_update=for_update
    )
    if subscription.deleted_at is not None:
        raise Gone(
            f"Webhook subscription {webhook_id} was deleted at "
            f"{subscription.deleted_at.isoformat()}."
        )
    return subscription


def delete_subscription(
    *, session: Session, subscription: WebhookSubscription, actor: Caller
) -> None:
    """Stop a subscription: nothing more is queued for it and its pending deliveries are
    cancelled; its delivery log is kept."""
    prior = _audited(subscription)
    subscription.deleted_at = utc_now()
    session.add(subscription)
    session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.subscription_id == subscription.id,
            WebhookDelivery.status == DeliveryStatus.pending,
        )
        .values(status=DeliveryStatus.cancelled)
    )
    session.flush()
    audit.record_write(
        session=session,
        actor=actor,
        action="delete",
        entity=subscription,
        before=prior,
        state=_audited,
    )


def list_deliveries(
    *,
    session: Session,
    subscription_id: int,
    status: DeliveryStatus | None,
    before_id: int | None,
    limit: int,
) -> Sequence[WebhookDelivery]:
    """A subscription's deliveries, newest first, before a cursor; one more than `limit`."""
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == subscription_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit + 1)
    )
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return session.exec(query).all()


def to_read(delivery: WebhookDelivery) -> dict[str, Any]:
    """The fields of a delivery as `DeliveryRead` names them."""
    pending = delivery.status == DeliveryStatus.pending
    return {
        "id": delivery.id,
        "message_id": message_id(delivery.id),
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "created_at": delivery.created_at,
        "last_attempt_at": delivery.last_attempt_at,
        "next_attempt_at": delivery.next_attempt_at if pending else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "delivered_at": delivery.delivered_at,
        "payload": json.loads(delivery.payload),
    }


# --- the worker's side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A delivery a worker has reserved for one attempt, with what it needs to send it."""

    delivery_id: int
    attempt: int
    url: str
    secret: str
    payload: str


@dataclass(frozen=True)
class Outcome:
    """What the receiver did with one attempt."""

    status_code: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """A 2xx answer: the receiver has the event."""
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently failed deliveries are retried."""

    max_attempts: int
    base_seconds: float
    max_seconds: float

    def delay(self, attempt: int) -> timedelta:
        """The wait after failed attempt number `attempt` (1, 2, …): doubling, capped."""
        return timedelta(seconds=min(self.base_seconds * 2 ** (attempt - 1), self.max_seconds))


def _due(now: datetime) -> Any:
    return (
        WebhookDelivery.status == DeliveryStatus.pending,
        WebhookDelivery.next_attempt_at <= now,
    )


def any_due(*, session: Session, now: datetime) -> bool:
    """Whether a delivery is due (a read, so idle workers take no write lock)."""
    return session.exec(select(WebhookDelivery.id).where(*_due(now)).limit(1)).first() is not None


def claim_next(*, session: Session, now: datetime, lease_seconds: float) -> Claim | None:
    """Reserve the most overdue delivery for one attempt, or None when nothing is due."""
    # FOR UPDATE SKIP LOCKED lets concurrent workers on PostgreSQL each take a different row
    # without waiting; SQLite renders neither clause and serialises the write transactions
    # that claim (BEGIN IMMEDIATE) instead.
    delivery = session.exec(
        select(WebhookDelivery)
        .where(*_due(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if delivery is None:
        return None
    subscription = session.get(WebhookSubscription, delivery.subscription_id)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    # The lease: no other worker takes the row before this; if this worker dies, after it.
    delivery.next_attempt_at = now + timedelta(seconds=lease_seconds)
    session.add(delivery)
    session.flush()
    return Claim(
        delivery_id=delivery.id,
        attempt=delivery.attempts,
        url=subscription.url,
        secret=subscription.secret,
        payload=delivery.payload,
    )


def record_outcome(
    *, session: Session, claim: Claim, outcome: Outcome, now: datetime, policy: RetryPolicy
) -> DeliveryStatus | None:
    """Store an attempt's outcome and schedule the retry; None if the claim had lapsed."""
    values: dict[str, Any] = {
        "last_status_code": outcome.status_code,
        "last_error": None if outcome.error is None else outcome.error[:500],
    }
    if outcome.ok:
        status = DeliveryStatus.delivered
        values["delivered_at"] = now
    elif claim.attempt >= policy.max_attempts:
        status = DeliveryStatus.failed
    else:
        status = DeliveryStatus.pending
        values["next_attempt_at"] = now + policy.delay(claim.attempt)
    result = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == claim.delivery_id,
            # Only while the claim is still this worker's: not cancelled meanwhile, and not
            # re-claimed by another worker after this one's lease ran out.
            WebhookDelivery.status == DeliveryStatus.pending,
            WebhookDelivery.attempts == claim.attempt,
        )
        .values(status=status, **values)
    )
    return status if result.rowcount else None
