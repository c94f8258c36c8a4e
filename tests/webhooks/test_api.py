"""Webhook subscriptions and the outbox: what is queued, when, and what admins see."""

import json

import pytest
from sqlmodel import select

from app.keys import service as keys
from app.keys.models import Role
from app.sites import service as sites
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.factories import (
    TEST_ACTOR,
    count_rows,
    create_assessment,
    create_monument,
    site_fields,
)

HOOKS = "/api/v1/webhooks"


def deliveries(database) -> list[WebhookDelivery]:
    with database.session(write=False) as session:
        return list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)).all())


def test_the_secret_is_shown_once_and_never_listed_or_audited(client, auth, database, receiver):
    response = client.post(
        HOOKS,
        json={"url": receiver.url, "event_types": ["monument.*", "damage_assessment.verify"]},
        headers=auth("admin"),
    )

    assert response.status_code == 201, response.text
    created = response.json()
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert response.headers["location"] == f"{HOOKS}/{created['id']}"
    assert response.headers["cache-control"] == "no-store"
    one = client.get(f"{HOOKS}/{created['id']}", headers=auth("admin"))
    assert one.json() == {k: v for k, v in created.items() if k != "secret"}
    listed = client.get(HOOKS, headers=auth("admin"))
    assert [hook["id"] for hook in listed.json()["items"]] == [created["id"]]
    for text in (one.text, listed.text, client.get("/api/v1/audit", headers=auth("admin")).text):
        assert secret not in text and secret.removeprefix("whsec_") not in text
    assert client.get("/api/v1/audit/verify", headers=auth("admin")).json()["ok"] is True
    # It is stored as issued, because the worker signs with it.
    with database.session(write=False) as session:
        assert session.get(WebhookSubscription, created["id"]).secret == secret


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://partner.example/hook", "event_types": ["*"]}, "url"),
        ({"url": "https:///hook", "event_types": ["*"]}, "url"),
        ({"url": "https://user:pw@partner.example/hook", "event_types": ["*"]}, "url"),
        ({"url": "https://partner.example:99999/hook", "event_types": ["*"]}, "url"),
        ({"url": "partner.example/hook", "event_types": ["*"]}, "url"),
        ({"url": "https://partner.example/hook", "event_types": []}, "event_types"),
        ({"url": "https://partner.example/hook", "event_types": ["site.explode"]}, "event_types"),
        ({"url": "https://partner.example/hook", "event_types": ["api_key.create"]}, "event_types"),
        (
            {"url": "https://partner.example/hook", "event_types": ["site.*", "site.*"]},
            "event_types",
        ),
        ({"url": "https://partner.example/hook", "event_types": ["*"], "secret": "x"}, "secret"),
    ],
)
def test_invalid_subscriptions_are_refused(client, auth, database, body, field):
    response = client.post(HOOKS, json=body, headers=auth("admin"))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert any(error["loc"][:2] == ["body", field] for error in response.json()["errors"])
    assert count_rows(database, WebhookSubscription) == 0


def test_each_change_queues_one_delivery_per_matching_subscription(
    client, auth, database, receiver
):
    def subscribe(*types: str) -> int:
        body = {"url": receiver.url, "event_types": list(types)}
        return client.post(HOOKS, json=body, headers=auth("admin")).json()["id"]

    everything, monuments_only, verifications, reviews = (
        subscribe("*"),
        subscribe("monument.*"),
        subscribe("damage_assessment.verify"),
        subscribe("damage_assessment.create", "damage_assessment.submit"),
    )
    monument_id = create_monument(database)
    assessment_id = create_assessment(database, monument_id, status="verified")
    # Keys (and subscriptions, above) are audited but never announced, even to "*".
    with database.session(write=True) as session:
        keys.create_key(session=session, name="late key", role=Role.partner, actor=TEST_ACTOR)

    queued = [(d.subscription_id, d.event_type) for d in deliveries(database)]
    assert queued == [
        (everything, "site.create"),
        (everything, "monument.create"),
        (monuments_only, "monument.create"),
        # Drafts and submissions are not in the public feed: "*" does not cover them, only
        # a subscription that names them does.
        (reviews, "damage_assessment.create"),
        (reviews, "damage_assessment.submit"),
        (everything, "damage_assessment.verify"),
        (verifications, "damage_assessment.verify"),
    ]
    verify = next(d for d in deliveries(database) if d.subscription_id == verifications)
    assert verify.status == "pending" and verify.attempts == 0
    assert verify.event_id is not None
    payload = json.loads(verify.payload)
    assert payload["type"] == "damage_assessment.verify"
    assert payload["data"]["entity_id"] == assessment_id
    assert payload["data"]["monument_id"] == monument_id
    assert payload["data"]["href"] == f"/api/v1/assessments/{assessment_id}"
    assert "state" not in payload["data"]


def test_a_rolled_back_change_queues_nothing(client, auth, database, subscription):
    with pytest.raises(RuntimeError), database.session(write=True) as session:
        sites.create_site(session=session, fields=site_fields(), actor=TEST_ACTOR)
        assert len(session.exec(select(WebhookDelivery)).all()) == 1  # queued in this transaction
        raise RuntimeError("the request fails after the write")
    assert deliveries(database) == []


def test_deleting_a_subscription_cancels_what_is_pending(client, auth, database, subscription):
    create_monument(database)
    url = f"{HOOKS}/{subscription['id']}"

    assert client.delete(url, headers=auth("admin")).status_code == 204

    assert {d.status for d in deliveries(database)} == {"cancelled"}
    assert client.get(url, headers=auth("admin")).status_code == 410
    assert client.get(f"{url}/deliveries", headers=auth("admin")).status_code == 410
    assert client.delete(url, headers=auth("admin")).status_code == 410
    assert client.get(HOOKS, headers=auth("admin")).json()["items"] == []
    create_monument(database)  # nothing more is queued for it
    assert len(deliveries(database)) == 2


def test_the_delivery_log_pages_newest_first_and_filters_by_status(
    client, auth, database, subscription
):
    for _ in range(3):
        create_monument(database)  # a site and a monument each: 6 deliveries
    url = f"{HOOKS}/{subscription['id']}/deliveries"

    first = client.get(url, params={"limit": 4}, headers=auth("admin")).json()
    rest = client.get(
        url, params={"limit": 4, "cursor": first["next_cursor"]}, headers=auth("admin")
    ).json()

    ids = [d["id"] for d in first["items"] + rest["items"]]
    assert len(ids) == 6 and ids == sorted(ids, reverse=True)
    assert rest["next_cursor"] is None
    entry = first["items"][0]
    assert entry["status"] == "pending" and entry["message_id"] == f"msg_{entry['id']}"
    assert entry["payload"]["type"] == "monument.create"
    assert client.get(url, params={"status": "delivered"}, headers=auth("admin")).json() == {
        "items": [],
        "next_cursor": None,
    }
    assert client.get(f"{HOOKS}/999999/deliveries", headers=auth("admin")).status_code == 404
