"""HTTP routes for /api/v1/webhooks: subscriptions and their delivery logs (admin)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.auth import AdminDep, get_caller
from app.core.dependencies import ReadSessionDep, SettingsDep, WriteSessionDep
from app.core.http import JsonBody, created_response, resource_response
from app.core.pagination import Page, PagingDep
from app.webhooks import service
from app.webhooks.dependencies import LockedSubscriptionDep, SubscriptionDep
from app.webhooks.models import DeliveryStatus, WebhookSubscription
from app.webhooks.schemas import DeliveryRead, WebhookCreate, WebhookCreated, WebhookRead

router = APIRouter(prefix="/api/v1/webhooks", tags=["webhooks"], dependencies=[Depends(get_caller)])


def _read(subscription: WebhookSubscription) -> WebhookRead:
    return WebhookRead.model_validate(subscription, from_attributes=True)


@router.post("", status_code=201, response_model=WebhookCreated)
def create_webhook(
    request: Request,
    caller: AdminDep,
    _: JsonBody,
    webhook_in: WebhookCreate,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Subscribe a URL to event types (admin); the answer holds the signing secret, once.
    The URL's host must resolve to public addresses (or be allowed by name)."""
    subscription, secret = service.create_subscription(
        session=session,
        url=webhook_in.url,
        event_types=webhook_in.event_types,
        description=webhook_in.description,
        actor=caller,
        allowed_hosts=settings.webhook_allowed_hosts,
    )
    created = WebhookCreated(**_read(subscription).model_dump(), secret=secret)
    return created_response(
        request,
        created,
        location=f"{router.prefix}/{subscription.id}",
        # The secret must not linger in any cache.
        headers={"Cache-Control": "no-store"},
    )


@router.get("", response_model=Page[WebhookRead])
def list_webhooks(caller: AdminDep, session: ReadSessionDep, paging: PagingDep) -> Response:
    """Active subscriptions (admin), without their secrets."""
    subscriptions = paging.rows_from(service.list_subscriptions, session=session)
    return paging.respond(subscriptions, present=lambda page: [_read(s) for s in page])


@router.get("/{webhook_id}", response_model=WebhookRead)
def read_webhook(request: Request, caller: AdminDep, subscription: SubscriptionDep) -> Response:
    """One subscription (admin), without its secret."""
    return resource_response(request, _read(subscription))


@router.delete("/{webhook_id}", status_code=204)
def delete_webhook(
    caller: AdminDep, subscription: LockedSubscriptionDep, session: WriteSessionDep
) -> Response:
    """Unsubscribe (admin): pending deliveries are cancelled, the delivery log is kept."""
    service.delete_subscription(session=session, subscription=subscription, actor=caller)
    return Response(status_code=204)


@router.get("/{webhook_id}/deliveries", response_model=Page[DeliveryRead])
def list_webhook_deliveries(
    *,
    caller: AdminDep,
    subscription: SubscriptionDep,
    session: ReadSessionDep,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status.")] = None,
    paging: PagingDep,
) -> Response:
    """The subscription's delivery log, newest first (admin): status, attempts, last answer."""
    deliveries = service.list_deliveries(
        session=session,
        subscription_id=subscription.id,
        status=status,
        before_id=paging.after_id,
        limit=paging.limit,
    )
    return paging.respond(
        deliveries,
        present=lambda page: [DeliveryRead.model_validate(service.to_read(d)) for d in page],
    )
