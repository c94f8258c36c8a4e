"""Monuments over HTTP: CRUD, filters, pagination, ETags and sensitive locations."""

import math
from datetime import timedelta

import pytest

from app.core.time import utc_now
from app.monuments.models import Monument
from tests.factories import count_rows, create_monument, create_site, monument_fields

URL = "/api/v1/monuments"


def distance_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance in metres (haversine, mean Earth radius)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def test_staff_record_a_monument_with_arabic_names_that_round_trip(client, auth, database):
    site_id = create_site(database)
    body = monument_fields(site_id, alt_names=["معبد بل", "Temple de Bêl", "e\u0301"])

    created = client.post(URL, json=body, headers=auth("staff"))

    assert created.status_code == 201, created.text
    monument = created.json()
    assert {k: monument[k] for k in body} == body
    assert monument["location_generalised"] is False
    with database.session(write=False) as session:
        stored = session.get(Monument, monument["id"])
        assert stored.alt_names == ["معبد بل", "Temple de Bêl", "e\u0301"]
    assert client.get(f"{URL}/{monument['id']}").json() == monument


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("lat", 90.5, "less than or equal to 90"),
        ("lon", -180.01, "greater than or equal to -180"),
        ("name", "   ", "must not be empty"),
        ("name", "Temple\x00of Bel", "control characters"),
        ("type", "Temple", "Input should be"),
        ("location_precision_m", -1, "greater than or equal to 0"),
        ("colour", "red", "Extra inputs are not permitted"),
        ("alt_names", ["ok", ""], "at least 1 character"),
        ("alt_names", ["ok", " "], "must not be empty"),
    ],
)
def test_invalid_monuments_are_refused_with_the_field_named(
    client, auth, database, field, value, fragment
):
    body = monument_fields(create_site(database)) | {field: value}
    response = client.post(URL, json=body, headers=auth("staff"))

    assert response.status_code == 422
    problem = response.json()
    assert problem["status"] == 422
    assert field in problem["errors"][0]["loc"]
    assert fragment in problem["detail"]
    assert count_rows(database, Monument) == 0


def test_non_finite_coordinates_are_refused(client, auth, database):
    body = monument_fields(create_site(database))
    site_id = body["site_id"]
    raw = f'{{"site_id": {site_id}, "name": "x", "type": "arch", "lat": NaN, "lon": Infinity}}'
    response = client.post(
        URL, content=raw, headers=auth("staff") | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert {tuple(e["loc"]) for e in response.json()["errors"]} == {
        ("body", "lat"),
        ("body", "lon"),
    }


def test_monument_in_an_unknown_site_is_refused(client, auth, database):
    response = client.post(URL, json=monument_fields(424242), headers=auth("staff"))
    assert response.status_code == 422
    assert "site_id 424242" in response.json()["detail"]
    assert count_rows(database, Monument) == 0


def test_update_with_if_match_and_stale_etag(client, auth, database):
    monument_id = create_monument(database)
    etag = client.get(f"{URL}/{monument_id}", headers=auth("staff")).headers["etag"]
    headers = auth("staff") | {"If-Match": etag}

    assert client.patch(f"{URL}/{monument_id}", json={"period": "32 AD"}).status_code == 401
    assert (
        client.patch(f"{URL}/{monument_id}", json={"period": "32 AD"}, headers=auth("staff"))
    ).status_code == 428
    ok = client.patch(f"{URL}/{monument_id}", json={"period": "32 AD"}, headers=headers)
    assert ok.status_code == 200, ok.text
    assert ok.json()["period"] == "32 AD"

    stale = client.patch(f"{URL}/{monument_id}", json={"period": "later"}, headers=headers)
    assert stale.status_code == 412
    assert stale.json()["current_etag"] == ok.headers["etag"]
    with database.session(write=False) as session:
        assert session.get(Monument, monument_id).period == "32 AD"


def test_etag_gives_304_until_the_monument_changes(client, auth, database):
    monument_id = create_monument(database)
    first = client.get(f"{URL}/{monument_id}")
    etag = first.headers["etag"]

    not_modified = client.get(f"{URL}/{monument_id}", headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag

    client.patch(
        f"{URL}/{monument_id}",
        json={"name": "Temple of Bel (ruins)"},
        headers=auth("staff") | {"If-Match": etag},
    )
    changed = client.get(f"{URL}/{monument_id}", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.json()["name"] == "Temple of Bel (ruins)"


def test_moving_a_monument_checks_the_new_site(client, auth, database):
    monument_id = create_monument(database)
    other_site = create_site(database, name="Dura-Europos")
    etag = client.get(f"{URL}/{monument_id}").headers["etag"]
    headers = auth("staff") | {"If-Match": etag}

    bad = client.patch(f"{URL}/{monument_id}", json={"site_id": 999999}, headers=headers)
    assert bad.status_code == 422
    moved = client.patch(f"{URL}/{monument_id}", json={"site_id": other_site}, headers=headers)
    assert moved.status_code == 200
    assert moved.json()["site_id"] == other_site


def test_admin_deletes_softly_and_reads_then_answer_410(client, auth, database):
    monument_id = create_monument(database)
    assert client.delete(f"{URL}/{monument_id}", headers=auth("staff")).status_code == 403

    deleted = client.delete(f"{URL}/{monument_id}", headers=auth("admin"))
    assert deleted.status_code == 204

    assert client.get(f"{URL}/{monument_id}").status_code == 410
    assert client.get(URL).json()["items"] == []
    with database.session(write=False) as session:
        assert session.get(Monument, monument_id).deleted_at is not None


class TestSensitiveLocations:
    """Looting is a real threat: exact positions of sensitive monuments stay with staff."""

    EXACT = (34.54671, 38.25391)

    @pytest.fixture
    def tomb_id(self, database):
        lat, lon = self.EXACT
        return create_monument(
            database, name="Tower of Elahbel", type="tomb", lat=lat, lon=lon, sensitive=True
        )

    @pytest.mark.parametrize("role", [None, "partner"])
    def test_anonymous_and_partners_get_rounded_coordinates(self, client, auth, tomb_id, role):
        for monument in (
            client.get(f"{URL}/{tomb_id}", headers=auth(role)).json(),
            client.get(URL, headers=auth(role)).json()["items"][0],
        ):
            assert (monument["lat"], monument["lon"]) == (34.5, 38.3)
            assert monument["location_generalised"] is True
            # The stated precision still covers the true position (plus its own 50 m).
            moved = distance_m(self.EXACT, (monument["lat"], monument["lon"]))
            assert moved > 6_000
            assert monument["location_precision_m"] >= moved + 50
            assert "34.54671" not in str(monument) and "38.25391" not in str(monument)

    @pytest.mark.parametrize("role", ["staff", "admin", "field"])
    def test_staff_and_field_teams_see_exact_coordinates(self, client, auth, tomb_id, role):
        monument = client.get(f"{URL}/{tomb_id}", headers=auth(role)).json()
        assert (monument["lat"], monument["lon"]) == self.EXACT
        assert monument["location_precision_m"] == 50
        assert monument["location_generalised"] is False

    def test_roles_get_different_etags(self, client, auth, tomb_id):
        public = client.get(f"{URL}/{tomb_id}")
        staff = client.get(f"{URL}/{tomb_id}", headers=auth("staff"))
        assert public.headers["etag"] != staff.headers["etag"]
        # By key (the role decides the position) and by Accept (JSON or JSON-LD).
        assert public.headers["vary"] == "Authorization, Accept"

    def test_a_tiny_bbox_cannot_locate_a_sensitive_monument(self, client, auth, tomb_id):
        lat, lon = self.EXACT
        tiny = f"{lon - 0.001},{lat - 0.001},{lon + 0.001},{lat + 0.001}"
        assert client.get(URL, params={"bbox": tiny}).json()["items"] == []
        staff_view = client.get(URL, params={"bbox": tiny}, headers=auth("staff")).json()
        assert [m["id"] for m in staff_view["items"]] == [tomb_id]


class TestListFilters:
    @pytest.fixture
    def palmyra(self, database):
        site_id = create_site(database)
        other_site = create_site(database, name="Bosra", country="SY")
        return {
            "site_id": site_id,
            "other_site": other_site,
            "bel": create_monument(database, site_id),
            "arch": create_monument(
                database,
                site_id,
                name="Monumental Arch",
                alt_names=["قوس النصر", "Arc de triomphe"],
                type="arch",
                lat=34.5508,
                lon=38.2703,
            ),
            "theatre": create_monument(
                database,
                other_site,
                name="Theatre of Bosra",
                alt_names=[],
                type="theatre",
                lat=32.5177,
                lon=36.4814,
            ),
        }

    def ids(self, client, **params):
        response = client.get(URL, params=params)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    def test_by_site(self, client, palmyra):
        assert self.ids(client, site_id=palmyra["site_id"]) == [palmyra["bel"], palmyra["arch"]]

    def test_by_type(self, client, palmyra):
        assert self.ids(client, type="arch") == [palmyra["arch"]]
        assert client.get(URL, params={"type": "ARCH"}).status_code == 422

    def test_by_text_in_any_name_and_script_ignoring_case(self, client, palmyra):
        assert self.ids(client, q="bel") == [palmyra["bel"]]
        assert self.ids(client, q="BEL") == [palmyra["bel"]]
        assert self.ids(client, q="قوس") == [palmyra["arch"]]
        assert self.ids(client, q="TRIOMPHE") == [palmyra["arch"]]
        assert self.ids(client, q="%") == []

    def test_by_bbox(self, client, palmyra):
        around_palmyra = "38.2,34.5,38.3,34.6"
        assert self.ids(client, bbox=around_palmyra) == [palmyra["bel"], palmyra["arch"]]
        crossing_antimeridian = "170,30,38.25,40"
        assert self.ids(client, bbox=crossing_antimeridian) == [palmyra["theatre"]]
        for bad in ["1,2,3", "a,b,c,d", "0,50,1,40", "0,0,1,nan", "-200,0,0,1"]:
            response = client.get(URL, params={"bbox": bad})
            assert response.status_code == 400, bad
            assert "bbox" in response.json()["detail"]

    def test_by_updated_since(self, client, auth, palmyra):
        etag = client.get(f"{URL}/{palmyra['arch']}").headers["etag"]
        before_update = utc_now()
        client.patch(
            f"{URL}/{palmyra['arch']}",
            json={"period": "Severan, c. 200 AD"},
            headers=auth("staff") | {"If-Match": etag},
        )
        assert self.ids(client, updated_since=before_update.isoformat()) == [palmyra["arch"]]
        tomorrow = (utc_now() + timedelta(days=1)).isoformat()
        assert self.ids(client, updated_since=tomorrow) == []

    def test_filters_combine(self, client, palmyra):
        assert self.ids(client, site_id=palmyra["site_id"], type="temple", q="bel") == [
            palmyra["bel"]
        ]


def test_pages_cover_every_monument_once_in_a_stable_order(client, database):
    site_id = create_site(database)
    created = [create_monument(database, site_id, name=f"Tower tomb {i}") for i in range(23)]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 5, "site_id": site_id} | ({"cursor": cursor} if cursor else {})
        response = client.get(URL, params=params)
        page = response.json()
        seen += [m["id"] for m in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert f"cursor={cursor}" in response.headers["link"]
    assert seen == created
    assert pages == 5


@pytest.mark.parametrize("cursor", ["garbage", "eyJ2IjoxfQ", "eyJ2IjoxLCJhZnRlciI6LTF9", "=" * 10])
def test_forged_cursors_are_refused(client, cursor):
    response = client.get(URL, params={"cursor": cursor})
    assert response.status_code == 400
    assert "cursor" in response.json()["detail"]


@pytest.mark.parametrize("limit", [0, -1, 201, 10**12])
def test_page_size_is_bounded(client, limit):
    assert client.get(URL, params={"limit": limit}).status_code == 422


def test_a_monument_reads_its_plan_of_record_beside_the_opinions_on_its_property(
    client, auth, database
):
    from tests.factories import (
        create_assessment,
        create_restoration,
        restoration_fields,
        statement_fields,
    )

    site_id = create_site(database)
    bel = create_monument(database, site_id)
    create_assessment(database, bel, status="verified")
    create_restoration(database, site_id=site_id, **statement_fields(prerequisites=["demining"]))

    # A monument recorded after the statement is covered by it from the start.
    created = client.post(
        URL,
        json=monument_fields(site_id, name="Monumental Arch", type="arch"),
        headers=auth("staff"),
    ).json()
    assert created["restoration"] == {
        "plan_of_record": None,
        "opinions": {
            "count": 1,
            "statements": 1,
            "restorable_percent_min": 90,
            "restorable_percent_max": 95,
        },
        "waiting_on": ["demining"],
    }

    plan = create_restoration(database, bel, status="approved", **restoration_fields())
    read = client.get(f"{URL}/{bel}").json()
    assert read["restoration"]["plan_of_record"]["id"] == plan
    assert read["restoration"]["opinions"]["count"] == 2
    assert read["restoration"]["waiting_on"] == ["demining", "security_clearance"]
    listed = client.get(URL, params={"site_id": site_id}).json()["items"]
    assert [m["restoration"] for m in listed if m["id"] == bel] == [read["restoration"]]
