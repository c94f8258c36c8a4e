"""The Palmyra demo data: loads once through the records importer, a second run changes
nothing, every record cites its sources, and it is searchable."""

import yaml
from sqlmodel import select

from app.assessments.models import DamageAssessment
from app.audit.models import AuditEvent
from app.core.actors import command_line_actor
from app.demo import PALMYRA
from app.imports import records
from app.monuments.models import Monument
from app.sites.models import Site
from app.sources.models import Source
from tests.factories import count_rows


def load(database) -> records.RecordsReport:
    with database.session(write=True) as session:
        report = records.import_records(
            session=session, paths=[PALMYRA], grid_degrees=0.1, actor=command_line_actor()
        )
    assert report.problems == []
    return report


def demo_records(kind: str) -> list[dict]:
    """The records of one kind in the bundled files."""
    found = []
    for path in sorted(PALMYRA.glob("*.yaml")):
        found += yaml.safe_load(path.read_text(encoding="utf-8")).get(kind, [])
    return found


def site_id(report: records.RecordsReport) -> int:
    return report.ids["sites", "palmyra"]


def test_demo_loads_once_and_is_idempotent(database):
    first = load(database)
    events_after_first = count_rows(database, AuditEvent)
    second = load(database)

    tallies = first.tallies
    assert tallies["sources"].added == len(demo_records("sources")) == count_rows(database, Source)
    assert tallies["sites"].added == 1
    assert tallies["monuments"].added == len(demo_records("monuments")) >= 10
    assert tallies["damage_assessments"].added == len(demo_records("damage_assessments"))
    opinions = demo_records("restoration_assessments")
    rows = sum(len(o.get("monuments", [o.get("monument")])) for o in opinions)
    assert tallies["restoration_assessments"].added == rows >= len(opinions)
    assert all(t.added == t.updated == 0 for t in second.tallies.values())
    assert count_rows(database, Site) == 1
    assert count_rows(database, Monument) == len(demo_records("monuments"))
    assert count_rows(database, AuditEvent) == events_after_first


def test_every_demo_record_cites_a_source_of_the_files(database):
    keys = {source["key"] for source in demo_records("sources")}
    for kind in ("sites", "monuments", "damage_assessments", "restoration_assessments"):
        for record in demo_records(kind):
            assert record["sources"], (kind, record)
            assert set(record["sources"]) <= keys, (kind, record)


def test_the_temple_of_bel_is_found_by_name_and_its_arabic_name(client, database):
    load(database)
    by_english = client.get("/api/v1/monuments", params={"q": "Bel"}).json()["items"]
    assert "Temple of Bel" in [m["name"] for m in by_english]
    by_arabic = client.get("/api/v1/monuments", params={"q": "معبد بل"}).json()["items"]
    assert [m["name"] for m in by_arabic] == ["Temple of Bel"]


def test_palmyra_is_whc_23_in_syria_with_sources_named(client, database):
    report = load(database)
    site = client.get(f"/api/v1/sites/{site_id(report)}").json()
    assert (site["whc_id"], site["country"], site["inscribed_year"]) == (23, "SY", 1980)
    assert site["danger_list_year"] == 2013
    assert "https://whc.unesco.org/en/list/23/" in site["description"]
    monuments = client.get("/api/v1/monuments", params={"site_id": site_id(report)}).json()
    assert all("Source" in m["description"] for m in monuments["items"])


def test_the_recorded_destruction_is_the_current_condition(client, database):
    report = load(database)
    params = {"site_id": site_id(report)}
    monuments = client.get("/api/v1/monuments", params=params).json()["items"]
    condition = {m["name"]: (m["current_condition"] or {}).get("damage_level") for m in monuments}
    assert condition["Temple of Bel"] == "destroyed"
    assert condition["Temple of Baalshamin"] == "destroyed"
    destroyed = client.get(
        "/api/v1/monuments", params=params | {"damage_level": "destroyed"}
    ).json()["items"]
    assert {"Temple of Bel", "Temple of Baalshamin"} <= {m["name"] for m in destroyed}
    assert client.get("/api/v1/audit/verify", headers={}).status_code == 401


def test_each_observation_cites_its_source_record(client, database):
    report = load(database)
    bel_id = report.ids["monuments", "temple_of_bel"]
    history = client.get(f"/api/v1/monuments/{bel_id}/assessments").json()["items"]
    unosat = [a for a in history if a["observed_on"] == "2015-08-31"]
    assert [a["sources"][0]["title"] for a in unosat] == [
        "Satellite image shows Palmyra temple destruction"
    ]
    assert unosat[0]["source_ids"] == [report.ids["sources", "ap_unosat_bel"]]
    assert "english.alarabiya.net" in unosat[0]["source"]
    with database.session(write=False) as session:
        statuses = set(session.exec(select(DamageAssessment.status)).all())
    assert statuses == {"verified"}


def test_the_seed_articles_claims_are_recorded_as_opinions(client, database):
    report = load(database)
    bel_id = report.ids["monuments", "temple_of_bel"]
    opinions = client.get(f"/api/v1/monuments/{bel_id}/restoration-assessments").json()["items"]
    lamb = [o for o in opinions if o["organisation"].startswith("Franklin Lamb")]
    assert [o["restorable_percent"] for o in lamb] == [90]
    assert [s["id"] for s in lamb[0]["sources"]] == [report.ids["sources", "seed_rt_2016"]]
    assert all(o["source"] and o["source_ids"] for o in opinions)
