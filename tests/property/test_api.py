"""The property layer over HTTP: criteria and boundary on sites, the six kinds of record of a
site, monument components, validation as problem+json, the changes feed, and the report."""

import pytest

from app.property import models
from tests.factories import (
    PROPERTY_BODIES,
    PROPERTY_TABLES,
    assessment_fields,
    count_rows,
    create_assessment,
    create_component,
    create_monument,
    create_property_record,
    create_site,
    monument_fields,
    site_fields,
)

PROBLEM = "application/problem+json"
# A square around Palmyra's ancient city (longitude, latitude).
BOUNDARY = {
    "type": "Polygon",
    "coordinates": [
        [[38.25, 34.54], [38.29, 34.54], [38.29, 34.56], [38.25, 34.56], [38.25, 34.54]]
    ],
}
# A bow tie: its ring crosses itself, so it encloses no valid area.
BOW_TIE = {
    "type": "Polygon",
    "coordinates": [
        [[38.25, 34.54], [38.29, 34.56], [38.29, 34.54], [38.25, 34.56], [38.25, 34.54]]
    ],
}
# Changes each kind accepts in a PATCH.
PATCHES = {
    "attributes": {"description": "The cella in its walled courtyard."},
    "factors": {"status": "potential"},
    "corrective-measures": {"status": "in_progress", "started_on": "2023-01-01"},
    "benchmarks": {"status": "partly_met", "evidence": "Mission in April 2016."},
    "decisions": {"text": "Inscribes the property on the Danger List."},
    "missions": {"findings": "The arch destroyed."},
}


def test_a_site_takes_its_criteria_in_order_and_a_boundary_checked_by_shapely(client, auth):
    body = site_fields(criteria=["iv", "i", "ii"], boundary=BOUNDARY, buffer_zone=BOUNDARY)
    created = client.post("/api/v1/sites", json=body, headers=auth("staff"))

    assert created.status_code == 201, created.text
    assert created.json()["criteria"] == ["i", "ii", "iv"]
    assert created.json()["boundary"] == BOUNDARY

    crossed = client.post(
        "/api/v1/sites", json=site_fields(name="Bosra", boundary=BOW_TIE), headers=auth("staff")
    )
    assert crossed.status_code == 422
    assert crossed.headers["content-type"] == PROBLEM
    assert "Self-intersection" in crossed.text
    assert crossed.json()["errors"][0]["loc"][:2] == ["body", "boundary"]

    far = {"type": "Polygon", "coordinates": [[[0, 0], [500, 0], [500, 1], [0, 0]]]}
    outside = client.post(
        "/api/v1/sites", json=site_fields(name="Bosra", boundary=far), headers=auth("staff")
    )
    assert outside.status_code == 422
    assert "longitude -180..180" in outside.text

    unknown = client.post(
        "/api/v1/sites", json=site_fields(name="Bosra", criteria=["xi"]), headers=auth("staff")
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"][:2] == ["body", "criteria"]


@pytest.mark.parametrize("kind", sorted(PROPERTY_BODIES))
def test_staff_record_read_list_and_change_each_kind_and_the_feed_tells(
    client, auth, database, kind
):
    site_id = create_site(database)
    url = f"/api/v1/sites/{site_id}/{kind}"

    refused = client.post(url, json=PROPERTY_BODIES[kind], headers=auth("field"))
    assert refused.status_code == 403
    created = client.post(url, json=PROPERTY_BODIES[kind], headers=auth("staff"))
    assert created.status_code == 201, created.text
    record = created.json()
    assert created.headers["location"] == f"/api/v1/{kind}/{record['id']}"
    assert record["site_id"] == site_id

    read = client.get(created.headers["location"])
    assert read.json() == record
    listed = client.get(url).json()
    assert [item["id"] for item in listed["items"]] == [record["id"]]

    stale = client.patch(
        created.headers["location"],
        json=PATCHES[kind],
        headers=auth("staff") | {"If-Match": '"stale"'},
    )
    assert stale.status_code == 412
    changed = client.patch(
        created.headers["location"],
        json=PATCHES[kind],
        headers=auth("staff") | {"If-Match": read.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert {k: changed.json()[k] for k in PATCHES[kind]} == PATCHES[kind]

    feed = client.get("/api/v1/changes", params={"limit": 200}).json()["items"]
    mine = [e for e in feed if e["href"] == created.headers["location"]]
    assert [e["action"] for e in mine] == ["create", "update"]


def test_a_factor_names_a_listed_code_and_only_records_of_its_own_site(client, auth, database):
    site_id = create_site(database)
    other_site = create_site(database, name="Bosra")
    foreign = create_monument(database, other_site)
    url = f"/api/v1/sites/{site_id}/factors"

    unknown = client.post(url, json={"code": "dragons", "status": "current"}, headers=auth("staff"))
    assert unknown.status_code == 422
    assert unknown.headers["content-type"] == PROBLEM
    assert "standard-factors" in unknown.text

    elsewhere = client.post(
        url,
        json={"code": "war", "status": "current", "monument_ids": [foreign], "source_ids": []},
        headers=auth("staff"),
    )
    assert elsewhere.status_code == 422
    assert elsewhere.headers["content-type"] == PROBLEM
    assert elsewhere.json()["errors"][0]["loc"] == ["body", "monument_ids", 0]

    no_source = client.post(
        url, json={"code": "war", "status": "current", "source_ids": [999]}, headers=auth("staff")
    )
    assert no_source.status_code == 422
    assert count_rows(database, models.PropertyFactor) == 0


def test_the_standard_list_has_its_fourteen_primary_factors(client):
    listing = client.get("/api/v1/standard-factors").json()["primary"]
    assert [p["code"] for p in listing] == [str(n) for n in range(1, 15)]
    other_human = next(p for p in listing if p["code"] == "9")
    assert "war" in [s["code"] for s in other_human["secondary"]]


def test_a_potential_factor_never_counts_as_current(client, auth, database):
    site_id = create_site(database)
    monument_id = create_monument(database, site_id)
    attribute_id = create_property_record(
        database, site_id, "attributes", monument_ids=[monument_id]
    )
    create_property_record(
        database, site_id, "factors", monument_ids=[monument_id], attribute_ids=[attribute_id]
    )
    potential = create_property_record(
        database,
        site_id,
        "factors",
        code="housing",
        status="potential",
        monument_ids=[monument_id],
        attribute_ids=[attribute_id],
    )
    # Derived from disturbances and not yet confirmed by staff: not reported at all.
    create_property_record(database, site_id, "factors", code="illegal_activities", confirmed=False)
    report_url = f"/api/v1/reports/sites/{site_id}/state-of-conservation"

    report = client.get(report_url).json()

    assert [(f["code"], f["status"]) for f in report["factors"]] == [
        ("war", "current"),
        ("housing", "potential"),
    ]
    assert report["summary"]["factors_current"] == 1
    assert report["summary"]["factors_potential"] == 1
    (monument,) = report["monuments"]
    assert monument["current_factor_codes"] == ["war"]
    assert monument["potential_factor_codes"] == ["housing"]
    (attribute,) = report["attributes"]
    assert attribute["current_factor_codes"] == ["war"]
    assert attribute["potential_factor_codes"] == ["housing"]
    html = client.get(report_url, params={"format": "html"}).text
    current_list = html.split('data-status="current"')[1].split("</ul>")[0]
    assert "Housing" not in current_list and "War" in current_list

    # Once staff mark it current, it counts: the test above could fail.
    etag = client.get(f"/api/v1/factors/{potential}").headers["etag"]
    client.patch(
        f"/api/v1/factors/{potential}",
        json={"status": "current"},
        headers=auth("staff") | {"If-Match": etag},
    )
    assert client.get(report_url).json()["summary"]["factors_current"] == 2


def test_a_components_destruction_shows_under_its_monument(client, auth, database):
    site_id = create_site(database)
    temple = create_monument(database, site_id, name="Temple of Bel")
    other = create_monument(database, site_id, name="Arch")
    created = client.post(
        f"/api/v1/monuments/{temple}/components", json={"name": "Cella"}, headers=auth("staff")
    )
    assert created.status_code == 201, created.text
    cella = created.json()["id"]
    gateway = create_component(database, temple, "Gateway")
    arch_part = create_component(database, other, "Central arch")
    assert [c["name"] for c in client.get(f"/api/v1/monuments/{temple}/components").json()[
        "items"
    ]] == ["Cella", "Gateway"]  # fmt: skip

    not_its_own = client.post(
        f"/api/v1/monuments/{temple}/assessments",
        json=assessment_fields(
            component_conditions=[{"component_id": arch_part, "damage_level": "destroyed"}]
        ),
        headers=auth("staff"),
    )
    assert not_its_own.status_code == 422
    assert not_its_own.headers["content-type"] == PROBLEM
    assert not_its_own.json()["errors"][0]["loc"] == [
        "body",
        "component_conditions",
        0,
        "component_id",
    ]

    create_assessment(
        database,
        temple,
        status="verified",
        damage_level="severe_damage",
        component_conditions=[
            {"component_id": cella, "damage_level": "destroyed"},
            {"component_id": gateway, "damage_level": "no_visible_damage", "note": "Stands."},
        ],
    )
    report = client.get(f"/api/v1/reports/sites/{site_id}/state-of-conservation").json()

    read = client.get(f"/api/v1/monuments/{temple}").json()
    assert [(c["name"], c["damage_level"]) for c in read["components"]] == [
        ("Cella", "destroyed"),
        ("Gateway", "no_visible_damage"),
    ]
    bel = next(m for m in report["monuments"] if m["id"] == temple)
    assert [(c["name"], c["damage_level"]) for c in bel["components"]] == [
        ("Cella", "destroyed"),
        ("Gateway", "no_visible_damage"),
    ]
    assert bel["condition"]["damage_level"] == "severe_damage"
    html = client.get(
        f"/api/v1/reports/sites/{site_id}/state-of-conservation", params={"format": "html"}
    ).text
    row = html.split(f'data-monument-id="{temple}"')[1].split("</tr>")[0]
    assert "Cella: " in row and "destroyed" in row.split("Cella: ")[1]


def test_disturbances_and_causes_tell_the_same_story(client, auth, database):
    monument_id = create_monument(database, create_site(database))
    url = f"/api/v1/monuments/{monument_id}/assessments"

    from_causes = client.post(url, json=assessment_fields(), headers=auth("field")).json()
    assert [(d["cause_category"], d["cause_agent"]) for d in from_causes["disturbances"]] == [
        ("conflict", "deliberate_destruction"),
        ("conflict", "explosives"),
    ]
    assert from_causes["disturbances"][0]["extent_percent"] == {"min": 90, "max": 90}

    disturbance = {
        "cause_category": "looting",
        "cause_agent": "illegal_excavation",
        "effect": "looting_pits",
        "extent_percent": {"min": 10, "max": 30},
        "certainty": "medium",
    }
    given = client.post(
        url,
        json=assessment_fields(
            causes=[],
            disturbances=[disturbance],
            overall_condition="poor",
            threats=[{"type": "looting", "probability": "high"}],
        ),
        headers=auth("field"),
    )
    assert given.status_code == 201, given.text
    assert given.json()["causes"] == ["illegal_excavation"]
    assert given.json()["overall_condition"] == "poor"

    wrong = client.post(
        url,
        json=assessment_fields(disturbances=[disturbance | {"cause_category": "natural"}]),
        headers=auth("field"),
    )
    assert wrong.status_code == 422
    assert wrong.headers["content-type"] == PROBLEM
    assert "is not of the category" in wrong.text


def test_monuments_outside_the_boundary_are_named_in_the_report(client, auth, database):
    site_id = create_site(database, boundary=BOUNDARY)
    inside = create_monument(database, site_id, lat=34.55, lon=38.27)
    outside = create_monument(database, site_id, name="Qasr al-Hayr", lat=34.39, lon=37.61)

    report = client.get(f"/api/v1/reports/sites/{site_id}/state-of-conservation").json()

    assert report["property"]["monuments_outside_boundary"] == [outside]
    assert inside not in report["property"]["monuments_outside_boundary"]


def test_a_refused_record_leaves_nothing_behind(client, auth, database):
    site_id = create_site(database)
    response = client.post(
        f"/api/v1/sites/{site_id}/missions",
        json=PROPERTY_BODIES["missions"] | {"ended_on": "2016-04-01"},
        headers=auth("staff"),
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert count_rows(database, getattr(models, PROPERTY_TABLES["missions"])) == 0


def test_a_monument_body_is_not_a_site_record(client, auth, database):
    site_id = create_site(database)
    response = client.post(
        f"/api/v1/sites/{site_id}/attributes", json=monument_fields(site_id), headers=auth("staff")
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_factors_derived_from_verified_disturbances_count_once_staff_confirm_them(
    client, auth, database
):
    site_id = create_site(database)
    monument_id = create_monument(database, site_id)
    create_assessment(database, monument_id, status="verified")  # explosives, deliberately
    create_assessment(database, monument_id, causes=["looting"])  # a draft proposes nothing
    url = f"/api/v1/sites/{site_id}/factors/derived"
    report_url = f"/api/v1/reports/sites/{site_id}/state-of-conservation"

    assert client.post(url, headers=auth("field")).status_code == 403
    proposed = client.post(url, headers=auth("staff"))

    assert proposed.status_code == 201, proposed.text
    assert sorted((f["code"], f["confirmed"], f["monument_ids"][0]) for f in proposed.json()) == [
        ("deliberate_destruction_of_heritage", False, monument_id),
        ("war", False, monument_id),
    ]
    assert client.get(report_url).json()["factors"] == []

    war = next(f for f in proposed.json() if f["code"] == "war")
    etag = client.get(f"/api/v1/factors/{war['id']}").headers["etag"]
    confirmed = client.patch(
        f"/api/v1/factors/{war['id']}",
        json={"confirmed": True},
        headers=auth("staff") | {"If-Match": etag},
    )
    assert confirmed.status_code == 200
    assert [f["code"] for f in client.get(report_url).json()["factors"]] == ["war"]
    # Proposed once: a second run finds both recorded already.
    assert client.post(url, headers=auth("staff")).json() == []
