"""Structured logs: one JSON object per line, each with its request id; never a key."""

import io
import json
import logging

import pytest

from app.core.logs import formatter
from tests.factories import create_site


@pytest.fixture
def log_lines():
    """What the service logs during the test, as the JSON lines it writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter())
    logging.getLogger().addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


def access_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line.get("logger") == "heritage_registry.access"]


def test_a_request_id_sent_by_the_client_is_returned_and_logged(client, database, log_lines):
    site_id = create_site(database)

    response = client.get(f"/api/v1/sites/{site_id}", headers={"X-Request-ID": "field-team-42.a1"})

    assert response.headers["x-request-id"] == "field-team-42.a1"
    [line] = access_lines(log_lines())
    assert line["request_id"] == "field-team-42.a1"
    assert line | {"duration_ms": None, "timestamp": None} == {
        "event": "request",
        "logger": "heritage_registry.access",
        "level": "info",
        "request_id": "field-team-42.a1",
        "method": "GET",
        "path": f"/api/v1/sites/{site_id}",
        "route": "/api/v1/sites/{site_id}",
        "status": 200,
        "role": None,
        "key_id": None,
        "client": "testclient",
        "duration_ms": None,
        "timestamp": None,
    }


@pytest.mark.parametrize(
    "sent",
    [None, "short", "a" * 129, "forged\nline", "id with spaces", "<script>"],
    ids=["none", "too short", "too long", "newline", "spaces", "markup"],
)
def test_a_missing_or_unfit_request_id_is_replaced_by_a_generated_one(client, log_lines, sent):
    headers = {} if sent is None or "\n" in sent else {"X-Request-ID": sent}

    response = client.get("/healthz", headers=headers)

    request_id = response.headers["x-request-id"]
    assert request_id != sent and len(request_id) == 32 and int(request_id, 16) >= 0
    assert access_lines(log_lines())[-1]["request_id"] == request_id


def test_keys_never_reach_the_logs(client, auth, api_keys, log_lines):
    client.get("/api/v1/sites", headers=auth("staff"))
    client.get("/api/v1/sites", headers={"Authorization": "Bearer hr_wrong-key-guessed"})
    # Even a key quoted by a library in a message of its own is blanked out.
    logging.getLogger("some.library").warning("retrying with Bearer %s", api_keys["admin"])

    lines = log_lines()
    written = json.dumps(lines)
    for secret in [*api_keys.values(), "hr_wrong-key-guessed"]:
        assert secret not in written
    assert lines[-1]["event"] == "retrying with Bearer [redacted]"
    staff = access_lines(lines)[0]
    assert (staff["role"], staff["status"]) == ("staff", 200)
    assert isinstance(staff["key_id"], int)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/hr_0123456789abcdef",
        "/api/v1/HR_0123456789ABCDEF",
        "/api/v1/sites/BeArEr%20x/bEaReR  hr_guessed-key-1234",
    ],
)
def test_a_key_sent_in_the_path_is_not_logged(client, log_lines, path):
    client.get(path)

    [line] = access_lines(log_lines())
    assert "[redacted]" in line["path"]
    assert "0123456789" not in line["path"] and "guessed-key" not in line["path"]


def test_query_strings_are_not_logged(client, log_lines):
    client.get("/api/v1/monuments", params={"bbox": "38.27393,34.54738,38.27394,34.54739"})

    [line] = access_lines(log_lines())
    assert line["path"] == "/api/v1/monuments"
    assert "34.5473" not in json.dumps(line)


def test_an_access_line_with_text_orjson_refuses_is_still_one_json_line(log_lines):
    # A lone surrogate is no UTF-8: orjson refuses it, the line falls back to json.
    from app.core.logs import log_request

    scope = {"method": "GET", "path": "/api/v1/sites/\udc80", "headers": [], "client": None}
    log_request(scope, status=404, seconds=0.001, request_id="field-team-42.a1")

    [line] = access_lines(log_lines())
    assert line["path"] == "/api/v1/sites/\udc80" and line["status"] == 404
