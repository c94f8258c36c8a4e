"""Fixtures for webhook tests: a receiver on 127.0.0.1 and a subscription to it."""

from collections.abc import Iterator

import pytest

from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def subscription(client, auth, receiver) -> dict:
    """An admin's subscription of the receiver to every event type (with its secret)."""
    response = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": ["*"], "description": "test receiver"},
        headers=auth("admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()
