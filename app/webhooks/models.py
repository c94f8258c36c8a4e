"""Webhook subscriptions and their outbox of deliveries."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlmodel import Field

from app.core.db import CreatedAt, JSONDocument, UTCDateTime


class WebhookSubscription(CreatedAt, table=True):
    """A receiver URL and the event types it is sent."""

    __tablename__ = "webhook_subscription"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(sa_column=Column(String(2000), nullable=False))
    event_types: list[str] = Field(sa_column=Column(JSONDocument, nullable=False))
    description: str | None = Field(default=None, sa_column=Column(String(500)))
    # The signing secret as issued (`whsec_` + base64). Kept as is, not hashed like API keys:
    # the worker needs the secret itself to sign every delivery, and a hash can only check.
    # It is shown once, at creation, and never written to the audit trail.
    secret: str = Field(sa_column=Column(String(100), nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DeliveryStatus(StrEnum):
    """Where a delivery stands."""

    pending = "pending"  # waiting for its next attempt (or being attempted now)
    delivered = "delivered"  # the receiver answered 2xx
    failed = "failed"  # every attempt failed; no more are made
    cancelled = "cancelled"  # the subscription was deleted before it was delivered


class WebhookDelivery(CreatedAt, table=True):
    """One event for one subscription: an outbox row, then the log of its delivery.

    Written in the same transaction as the change it announces (see app.audit.service), so
    a change that commits always has its deliveries and a rolled-back one never does.
    """

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        # The worker's query: due pending rows, soonest first.
        Index(None, "status", "next_attempt_at"),
        # The delivery log of one subscription, newest first.
        Index(None, "subscription_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    subscription_id: int = Field(
        sa_column=Column(Integer, ForeignKey("webhook_subscription.id"), nullable=False)
    )
    event_id: int = Field(sa_column=Column(Integer, ForeignKey("audit_event.id"), nullable=False))
    event_type: str = Field(sa_column=Column(String(80), nullable=False))
    # The exact JSON body sent on every attempt (the signature covers these bytes).
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: DeliveryStatus = Field(
        default=DeliveryStatus.pending, sa_column=Column(String(20), nullable=False)
    )
    attempts: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    # When the next attempt is due; while an attempt runs, when its worker's claim lapses.
    next_attempt_at: datetime = Field(sa_type=UTCDateTime, nullable=False)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_status_code: int | None = Field(default=None, sa_column=Column(Integer))
    last_error: str | None = Field(default=None, sa_column=Column(String(500)))
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
