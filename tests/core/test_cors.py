"""Partners' browsers on other sites (app.core.cors): IIIF viewers anywhere, the API and tus
uploads (Uppy) only from the origins an operator names, never with credentials."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.core.test_errors import assert_problem

PARTNER = "https://partner.example.org"
STRANGER = "https://elsewhere.example.com"
TUS_HEADERS = "authorization, tus-resumable, upload-length, upload-metadata, content-type"


@pytest.fixture
def partner_client(settings, database):
    """The app with one partner origin allowed."""
    app = create_app(settings.model_copy(update={"cors_allowed_origins": [PARTNER]}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.database.engine.dispose()


def preflight(client, path: str, method: str, origin: str = PARTNER, headers: str = ""):
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return client.options(path, headers=asked)


def test_a_partner_page_may_upload_with_tus(partner_client, auth):
    for path, method in (("/api/v1/uploads", "POST"), ("/api/v1/uploads/abc123", "PATCH")):
        answer = preflight(partner_client, path, method, headers=TUS_HEADERS)
        assert answer.status_code == 200, (path, answer.text)
        assert answer.headers["access-control-allow-origin"] == PARTNER
        assert method in answer.headers["access-control-allow-methods"]
        allowed = answer.headers["access-control-allow-headers"].lower()
        assert all(name.strip() in allowed for name in TUS_HEADERS.split(","))
        assert "access-control-allow-credentials" not in answer.headers
    described = partner_client.options(
        "/api/v1/uploads", headers={"Origin": PARTNER, "Tus-Resumable": "1.0.0"} | auth("field")
    )
    assert described.status_code == 204
    assert described.headers["access-control-allow-origin"] == PARTNER
    exposed = described.headers["access-control-expose-headers"].lower()
    assert {"location", "upload-offset", "tus-version", "etag"} <= set(exposed.split(", "))


def test_a_partner_page_may_read_the_api(partner_client, auth):
    listed = partner_client.get("/api/v1/monuments", headers={"Origin": PARTNER})
    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == PARTNER
    answer = preflight(partner_client, "/api/v1/monuments/1", "PATCH", headers="if-match")
    assert answer.status_code == 200


def test_other_origins_are_refused_with_a_problem(partner_client):
    answer = preflight(partner_client, "/api/v1/monuments", "GET", origin=STRANGER)
    problem = assert_problem(answer, 400)
    assert "HERITAGE_CORS_ALLOWED_ORIGINS" in problem["detail"]
    read = partner_client.get("/api/v1/monuments", headers={"Origin": STRANGER})
    assert "access-control-allow-origin" not in read.headers


def test_by_default_no_other_site_may_call_the_api(client):
    answer = preflight(client, "/api/v1/uploads", "POST", headers=TUS_HEADERS)
    # No CORS policy: tus answers it as its own OPTIONS, with no permission for the browser.
    assert answer.status_code == 204
    assert "access-control-allow-origin" not in answer.headers
    read = client.get("/api/v1/monuments", headers={"Origin": PARTNER})
    assert "access-control-allow-origin" not in read.headers
