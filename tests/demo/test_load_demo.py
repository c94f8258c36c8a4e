"""The Palmyra demo data: loads once, a second run changes nothing, and it is searchable."""

from app.audit.models import AuditEvent
from app.core.actors import command_line_actor
from app.demo import palmyra_data
from app.demo.service import load_palmyra
from app.monuments.models import Monument
from app.sites.models import Site
from tests.factories import count_rows


def load(database):
    with database.session(write=True) as session:
        return load_palmyra(session=session, grid_degrees=0.1, actor=command_line_actor())


def test_demo_loads_once_and_is_idempotent(database):
    first = load(database)
    events_after_first = count_rows(database, AuditEvent)
    second = load(database)

    assert (first.sites_added, first.monuments_added) == (1, len(palmyra_data.MONUMENTS))
    assert first.assessments_added == len(palmyra_data.DAMAGE_HISTORY)
    assert first.restorations_added >= len(palmyra_data.RESTORATION_OPINIONS)
    added_again = (
        second.sites_added,
        second.monuments_added,
        second.assessments_added,
        second.restorations_added,
    )
    assert added_again == (0, 0, 0, 0)
    assert count_rows(database, Site) == 1
    assert count_rows(database, Monument) == len(palmyra_data.MONUMENTS) >= 10
    assert count_rows(database, AuditEvent) == events_after_first


def test_the_temple_of_bel_is_found_by_name_and_its_arabic_name(client, database):
    load(database)
    by_english = client.get("/api/v1/monuments", params={"q": "Bel"}).json()["items"]
    assert "Temple of Bel" in [m["name"] for m in by_english]
    by_arabic = client.get("/api/v1/monuments", params={"q": "معبد بل"}).json()["items"]
    assert [m["name"] for m in by_arabic] == ["Temple of Bel"]


def test_palmyra_is_whc_23_in_syria_with_sources_named(client, database):
    site_id = load(database).site_id
    site = client.get(f"/api/v1/sites/{site_id}").json()
    assert (site["whc_id"], site["country"], site["inscribed_year"]) == (23, "SY", 1980)
    assert site["danger_list_year"] == 2013
    monuments = client.get("/api/v1/monuments", params={"site_id": site_id}).json()["items"]
    assert all("Source" in m["description"] for m in monuments)


def test_the_recorded_destruction_is_the_current_condition(client, database):
    site_id = load(database).site_id
    monuments = client.get("/api/v1/monuments", params={"site_id": site_id}).json()["items"]
    condition = {m["name"]: (m["current_condition"] or {}).get("damage_level") for m in monuments}
    assert condition["Temple of Bel"] == "destroyed"
    assert condition["Temple of Baalshamin"] == "destroyed"
    destroyed = client.get(
        "/api/v1/monuments", params={"site_id": site_id, "damage_level": "destroyed"}
    ).json()["items"]
    assert {"Temple of Bel", "Temple of Baalshamin"} <= {m["name"] for m in destroyed}
    assert client.get("/api/v1/audit/verify", headers={}).status_code == 401


def test_the_seed_articles_claims_are_recorded_as_opinions(client, database):
    site_id = load(database).site_id
    bel = client.get("/api/v1/monuments", params={"site_id": site_id, "q": "Temple of Bel"})
    bel_id = bel.json()["items"][0]["id"]
    opinions = client.get(f"/api/v1/monuments/{bel_id}/restoration-assessments").json()["items"]
    lamb = [o for o in opinions if o["organisation"].startswith("Franklin Lamb")]
    assert [o["restorable_percent"] for o in lamb] == [90]
    assert all(o["source"] for o in opinions)
