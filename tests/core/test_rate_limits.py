"""Rate limits per client address: anonymous readers, and failed authentications."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.core.config import Settings
from app.main import create_app
from tests.factories import create_site


@pytest.fixture
def limited(settings):
    """The app with small limits: 3 anonymous requests, 2 failed keys and 2 printable
    reports a minute."""
    app = create_app(
        settings.model_copy(
            update={
                "rate_limit_anonymous": "3/minute",
                "rate_limit_failed_auth": "2/minute",
                "rate_limit_anonymous_reports": "2/minute",
            }
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
    # Harvesters count too, and are told to come back as OAI-PMH harvesters expect: 503.
    harvest = limited.get("/oai", params={"verb": "Identify"})
    assert harvest.status_code == 503, harvest.text
    assert harvest.headers["content-type"] == "application/problem+json"
    assert 1 <= int(harvest.headers["retry-after"]) <= 60
    oai_with_key = limited.get("/oai", params={"verb": "Identify"}, headers=auth("partner"))
    assert oai_with_key.status_code == 200
    # A key lifts the anonymous limit; probes are never limited.
    assert limited.get(f"/api/v1/sites/{site_id}", headers=auth("partner")).status_code == 200
    assert limited.get("/healthz").status_code == 200


def test_guessing_a_key_locks_out_further_guesses_at_it_from_the_address(limited, auth, database):
    bad = [
        limited.get("/api/v1/sites", headers={"Authorization": "Bearer hr_guess001"}),
        limited.get("/api/v1/sites", headers={"Authorization": "Bearer hr_guess002"}),
    ]

    assert [response.status_code for response in bad] == [401, 401]
    # Guessing further gains nothing: the next guess at keys starting so is not even tried.
    assert_too_many(limited.get("/api/v1/sites", headers={"Authorization": "Bearer hr_guess003"}))


def test_a_valid_key_is_never_refused_for_others_guesses_from_the_same_address(
    limited, auth, api_keys, database
):
    # A field team behind one satellite uplink: someone there keeps sending wrong keys.
    for guess in ("hr_aaaaaaa1", "hr_bbbbbbb2", "hr_ccccccc3", "Token abc", "hr_ddddddd4"):
        limited.get("/api/v1/sites", headers={"Authorization": f"Bearer {guess}"})

    for role in ("field", "staff", "partner"):
        assert limited.get("/api/v1/sites", headers=auth(role)).status_code == 200
    # Guessing at a valid key's own prefix is throttled all the same.
    target = api_keys["field"][:10] + "x" * 33
    answers = [
        limited.get("/api/v1/sites", headers={"Authorization": f"Bearer {target}"}).status_code
        for _ in range(3)
    ]
    assert answers == [401, 401, 429]


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


@pytest.fixture
def lockout_only(settings):
    """The app with 2 failed keys a minute and no anonymous limit (pages are anonymous
    until signed in)."""
    app = create_app(settings.model_copy(update={"rate_limit_failed_auth": "2/minute"}))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client
    app.state.database.engine.dispose()


def test_keys_guessed_on_the_sign_in_page_count_as_failed_authentications(lockout_only, api_keys):
    from tests.ui.conftest import csrf_token

    limited = lockout_only

    def sign_in(secret: str):
        token = csrf_token(limited.get("/ui/sign-in").text)
        return limited.post(
            "/ui/sign-in",
            data={"csrf_token": token, "api_key": secret, "next": "/ui/"},
            follow_redirects=False,
        )

    assert [sign_in(f"hr_guess00{n}").status_code for n in range(2)] == [401, 401]
    refused = sign_in("hr_guess002")
    assert refused.status_code == 429
    # As on the API, others' guesses never refuse a valid key.
    assert sign_in(api_keys["staff"]).status_code == 303
    assert refused.headers["content-type"].startswith("text/html")
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def _failing_from(client, address: str) -> int:
    headers = {"Authorization": "Bearer hr_guess00x", "X-Forwarded-For": address}
    return client.get("/api/v1/sites", headers=headers).status_code


def test_forwarded_addresses_count_only_from_a_trusted_proxy(settings, database):
    # TestClient connects as "testclient": a trusted proxy here, not by default.
    limits = {"rate_limit_failed_auth": "2/minute"}
    trusted = create_app(settings.model_copy(update=limits | {"trusted_proxies": ["testclient"]}))
    untrusted = create_app(settings.model_copy(update=limits))
    try:
        with TestClient(trusted) as via_proxy, TestClient(untrusted) as direct:
            # Behind a trusted proxy each client is counted on its own…
            assert [_failing_from(via_proxy, "203.0.113.5") for _ in range(3)] == [401, 401, 429]
            assert _failing_from(via_proxy, "198.51.100.7") == 401
            # …while anyone else's X-Forwarded-For is ignored: the connection is the client.
            assert [_failing_from(direct, "203.0.113.5") for _ in range(2)] == [401, 401]
            assert _failing_from(direct, "198.51.100.7") == 429
    finally:
        trusted.state.database.engine.dispose()
        untrusted.state.database.engine.dispose()


def test_trusted_proxies_are_read_from_the_environment_as_a_list(monkeypatch):
    monkeypatch.setenv("HERITAGE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1")
    assert Settings().trusted_proxies == ["10.0.0.0/8", "192.0.2.1"]
    assert Settings(trusted_proxies=[]).trusted_proxies == []
    assert Settings.model_fields["trusted_proxies"].default == ["127.0.0.1", "::1"]


def test_the_web_pages_count_against_the_anonymous_limit(limited, database):
    site_id = create_site(database)
    for _ in range(3):
        assert limited.get(f"/api/v1/sites/{site_id}").status_code == 200

    refused = limited.get(f"/ui/sites/{site_id}")
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("text/html")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert limited.get(f"/ui/sites/{site_id}/report", params={"format": "pdf"}).status_code == 429


def test_printable_reports_have_an_anonymous_limit_of_their_own(settings, database, auth):
    app = create_app(settings.model_copy(update={"rate_limit_anonymous_reports": "2/minute"}))
    site_id = create_site(database)
    api_report = f"/api/v1/reports/sites/{site_id}/state-of-conservation"
    try:
        with TestClient(app) as client:
            assert client.get(api_report, params={"format": "html"}).status_code == 200
            assert client.get(f"/ui/sites/{site_id}/report").status_code == 200
            # The API's and the pages' renders count together, PDF or HTML.
            assert_too_many(client.get(api_report, params={"format": "pdf"}))
            assert client.get(f"/ui/sites/{site_id}/report").status_code == 429
            # Data formats and keyed callers are not limited so.
            assert client.get(api_report, params={"format": "csv"}).status_code == 200
            keyed = client.get(api_report, params={"format": "html"}, headers=auth("partner"))
            assert keyed.status_code == 200
    finally:
        app.state.database.engine.dispose()
