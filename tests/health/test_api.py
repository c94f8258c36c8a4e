"""Liveness and readiness probes."""

from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app


def test_liveness(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_liveness_answered_in_front_is_the_routes_own_answer_logged_and_counted(app):
    """`/healthz` is answered before FastAPI (app.core.fixed_answers): the same bytes and
    headers as its route, and still a request id, an access line and a count."""
    from app.core.instrumentation import HTTP_REQUESTS

    with TestClient(app) as client:
        counted = HTTP_REQUESTS.labels(method="GET", route="/healthz", status="200")
        before = counted._value.get()
        answer = client.get("/healthz")
        after = counted._value.get()
        own = client.portal.call(app.answer_internally, "/healthz")

    assert answer.status_code == 200
    assert answer.content == own == b'{"status":"ok"}'
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["content-length"] == str(len(own))
    assert len(answer.headers["x-request-id"]) == 32
    assert after - before == 1


def test_ready_when_database_and_media_folder_work(client, database):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == database.backend


def test_not_ready_when_media_folder_is_not_writable(settings, tmp_path):
    media = tmp_path / "media"
    app = create_app(settings.model_copy(update={"media_root": media}))
    with TestClient(app) as client:
        media.rmdir()  # after start-up: a volume gone, a file where the folder was
        media.write_text("a file where the media folder should be")
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert "photo storage (HERITAGE_MEDIA_ROOT) cannot be written to" in response.json()["detail"]
    assert [f["setting"] for f in response.json()["storage"]] == ["HERITAGE_MEDIA_ROOT"]
    assert str(tmp_path) not in response.text  # no paths on an open probe


def test_not_ready_when_database_is_unreachable(tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(Settings(database_url=url, media_root=tmp_path))
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert "database" in response.json()["detail"]


def test_reads_and_writes_answer_503_with_retry_after_while_the_database_is_unreachable(tmp_path):
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=1"
    app = create_app(Settings(database_url=url, media_root=tmp_path))
    with TestClient(app) as client:
        read = client.get("/api/v1/sites")
        write = client.post(
            "/api/v1/sites",
            json={"name": "Hatra", "country": "IQ"},
            headers={"Authorization": "Bearer hr_somekey"},
        )
        alive = client.get("/healthz")
    for response in (read, write):
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"] == "5"
        assert "database is not available" in response.json()["detail"]
    assert alive.status_code == 200


def test_the_documentation_pages_load_nothing_from_other_sites(client):
    import re

    for page in ("/docs", "/redoc"):
        html = client.get(page).text
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert assets and all(url.startswith("/") for url in assets), assets
        for url in assets:
            assert client.get(url).status_code == 200, url
        assert "cdn.jsdelivr.net" not in html and "fonts.googleapis.com" not in html
