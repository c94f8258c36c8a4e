"""The demo's UNOSAT pair of the Temple of Bel: two records of published images, no image
shipped, bounding and cited by Bel's damage window."""

import io
import json
import zipfile

from app.photos.models import Photo
from tests.demo.test_load_demo import demo_records, load
from tests.factories import count_rows


def test_bels_unosat_pair_of_27_and_31_august_2015_bounds_its_damage_window(client, database):
    report = load(database)
    bel = report.ids["monuments", "temple_of_bel"]
    before = client.get(f"/api/v1/evidence/{report.ids['evidence_items', 'unosat_bel_2015_08_27']}")
    after = client.get(f"/api/v1/evidence/{report.ids['evidence_items', 'unosat_bel_2015_08_31']}")
    for answer, day in ((before, "2015-08-27"), (after, "2015-08-31")):
        item = answer.json()
        assert item["kind"] == "satellite_image"
        assert item["acquired_at"].startswith(day) and item["acquired_precision"] == "day"
        assert item["photo_id"] is None and item["sha256"] is None  # nothing shipped
        assert item["source_url"].startswith("https://")
        assert item["provider"] == "UNITAR-UNOSAT"
        assert item["sources"], "every demo fact carries its source"
    assert count_rows(database, Photo) == 0

    pair_id = report.ids["image_pairs", "unosat_bel_pair_2015"]
    window = client.get(f"/api/v1/monuments/{bel}").json()["current_condition"]["damage_window"]
    assert window["image_pair_id"] == pair_id
    assert (window["event_from"], window["event_to"]) == ("2015-08-27", "2015-08-31")
    pairs = client.get(f"/api/v1/monuments/{bel}/image-pairs").json()
    assert [(p["id"], p["assessment_id"]) for p in pairs] == [
        (pair_id, report.ids["damage_assessments", "bel_destroyed_unosat_2015"])
    ]

    stac = client.get(f"{before.json()['links']['stac']}").json()
    assert stac["properties"]["datetime"] is None
    assert stac["properties"]["start_datetime"] == "2015-08-27T00:00:00Z"
    assert stac["properties"]["end_datetime"] == "2015-08-27T23:59:59Z"


def test_the_demo_assessment_package_names_the_pair_and_verifies(client, database, tmp_path):
    from tests.evidence.test_package import verify

    report = load(database)
    assessment = report.ids["damage_assessments", "bel_destroyed_unosat_2015"]
    answer = client.get(f"/api/v1/assessments/{assessment}/evidence-package")
    assert answer.status_code == 200, answer.text
    with zipfile.ZipFile(io.BytesIO(answer.content)) as archive:
        crate = json.loads(archive.read("ro-crate-metadata.json"))
    names = {entity.get("name") for entity in crate["@graph"]}
    assert "Temple of Bel, satellite image of 27 August 2015 (before)" in names
    assert any(e["@type"] == "Collection" for e in crate["@graph"])
    assert verify(tmp_path, answer.content).returncode == 0


def test_every_demo_evidence_item_is_a_record_without_a_file():
    for record in demo_records("evidence_items"):
        assert record["source_url"].startswith("https://")
        assert "file" not in record
