"""Rate limits per client address: anonymous readers, and failed authentications."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.core.config import Settings
from app.main import create_app
from tests.factories import create_site


@pytest.fixture
def limited(settings):
    """The app with small limits: 3 anonymous requests and 2 failed keys a minute."""
    app = create_app(
        settings.model_copy(
            update={"rate_limit_anonymous": "3/minute", "rate_limit_failed_auth": "2/minute"}
        )
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.database.engine.dispose()


def assert_too_many(response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert 1 <= int(response.headers["retry-after"]) <= 60
    assert "Too many" in response.json()["detail"]


def test_an_anonymous_reader_past_the_limit_gets_429_and_when_to_retry(limited, auth, database):
    site_id = create_site(database)
    answers = [limited.get(f"/api/v1/sites/{site_id}").status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    assert_too_many(limited.get(f"/api/v1/sites/{site_id}"))
    assert_too_many(limited.get("/oai", params={"verb": "Identify"}))  # harvesters count too
    # A key lifts the anonymous limit; probes are never limited.
    assert limited.get(f"/api/v1/sites/{site_id}", headers=auth("partner")).status_code == 200
    assert limited.get("/healthz").status_code == 200


def test_failed_authentications_lock_the_address_out_even_with_a_good_key(limited, auth, database):
    bad = [
        limited.get("/api/v1/sites", headers={"Authorization": "Bearer hr_guess"}),
        limited.get("/api/v1/sites", headers={"Authorization": "Token abc"}),
    ]

    assert [response.status_code for response in bad] == [401, 401]
    assert_too_many(limited.get("/api/v1/sites", headers={"Authorization": "Bearer hr_guess3"}))
    # Guessing further gains nothing: a right key is refused too until the window passes.
    assert_too_many(limited.get("/api/v1/sites", headers=auth("staff")))


def test_good_keys_do_not_count_as_failures(limited, auth, database):
    for _ in range(5):
        assert limited.get("/api/v1/sites", headers=auth("field")).status_code == 200


def test_limits_are_configurable_and_checked(settings):
    assert (
        Settings(rate_limit_anonymous="", rate_limit_failed_auth=" ").rate_limit_anonymous is None
    )
    assert Settings(rate_limit_anonymous="10/second;500/hour").rate_limit_anonymous
    with pytest.raises(ValidationError, match="is not a rate limit"):
        Settings(rate_limit_anonymous="lots")


def test_keys_guessed_on_the_sign_in_page_count_as_failed_authentications(limited, api_keys):
    from tests.ui.conftest import csrf_token

    def sign_in(secret: str):
        token = csrf_token(limited.get("/ui/sign-in").text)
        return limited.post(
            "/ui/sign-in",
            data={"csrf_token": token, "api_key": secret, "next": "/ui/"},
            follow_redirects=False,
        )

    assert [sign_in(f"hr_guess{n}").status_code for n in range(2)] == [401, 401]
    refused = sign_in(api_keys["staff"])
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
