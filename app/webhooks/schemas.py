"""Request and response bodies for webhook subscriptions and their delivery log."""

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, Field

from app.changes import entities
from app.core.schemas import InputModel, ShortText
from app.webhooks.models import DeliveryStatus


def _receiver_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    if parts.username or parts.password:
        # Credentials would be stored and listed in clear; the signature authenticates us.
        raise ValueError("must not carry a user name or password; verify the signature instead")
    if parts.fragment:
        raise ValueError("must not have a #fragment")
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number in range)
    except ValueError:
        raise ValueError("has an invalid port") from None
    return url


def _event_types(patterns: list[str]) -> list[str]:
    unknown = [p for p in patterns if not entities.is_valid_pattern(p)]
    if unknown:
        raise ValueError(
            f"unknown event type(s) {', '.join(unknown)}; use '*', '<entity>.*' or one of: "
            + ", ".join(entities.EVENT_TYPES)
        )
    if len(set(patterns)) != len(patterns):
        raise ValueError("must not list an event type twice")
    return patterns


ReceiverUrl = Annotated[
    str,
    Field(min_length=8, max_length=2000, examples=["https://partner.example/hooks/heritage"]),
    AfterValidator(_receiver_url),
]
EventTypes = Annotated[
    list[Annotated[str, Field(max_length=80)]],
    Field(
        min_length=1,
        max_length=50,
        examples=[["monument.*", "damage_assessment.verify"]],
        description="Event types `<entity>.<action>`, `<entity>.*` or `*`. The wildcards "
        "cover what the public changes feed shows (verified assessments, never drafts); "
        "name review events such as `damage_assessment.submit` to receive them.",
    ),
    AfterValidator(_event_types),
]


class WebhookCreate(InputModel):
    """A new subscription."""

    url: ReceiverUrl
    event_types: EventTypes
    description: ShortText | None = None


class WebhookRead(BaseModel):
    """A subscription (its secret is shown only once, when it is created)."""

    id: int
    url: str
    event_types: list[str]
    description: str | None
    created_at: datetime


class WebhookCreated(WebhookRead):
    """A new subscription, with the secret to verify its deliveries: shown this once."""

    secret: str = Field(
        description="`whsec_…`: give it to `standardwebhooks.Webhook(secret)` to verify "
        "deliveries. It is not shown again."
    )


class DeliveryRead(BaseModel):
    """One event sent (or to be sent) to a subscription, and how that went."""

    id: int
    message_id: str = Field(description="The `webhook-id` header, the same on every retry.")
    event_id: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When pending: the next attempt.")
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    payload: dict[str, Any]
