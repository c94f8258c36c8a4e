"""GET /metrics: the Prometheus text format, by route template and status, uploads, webhook
deliveries, the audit chain's length."""

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.webhooks import service as webhooks
from tests.factories import TEST_ACTOR, create_monument, create_site


def scrape(client, headers: dict | None = None) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics", headers=headers or {"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


TOKEN = "scraper-token-for-tests-0123456789"


@pytest.fixture(autouse=True)
def _scraper_token(settings, monkeypatch):
    """The test app's settings with a scraper token (settings are shared by the session)."""
    monkeypatch.setattr(settings, "metrics_token", SecretStr(TOKEN))


def test_metrics_are_for_the_scraper_and_admins_only(client, auth, database):
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers=auth("partner")).status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers=auth("admin")).status_code == 200
    assert client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_and_timed_by_route_template_and_status(client, database):
    site_id = create_site(database)
    before = scrape(client)
    route = "/api/v1/sites/{site_id}"

    client.get(f"/api/v1/sites/{site_id}")
    client.get(f"/api/v1/sites/{site_id}")
    client.get("/api/v1/sites/999999")
    client.get("/wp-admin/setup.php")

    after = scrape(client)
    ok = {"method": "GET", "route": route, "status": "200"}
    assert (
        value(after, "heritage_http_requests_total", **ok)
        - value(before, "heritage_http_requests_total", **ok)
        == 2
    )
    missing = {"method": "GET", "route": route, "status": "404"}
    assert value(after, "heritage_http_requests_total", **missing) >= 1
    # Unknown paths share one label, so scanners cannot add series without end.
    assert (
        value(after, "heritage_http_requests_total", method="GET", route="unmatched", status="404")
        >= 1
    )
    assert not any("wp-admin" in str(labels) for _, labels in after)
    assert value(after, "heritage_http_request_duration_seconds_count", **ok) >= 2
    assert value(after, "heritage_http_request_duration_seconds_bucket", **ok, le="+Inf") >= 2


def test_uploads_and_their_bytes_are_counted(client, auth, database):
    from tests.photos.pictures import jpeg_bytes

    monument_id = create_monument(database)
    photo = jpeg_bytes()
    before = scrape(client)

    for _ in range(2):  # the second is the same bytes: a duplicate
        client.post(
            f"/api/v1/monuments/{monument_id}/photos",
            files={"file": ("gate.jpg", photo, "image/jpeg")},
            headers=auth("field"),
        )

    after = scrape(client)
    for outcome in ("created", "duplicate"):
        name = "heritage_photo_uploads_total"
        assert value(after, name, outcome=outcome) - value(before, name, outcome=outcome) == 1
    name = "heritage_photo_upload_bytes_total"
    assert value(after, name) - value(before, name) == len(photo)


def test_the_audit_chain_and_webhook_deliveries_are_read_from_the_database(client, database):
    with database.session(write=True) as session:
        webhooks.create_subscription(
            session=session,
            url="http://127.0.0.1:9/hooks",
            event_types=["*"],
            description=None,
            actor=TEST_ACTOR,
            allowed_hosts=["127.0.0.1"],
        )
    create_site(database)  # one change: one delivery waiting

    samples = scrape(client)

    with database.session(write=False) as session:
        events = session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
    assert value(samples, "heritage_audit_chain_length") == events >= 2
    assert value(samples, "heritage_webhook_deliveries", status="pending") == 1
    assert value(samples, "heritage_webhook_deliveries", status="failed") == 0
    assert value(samples, "heritage_webhook_failed_attempts_total") == 0
    assert value(samples, "heritage_database_up") == 1
