"""Links are never built from the Host header a client sends (issue 18, #12): a shared cache
would keep an attacker's host in IIIF ids, the OAI-PMH base URL and `Link` headers."""

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.factories import create_monument, create_photo, create_site

EVIL = {"Host": "evil.example"}
OAI = "{http://www.openarchives.org/OAI/2.0/}"


@pytest.fixture
def two_sites(app, database) -> int:
    create_site(database)
    create_site(database, name="Ancient City of Bosra")
    monument_id = create_monument(database)
    create_photo(database, app.state.storage, monument_id)  # a manifest needs a canvas
    return monument_id


def test_without_a_public_url_links_are_relative_and_other_hosts_get_421(
    client, database, two_sites
):
    page = client.get("/api/v1/sites", params={"limit": 1}, headers=EVIL)
    manifest = client.get(f"/iiif/monuments/{two_sites}/manifest", headers=EVIL)
    harvest = client.get("/oai", params={"verb": "Identify"}, headers=EVIL)

    assert page.status_code == 200
    assert page.headers["link"].startswith("</api/v1/sites?")
    assert "evil" not in page.headers["link"]
    for refused in (manifest, harvest):
        assert refused.status_code == 421
        assert refused.headers["content-type"] == "application/problem+json"
        assert "HERITAGE_PUBLIC_URL" in refused.json()["detail"]
    # A host the registry is configured for still gets absolute links of its own.
    own = client.get(f"/iiif/monuments/{two_sites}/manifest").json()
    assert own["id"] == f"http://testserver/iiif/monuments/{two_sites}/manifest"


def test_with_a_public_url_every_link_uses_it_whatever_the_host(settings, database, two_sites):
    public = "https://registry.example.org"
    app = create_app(settings.model_copy(update={"public_url": public}))
    try:
        with TestClient(app) as client:
            page = client.get("/api/v1/sites", params={"limit": 1}, headers=EVIL)
            manifest = client.get(f"/iiif/monuments/{two_sites}/manifest", headers=EVIL)
            identify = client.get("/oai", params={"verb": "Identify"}, headers=EVIL)
    finally:
        app.state.database.engine.dispose()

    assert page.headers["link"].startswith(f"<{public}/api/v1/sites?")
    assert manifest.json()["id"] == f"{public}/iiif/monuments/{two_sites}/manifest"
    assert "evil" not in manifest.text and "evil" not in identify.text
    root = ET.fromstring(identify.content)
    assert root.find(f"{OAI}Identify/{OAI}baseURL").text == f"{public}/oai"
