"""Webhooks never reach internal addresses (issue 18, #4): receivers must resolve to public
addresses, checked at registration and again at delivery; the delivery log keeps a status
and a fixed phrase, never what answered."""

import pytest
from sqlmodel import select

from app.webhooks import receivers, service, worker
from app.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.factories import TEST_ACTOR, create_site

HOOKS = "/api/v1/webhooks"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.0.9", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "private"),  # reserved, and listed as private by IANA
        ("100.64.0.1", "non-public"),
        ("::ffff:127.0.0.1", "loopback"),
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("93.184.215.14", None),
        ("2606:4700:4700::1111", None),
    ],
)
def test_addresses_are_classified_with_the_standard_library(address, kind):
    assert receivers.non_public_kind(address) == kind


@pytest.mark.parametrize("host", ["2130706433", "0x7f000001", "127.1", "0177.0.0.1", "localhost"])
def test_numeric_spellings_of_loopback_are_resolved_and_refused(host):
    with pytest.raises(receivers.ReceiverRefused, match="loopback"):
        receivers.check_url(f"http://{host}:8080/hook", allowed_hosts=[])


def test_a_host_allowed_by_name_is_not_checked_and_only_that_name():
    receivers.check_url("http://127.0.0.1:8080/hook", allowed_hosts=["127.0.0.1"])
    receivers.check_url("http://[::1]:8080/hook", allowed_hosts=["[::1]"])
    with pytest.raises(receivers.ReceiverRefused):
        receivers.check_url("http://127.1:8080/hook", allowed_hosts=["127.0.0.1"])


def test_registering_an_internal_receiver_is_refused_and_stores_nothing(client, auth, database):
    response = client.post(
        HOOKS,
        json={"url": "http://2130706433:6379/", "event_types": ["*"]},
        headers=auth("admin"),
    )

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "loopback" in response.json()["detail"]
    assert response.json()["errors"][0]["loc"] == ["body", "url"]
    with database.session(write=False) as session:
        assert session.exec(select(WebhookSubscription)).all() == []


def test_an_unresolvable_receiver_is_refused(client, auth):
    response = client.post(
        HOOKS, json={"url": "https://hooks.invalid/x", "event_types": ["*"]}, headers=auth("admin")
    )
    assert response.status_code == 422
    assert "does not resolve" in response.json()["detail"]


def test_a_receiver_is_checked_again_at_delivery(database, settings, receiver):
    # Registered while allowed (or while its name resolved to a public address)…
    with database.session(write=True) as session:
        service.create_subscription(
            session=session,
            url=receiver.url,
            event_types=["site.*"],
            description=None,
            actor=TEST_ACTOR,
            allowed_hosts=["127.0.0.1"],
        )
    create_site(database)

    # …it is refused once it no longer is, and nothing reaches it.
    worker.run(
        database=database,
        settings=settings.model_copy(update={"webhook_allowed_hosts": []}),
        once=True,
    )

    assert receiver.requests == []
    with database.session(write=False) as session:
        [delivery] = session.exec(select(WebhookDelivery)).all()
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "loopback address" in delivery.last_error


def test_the_delivery_log_never_keeps_what_the_receiver_answered(
    database, settings, receiver, subscription
):
    receiver.answers = [500]
    receiver.body = b"redis_version:7.2.4 internal secret"
    create_site(database)

    worker.run(database=database, settings=settings, once=True)

    with database.session(write=False) as session:
        [delivery] = session.exec(select(WebhookDelivery)).all()
    assert (delivery.last_status_code, delivery.last_error) == (500, "HTTP 500")


def test_connection_failures_are_logged_as_a_fixed_phrase(database, settings, receiver):
    with database.session(write=True) as session:
        service.create_subscription(
            session=session,
            url="http://127.0.0.1:9/closed-port",
            event_types=["site.*"],
            description=None,
            actor=TEST_ACTOR,
            allowed_hosts=["127.0.0.1"],
        )
    create_site(database)

    attempt = worker.deliver_next(database=database, settings=settings)

    assert attempt.outcome.error == worker.NO_ANSWER
