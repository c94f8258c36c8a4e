"""Loading the webhook subscription a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Depends, Path

from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.webhooks import service
from app.webhooks.models import WebhookSubscription

WebhookId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The subscription's id.")]


def get_subscription_or_404(webhook_id: WebhookId, session: ReadSessionDep) -> WebhookSubscription:
    """The subscription named in the path, in the request's read session."""
    return service.get_subscription(session=session, webhook_id=webhook_id)


def lock_subscription_or_404(
    webhook_id: WebhookId, session: WriteSessionDep
) -> WebhookSubscription:
    """The subscription named in the path, locked in the request's write session."""
    return service.get_subscription(session=session, webhook_id=webhook_id, for_update=True)


SubscriptionDep = Annotated[WebhookSubscription, Depends(get_subscription_or_404)]
LockedSubscriptionDep = Annotated[WebhookSubscription, Depends(lock_subscription_or_404)]
