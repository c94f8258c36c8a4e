"""Loading the webhook subscription a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Path

from app.core.dependencies import path_loaders
from app.webhooks import service
from app.webhooks.models import WebhookSubscription

WebhookId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The subscription's id.")]

_read, _locked = path_loaders(service.get_subscription, "webhook_id", WebhookId)
SubscriptionDep = Annotated[WebhookSubscription, _read]
LockedSubscriptionDep = Annotated[WebhookSubscription, _locked]
