"""Loading the webhook subscription a request names."""

from typing import Annotated

from fastapi import Depends, Path, Request

from app.core.dependencies import READ_METHODS, SessionDep
from app.webhooks import service
from app.webhooks.models import WebhookSubscription

WebhookId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The subscription's id.")]


def get_subscription_or_404(
    webhook_id: WebhookId, session: SessionDep, request: Request
) -> WebhookSubscription:
    """The subscription named in the path (locked for the request when it is a write)."""
    return service.get_subscription(
        session=session, webhook_id=webhook_id, for_update=request.method not in READ_METHODS
    )


SubscriptionDep = Annotated[WebhookSubscription, Depends(get_subscription_or_404)]
