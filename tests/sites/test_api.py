"""Sites over HTTP: create, read, update with If-Match, list and validation."""

from app.core.db import Database
from app.sites.models import Site
from tests.factories import count_rows, create_site, site_fields

URL = "/api/v1/sites"


def test_staff_create_a_site_and_read_it_back(client, auth, database: Database):
    body = site_fields(whc_id=23, name="Site of Palmyra (تدمر)")
    response = client.post(URL, json=body, headers=auth("staff"))

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{URL}/{created['id']}"
    assert response.headers["etag"]
    assert {k: created[k] for k in body} == body
    with database.session(write=False) as session:
        stored = session.get(Site, created["id"])
        assert stored.name == "Site of Palmyra (تدمر)"
        assert stored.whc_id == 23

    read = client.get(f"{URL}/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["etag"] == response.headers["etag"]


def test_country_code_is_normalised_and_checked(client, auth):
    ok = client.post(URL, json=site_fields(country="sy"), headers=auth("staff"))
    assert ok.status_code == 201
    assert ok.json()["country"] == "SY"

    bad = client.post(URL, json=site_fields(country="XX"), headers=auth("staff"))
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "country"]
    assert "ISO 3166-1" in bad.json()["detail"]


def test_duplicate_whc_id_is_a_conflict_and_stores_nothing(client, auth, database):
    create_site(database, whc_id=23)
    response = client.post(URL, json=site_fields(whc_id=23), headers=auth("staff"))

    assert response.status_code == 409
    assert "WHC id 23" in response.json()["detail"]
    assert count_rows(database, Site) == 1


def test_danger_listing_cannot_precede_inscription(client, auth, database):
    response = client.post(
        URL, json=site_fields(inscribed_year=1980, danger_list_year=1979), headers=auth("staff")
    )
    assert response.status_code == 422
    assert "danger_list_year" in response.json()["detail"]
    assert count_rows(database, Site) == 0


def test_update_needs_the_current_etag(client, auth, database):
    site_id = create_site(database)
    etag = client.get(f"{URL}/{site_id}").headers["etag"]

    missing = client.patch(f"{URL}/{site_id}", json={"name": "Palmyra"}, headers=auth("staff"))
    assert missing.status_code == 428

    updated = client.patch(
        f"{URL}/{site_id}", json={"name": "Palmyra"}, headers=auth("staff") | {"If-Match": etag}
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["name"] == "Palmyra"
    assert updated.headers["etag"] != etag

    stale = client.patch(
        f"{URL}/{site_id}", json={"name": "Tadmor"}, headers=auth("staff") | {"If-Match": etag}
    )
    assert stale.status_code == 412
    with database.session(write=False) as session:
        assert session.get(Site, site_id).name == "Palmyra"


def test_patch_cannot_null_a_required_field(client, auth, database):
    site_id = create_site(database)
    etag = client.get(f"{URL}/{site_id}").headers["etag"]
    response = client.patch(
        f"{URL}/{site_id}", json={"name": None}, headers=auth("staff") | {"If-Match": etag}
    )
    assert response.status_code == 422
    assert "name cannot be null" in response.json()["detail"]


def test_list_filters_by_country_and_pages(client, database):
    ids = [create_site(database, name=f"Syrian site {i}") for i in range(3)]
    other = create_site(database, name="Hatra", country="IQ")

    first = client.get(URL, params={"country": "SY", "limit": 2})
    assert first.status_code == 200
    assert [s["id"] for s in first.json()["items"]] == ids[:2]
    cursor = first.json()["next_cursor"]
    assert cursor and 'rel="next"' in first.headers["link"]

    second = client.get(URL, params={"country": "SY", "limit": 2, "cursor": cursor})
    assert [s["id"] for s in second.json()["items"]] == ids[2:]
    assert second.json()["next_cursor"] is None
    assert "link" not in second.headers

    iraq = client.get(URL, params={"country": "IQ"}).json()["items"]
    assert [s["id"] for s in iraq] == [other]


def test_unknown_site_is_404(client):
    response = client.get(f"{URL}/999999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "999999" in response.json()["detail"]
