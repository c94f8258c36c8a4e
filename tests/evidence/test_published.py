"""Every evidence kind reaches the changes feed, OAI-PMH, IIIF and the offline bundle, with
a sensitive monument's footprint kept from anonymous and partner readers."""

import io
import json
import zipfile

import pytest

from tests.factories import (
    create_monument,
    create_site,
    footprint_around,
    satellite_fields,
)
from tests.photos.pictures import jpeg_bytes
from tests.photos.test_api import upload

KINDS = {
    "ground_photo": {},
    "drone_image": {"altitude_m": "120", "heading_deg": "90"},
    "video_frame": {"video_source": "https://example.org/v.mp4", "timecode": "00:00:12"},
    "document_scan": {},
    "satellite_image": {"taken_at": "2015-08-31T08:00:00Z", "sensor": "test-sat-1"},
}
# A sensitive monument's exact position, digits found nowhere else.
LAT, LON = 34.5473917, 38.2739461


@pytest.fixture
def every_kind(client, auth, database):
    """A sensitive monument with one uploaded item of each kind and a satellite record
    whose footprint holds the exact digits; its site id, monument id and evidence ids."""
    site_id = create_site(database)
    monument_id = create_monument(database, site_id, sensitive=True, lat=LAT, lon=LON)
    ids = {}
    for number, (kind, fields) in enumerate(KINDS.items()):
        answer = upload(
            client,
            monument_id,
            jpeg_bytes(quality=60 + number),
            headers=auth("field"),
            kind=kind,
            **fields,
        )
        assert answer.status_code == 201, answer.text
        ids[kind] = answer.json()["evidence_id"]
    record = client.post(
        f"/api/v1/monuments/{monument_id}/evidence",
        json=satellite_fields(footprint=footprint_around(LAT, LON)),
        headers=auth("staff"),
    )
    assert record.status_code == 201, record.text
    ids["record"] = record.json()["id"]
    return site_id, monument_id, ids


def test_every_kind_is_in_the_changes_feed(client, auth, every_kind):
    _, _, ids = every_kind
    items = client.get("/api/v1/changes", params={"limit": 200}, headers=auth("partner")).json()
    published = {i["entity_id"] for i in items["items"] if i["entity_type"] == "evidence_item"}
    assert published == set(ids.values())
    assert str(LAT) not in json.dumps(items) and "2739461" not in json.dumps(items)


def test_every_kind_is_related_in_the_oai_record(client, every_kind):
    _, monument_id, ids = every_kind
    answer = client.get(
        "/oai",
        params={
            "verb": "GetRecord",
            "metadataPrefix": "oai_dc",
            "identifier": f"oai:heritage-registry.example:monument/{monument_id}",
        },
    )
    assert answer.status_code == 200
    for evidence_id in ids.values():
        assert f"/api/v1/evidence/{evidence_id}</dc:relation>" in answer.text
    assert "1 video frame" in answer.text and "2 satellite image" in answer.text
    assert "2739461" not in answer.text


def test_every_kind_with_an_image_is_a_canvas_that_names_its_kind(client, every_kind):
    _, monument_id, _ = every_kind
    manifest = client.get(f"/iiif/monuments/{monument_id}/manifest").json()
    kinds = [
        value["none"][0]
        for canvas in manifest["items"]
        for entry in canvas.get("metadata", [])
        if entry["label"]["en"] == ["Evidence kind"]
        for value in [entry["value"]]
    ]
    assert sorted(kinds) == sorted(KINDS)
    assert "00:00:12" in json.dumps(manifest)


def test_a_pair_of_held_images_is_a_range_of_two_canvases(client, auth, database, tmp_path):
    from tests.evidence.test_pairs_and_stac import geotiff

    monument_id = create_monument(database)
    evidence_ids = []
    for day, shade in (("27", 200), ("31", 90)):
        answer = upload(
            client,
            monument_id,
            geotiff(tmp_path / f"bel-{day}.tif", shade=shade).read_bytes(),
            headers=auth("field"),
            name=f"bel-{day}.tif",
            content_type="image/tiff",
            kind="satellite_image",
            taken_at=f"2015-08-{day}T08:00:00Z",
        )
        assert answer.status_code == 201, answer.text
        evidence_ids.append(answer.json()["evidence_id"])
    pair = client.post(
        f"/api/v1/monuments/{monument_id}/image-pairs",
        json={"before_id": evidence_ids[0], "after_id": evidence_ids[1]},
        headers=auth("staff"),
    )
    assert pair.status_code == 201, pair.text
    manifest = client.get(f"/iiif/monuments/{monument_id}/manifest").json()
    (structure,) = manifest["structures"]
    assert structure["type"] == "Range"
    assert [c["id"] for c in structure["items"]] == [c["id"] for c in manifest["items"]]


@pytest.mark.parametrize("role", [None, "partner", "field"])
def test_every_kind_is_in_the_offline_bundle_with_footprints_for_field_teams_only(
    client, auth, every_kind, role
):
    site_id, _, ids = every_kind
    answer = client.get(f"/api/v1/sites/{site_id}/bundle", headers=auth(role))
    assert answer.status_code == 200
    with zipfile.ZipFile(io.BytesIO(answer.content)) as bundle:
        items = json.loads(bundle.read("evidence.json"))
    assert {item["id"]: item["kind"] for item in items} == {
        evidence_id: ("satellite_image" if name == "record" else name)
        for name, evidence_id in ids.items()
    }
    record = next(item for item in items if item["id"] == ids["record"])
    if role == "field":
        assert record["footprint"] == footprint_around(LAT, LON)
    else:
        assert record["footprint"] is None and record["location_withheld"] is True
        assert "2739461" not in json.dumps(items)
