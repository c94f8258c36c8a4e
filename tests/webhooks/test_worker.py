"""Delivering webhooks: Standard Webhooks signatures, retries with backoff, crash recovery."""

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError
from sqlmodel import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.core.config import Settings
from app.core.time import utc_now
from app.webhooks import service, worker
from app.webhooks.models import WebhookDelivery
from tests.factories import create_monument, create_site

SCRIPT = shutil.which("heritage-registry") or str(Path(sys.executable).parent / "heritage-registry")


def deliveries(database) -> list[WebhookDelivery]:
    with database.session(write=False) as session:
        return list(session.exec(select(WebhookDelivery).order_by(WebhookDelivery.id)).all())


class Clock:
    """A settable `utc_now` for the worker, so retries come due without waiting (set it
    after queueing: a delivery is due from the time of its change)."""

    def __init__(self) -> None:
        self.now = utc_now()

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(worker, "utc_now", fake)
    return fake


def test_a_delivery_is_signed_per_standard_webhooks_and_verifies(
    client, auth, database, settings, receiver, subscription
):
    site_id = create_site(database)

    stats = worker.run(database=database, settings=settings, once=True)

    assert stats.delivered == 1
    [(headers, body)] = receiver.requests
    payload = Webhook(subscription["secret"]).verify(body, headers)
    assert payload["type"] == "site.create"
    assert payload["data"]["entity_id"] == site_id
    assert payload["data"]["href"] == f"/api/v1/sites/{site_id}"
    [delivery] = deliveries(database)
    assert headers["Webhook-Id"] == f"msg_{delivery.id}"
    assert headers["Content-Type"] == "application/json"
    # The cursor in the payload resumes the changes feed right after this change.
    feed = client.get("/api/v1/changes", params={"since": payload["data"]["cursor"]})
    assert feed.json()["items"] == []

    with pytest.raises(WebhookVerificationError):
        Webhook(subscription["secret"]).verify(body.replace(b"site", b"sit3"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(service.new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(subscription["secret"]).verify(body, headers | {"Webhook-Id": "msg_other"})

    log = client.get(
        f"/api/v1/webhooks/{subscription['id']}/deliveries", headers=auth("admin")
    ).json()["items"]
    assert log == [
        log[0]
        | {
            "status": "delivered",
            "attempts": 1,
            "last_status_code": 204,
            "last_error": None,
            "next_attempt_at": None,
        }
    ]
    assert log[0]["delivered_at"] is not None
    assert worker.run(database=database, settings=settings, once=True).delivered == 0


def test_failures_are_retried_with_exponential_backoff_then_delivered(
    database, settings, receiver, subscription, clock
):
    create_site(database)
    clock.now = utc_now()
    receiver.answers = [500, 503]
    base = settings.webhook_retry_base_seconds

    first = worker.deliver_next(database=database, settings=settings)
    assert first.status == "pending" and first.outcome.status_code == 500
    [delivery] = deliveries(database)
    assert delivery.next_attempt_at - clock.now == timedelta(seconds=base)
    assert delivery.last_error.startswith("HTTP 500")
    assert worker.deliver_next(database=database, settings=settings) is None  # not due yet

    clock.now += timedelta(seconds=base)
    second = worker.deliver_next(database=database, settings=settings)
    assert second.status == "pending" and second.outcome.status_code == 503
    [delivery] = deliveries(database)
    assert delivery.next_attempt_at - clock.now == timedelta(seconds=2 * base)
    assert delivery.attempts == 2

    clock.now += timedelta(seconds=2 * base)
    third = worker.deliver_next(database=database, settings=settings)
    assert third.status == "delivered"
    [delivery] = deliveries(database)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 3, 204)

    # Every attempt carries the same message id, signed afresh, and each one verifies.
    assert len({headers["Webhook-Id"] for headers, _ in receiver.requests}) == 1
    for headers, body in receiver.requests:
        Webhook(subscription["secret"]).verify(body, headers)


def test_the_backoff_doubles_up_to_its_cap():
    policy = service.RetryPolicy(max_attempts=10, base_seconds=30, max_seconds=600)
    assert [policy.delay(n).total_seconds() for n in range(1, 7)] == [30, 60, 120, 240, 480, 600]


def test_a_delivery_that_keeps_failing_is_given_up_after_the_last_attempt(
    database, settings, receiver, subscription, clock
):
    create_site(database)
    clock.now = utc_now()
    patient = settings.model_copy(update={"webhook_max_attempts": 3})
    receiver.answers = [500] * 5

    statuses = []
    for _ in range(3):
        statuses.append(worker.deliver_next(database=database, settings=patient).status)
        clock.now += timedelta(hours=1)

    assert statuses == ["pending", "pending", "failed"]
    assert worker.deliver_next(database=database, settings=patient) is None
    [delivery] = deliveries(database)
    assert (delivery.status, delivery.attempts) == ("failed", 3)


def test_unreachable_and_redirecting_receivers_are_failures(
    client, auth, database, settings, receiver
):
    for url in ("http://127.0.0.1:9/closed", receiver.url):
        client.post(
            "/api/v1/webhooks", json={"url": url, "event_types": ["site.*"]}, headers=auth("admin")
        )
    receiver.answers = [302]
    create_site(database)

    worker.run(database=database, settings=settings, once=True)

    refused, redirected = deliveries(database)
    assert refused.status == "pending" and refused.last_status_code is None
    assert refused.last_error == worker.NO_ANSWER
    assert redirected.status == "pending" and redirected.last_status_code == 302


@pytest.mark.faults  # a worker process killed on purpose: `make test`, not the quick loop
def test_a_worker_killed_mid_delivery_loses_nothing(database, database_url, receiver, subscription):
    """The first worker dies while the receiver holds its request; the next one delivers."""
    create_site(database)
    receiver.gate = threading.Event()
    env = os.environ | {
        "HERITAGE_DATABASE_URL": database_url,
        "HERITAGE_WEBHOOK_TIMEOUT_SECONDS": "2",
        "HERITAGE_WEBHOOK_LEASE_SECONDS": "3",
        "HERITAGE_WORKER_POLL_SECONDS": "0.2",
        "HERITAGE_WEBHOOK_ALLOWED_HOSTS": "127.0.0.1",
    }

    def start_worker() -> subprocess.Popen:
        return subprocess.Popen(
            [SCRIPT, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )

    first = start_worker()
    try:
        assert receiver.wait_for_request(timeout=30), "the first worker never sent"
    finally:
        first.kill()  # mid-delivery: the receiver has the request and has not answered
        first.wait(timeout=10)
    [delivery] = deliveries(database)
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    receiver.gate.set()
    receiver.gate = None

    second = start_worker()
    try:
        deadline = time.monotonic() + 30
        while deliveries(database)[0].status != "delivered" and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        second.terminate()  # SIGTERM: the worker finishes what it does and exits cleanly
        output = second.communicate(timeout=20)[0].decode()
    assert second.returncode == 0, output
    assert "1 delivered" in output

    [delivery] = deliveries(database)
    assert (delivery.status, delivery.attempts) == ("delivered", 2)
    assert len(receiver.requests) == 2
    ids = {headers["Webhook-Id"] for headers, _ in receiver.requests}
    assert ids == {f"msg_{delivery.id}"}  # a receiver can drop the repeat by its id
    for headers, body in receiver.requests:
        Webhook(subscription["secret"]).verify(body, headers)


def test_a_lapsed_claim_does_not_overwrite_the_newer_one(database, settings, subscription):
    create_site(database)
    policy = service.RetryPolicy(max_attempts=8, base_seconds=30, max_seconds=3600)
    now = utc_now()
    with database.session(write=True) as session:
        stale = service.claim_next(session=session, now=now, lease_seconds=1)
    later = now + timedelta(seconds=2)
    with database.session(write=True) as session:
        fresh = service.claim_next(session=session, now=later, lease_seconds=60)
    assert (stale.attempt, fresh.attempt) == (1, 2)

    with database.session(write=True) as session:
        lapsed = service.record_outcome(
            session=session,
            claim=stale,
            outcome=service.Outcome(500, "late"),
            now=later,
            policy=policy,
        )
        recorded = service.record_outcome(
            session=session, claim=fresh, outcome=service.Outcome(200), now=later, policy=policy
        )
    assert (lapsed, recorded) == (None, "delivered")


@pytest.mark.postgresql_only
def test_concurrent_workers_claim_different_deliveries(database, subscription):
    for _ in range(2):
        create_monument(database)  # four deliveries
    now = utc_now()
    with database.session(write=True) as first:
        mine = service.claim_next(session=first, now=now, lease_seconds=60)
        # Another worker, while the first one's claim is not yet committed: SKIP LOCKED.
        with database.session(write=True) as second:
            theirs = [
                service.claim_next(session=second, now=now, lease_seconds=60) for _ in range(4)
            ]
    claimed = [c.delivery_id for c in theirs if c is not None]
    assert len(claimed) == 3 and mine.delivery_id not in claimed
    assert theirs[-1] is None


def test_database_outage_does_not_kill_the_worker(database, settings, monkeypatch):
    from sqlalchemy.exc import OperationalError

    calls = []

    def failing(**_):
        calls.append(1)
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(worker, "deliver_next", failing)
    stop = threading.Event()
    quick = settings.model_copy(update={"worker_poll_seconds": 0.01})
    thread = threading.Thread(
        target=worker.run, kwargs={"database": database, "settings": quick, "stop": stop}
    )
    thread.start()
    time.sleep(0.1)
    stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive() and len(calls) >= 2


def test_payload_is_json_with_type_timestamp_and_data(database, subscription):
    create_site(database)
    payload = json.loads(deliveries(database)[0].payload)
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["timestamp"].endswith("Z")


def test_a_lease_that_a_slow_receiver_could_outlast_is_refused():
    with pytest.raises(ValidationError, match="webhook_lease_seconds must be longer"):
        Settings(webhook_timeout_seconds=30, webhook_lease_seconds=30)
