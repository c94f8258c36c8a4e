"""Before/after pairs bound the damage window, which cites them; STAC Items in and out,
with a GeoTIFF made here whose georeference covers the monument."""

import numpy
import pystac
import pytest
import rasterio
from rasterio.transform import from_bounds

from app.assessments.models import ImagePair
from app.photos.models import EvidenceItem
from tests.evidence.test_kinds import satellite_record
from tests.factories import count_rows, create_assessment, create_monument
from tests.photos.test_api import upload

# Around the Temple of Bel (34.54738 N, 38.27393 E), and around Damascus.
BEL_BOUNDS = (38.270, 34.544, 38.278, 34.551)
DAMASCUS_BOUNDS = (36.270, 33.510, 36.280, 33.520)


def geotiff(path, bounds=BEL_BOUNDS, *, crs="EPSG:4326", shade=200):
    """A small RGB GeoTIFF, georeferenced to `bounds` (west, south, east, north)."""
    width = height = 64
    pixels = numpy.zeros((3, height, width), dtype="uint8")
    pixels[0, :, : width // 2] = shade
    pixels[2, :, width // 2 :] = 120
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=3,
        dtype="uint8",
        crs=crs,
        transform=from_bounds(*bounds, width, height),
        photometric="RGB",
    ) as out:
        out.write(pixels)
    return path


def stac_item_for(path, *, when="2015-08-31T08:00:00Z", href=None):
    """A STAC Item describing a GeoTIFF, made with pystac from its georeference."""
    from datetime import datetime

    with rasterio.open(path) as dataset:
        west, south, east, north = dataset.bounds
        gsd = abs(dataset.transform.a) * 111_320
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    item = pystac.Item(
        id=path.stem,
        geometry={"type": "Polygon", "coordinates": [ring]},
        bbox=[west, south, east, north],
        datetime=datetime.fromisoformat(when.replace("Z", "+00:00")),
        properties={
            "platform": "test-sat-1",
            "instruments": ["pan-sharpened"],
            "gsd": round(gsd, 2),
            "eo:cloud_cover": 3,
            "license": "CC-BY-4.0",
            "providers": [{"name": "Test Imaging", "roles": ["producer"]}],
        },
    )
    item.add_asset(
        "image",
        pystac.Asset(
            href=href or f"https://example.org/scenes/{path.name}",
            media_type=pystac.MediaType.GEOTIFF,
        ),
    )
    return item.to_dict(include_self_link=False)


def test_a_stac_item_for_a_geotiff_registers_a_satellite_item_containing_the_monument(
    client, auth, database, tmp_path
):
    monument_id = create_monument(database)
    document = stac_item_for(geotiff(tmp_path / "bel-20150831.tif"))
    response = client.post(
        f"/api/v1/monuments/{monument_id}/evidence/stac", json=document, headers=auth("field")
    )
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["kind"] == "satellite_image"
    assert item["acquired_at"].startswith("2015-08-31T08:00:00")
    assert item["sensor"] == "test-sat-1, pan-sharpened"
    assert item["provider"] == "Test Imaging"
    assert item["cloud_cover_percent"] == 3
    assert item["licence"] == "CC-BY-4.0"
    assert item["source_url"] == "https://example.org/scenes/bel-20150831.tif"
    assert item["footprint"] == document["geometry"]

    back = client.get(f"/api/v1/evidence/{item['id']}/stac")
    assert back.status_code == 200
    assert back.headers["content-type"].startswith("application/geo+json")
    stac = pystac.Item.from_dict(back.json())
    assert stac.geometry == document["geometry"]
    assert stac.datetime.isoformat().startswith("2015-08-31T08:00:00")
    assert stac.properties["gsd"] == item["resolution_m"]


def test_a_stac_item_elsewhere_or_unreadable_is_refused(client, auth, database, tmp_path):
    monument_id = create_monument(database)
    url = f"/api/v1/monuments/{monument_id}/evidence/stac"
    elsewhere = stac_item_for(geotiff(tmp_path / "damascus.tif", DAMASCUS_BOUNDS))
    refused = client.post(url, json=elsewhere, headers=auth("field"))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["type"] == "location_mismatch"
    good = stac_item_for(geotiff(tmp_path / "bel.tif"))
    negative_gsd = good | {"properties": good["properties"] | {"gsd": -1}}
    open_ring = good | {"geometry": {"type": "Polygon", "coordinates": [[[38.27, 34.54]] * 2]}}
    future = good | {"properties": good["properties"] | {"datetime": "2999-01-01T00:00:00Z"}}
    odd_providers = good | {"properties": good["properties"] | {"providers": [1, "x"]}}
    for broken in (
        {"type": "Feature"},
        {"not": "stac"},
        [],
        negative_gsd,
        open_ring,
        future,
        odd_providers,
    ):
        answer = client.post(url, json=broken, headers=auth("field"))
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    assert count_rows(database, EvidenceItem) == 0


def test_a_ground_photo_has_no_stac_item(client, auth, database):
    from tests.photos.pictures import jpeg_bytes

    monument_id = create_monument(database)
    photo = upload(client, monument_id, jpeg_bytes(), headers=auth("field")).json()
    response = client.get(f"/api/v1/evidence/{photo['evidence_id']}/stac")
    assert response.status_code == 404
    assert "satellite" in response.json()["detail"]


def test_an_uploaded_geotiff_is_georeferenced_and_must_show_the_monument(
    client, auth, database, tmp_path
):
    monument_id = create_monument(database)
    data = geotiff(tmp_path / "bel.tif").read_bytes()
    response = upload(
        client,
        monument_id,
        data,
        headers=auth("field"),
        name="bel.tif",
        content_type="image/tiff",
        kind="satellite_image",
        taken_at="2015-08-31T08:00:00Z",
        sensor="test-sat-1",
    )
    assert response.status_code == 201, response.text
    item = client.get(f"/api/v1/evidence/{response.json()['evidence_id']}").json()
    west, south, _, _ = BEL_BOUNDS
    assert item["footprint"]["coordinates"][0][0] == pytest.approx([west, south])
    elsewhere = geotiff(tmp_path / "damascus.tif", DAMASCUS_BOUNDS).read_bytes()
    refused = upload(
        client,
        monument_id,
        elsewhere,
        headers=auth("field"),
        name="damascus.tif",
        content_type="image/tiff",
        kind="satellite_image",
        taken_at="2015-08-31T08:00:00Z",
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["type"] == "location_mismatch"


def record(client, auth, monument_id, when):
    response = client.post(
        f"/api/v1/monuments/{monument_id}/evidence",
        json=satellite_record(acquired_at=when, source_url=f"https://example.org/{when[:10]}"),
        headers=auth("staff"),
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_a_pair_bounds_the_damage_window_which_cites_it(client, auth, database):
    monument_id = create_monument(database)
    before = record(client, auth, monument_id, "2015-08-27T08:00:00Z")
    after = record(client, auth, monument_id, "2015-08-31T08:00:00Z")
    assessment_id = create_assessment(database, monument_id, observed_on="2015-09-01")
    response = client.post(
        f"/api/v1/monuments/{monument_id}/image-pairs",
        json={"before_id": before, "after_id": after, "assessment_id": assessment_id},
        headers=auth("staff"),
    )
    assert response.status_code == 201, response.text
    pair = response.json()
    assert pair["before_acquired_at"].startswith("2015-08-27")
    assessment = client.get(f"/api/v1/assessments/{assessment_id}", headers=auth("staff")).json()
    assert (assessment["event_from"], assessment["event_to"]) == ("2015-08-27", "2015-08-31")

    for step, body in (("submit", None), ("review", {"decision": "verify", "note": "ok"})):
        answer = client.post(
            f"/api/v1/assessments/{assessment_id}/{step}", json=body, headers=auth("staff")
        )
        assert answer.status_code == 200, answer.text
    window = client.get(f"/api/v1/monuments/{monument_id}").json()["current_condition"][
        "damage_window"
    ]
    assert window["image_pair_id"] == pair["id"]
    assert (window["event_from"], window["event_to"]) == ("2015-08-27", "2015-08-31")
    listed = client.get(f"/api/v1/monuments/{monument_id}/image-pairs").json()
    assert [p["id"] for p in listed] == [pair["id"]]


def test_a_pair_must_be_of_images_from_above_in_time_order(client, auth, database):
    from tests.photos.pictures import jpeg_bytes

    monument_id = create_monument(database)
    url = f"/api/v1/monuments/{monument_id}/image-pairs"
    before = record(client, auth, monument_id, "2015-08-27T08:00:00Z")
    after = record(client, auth, monument_id, "2015-08-31T08:00:00Z")
    photo = upload(client, monument_id, jpeg_bytes(), headers=auth("field")).json()
    other = record(client, auth, create_monument(database), "2015-08-30T08:00:00Z")
    cases = [
        ({"before_id": after, "after_id": before}, "after_id"),
        ({"before_id": before, "after_id": photo["evidence_id"]}, "after_id"),
        ({"before_id": other, "after_id": after}, "before_id"),
        ({"before_id": before, "after_id": 2**31 - 1}, "after_id"),
    ]
    for body, field in cases:
        answer = client.post(url, json=body, headers=auth("staff"))
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["errors"][0]["loc"][-1] == field
    assert client.post(url, json={"before_id": before, "after_id": after}).status_code == 401
    assert count_rows(database, ImagePair) == 0


def test_a_pair_after_the_observation_cannot_bound_it(client, auth, database):
    monument_id = create_monument(database)
    before = record(client, auth, monument_id, "2015-08-27T08:00:00Z")
    after = record(client, auth, monument_id, "2015-09-05T08:00:00Z")
    assessment_id = create_assessment(database, monument_id, observed_on="2015-08-31")
    answer = client.post(
        f"/api/v1/monuments/{monument_id}/image-pairs",
        json={"before_id": before, "after_id": after, "assessment_id": assessment_id},
        headers=auth("staff"),
    )
    assert answer.status_code == 422
    assert count_rows(database, ImagePair) == 0


def test_only_staff_add_a_pair_to_a_reviewed_assessment(client, auth, database):
    monument_id = create_monument(database)
    before = record(client, auth, monument_id, "2015-08-27T08:00:00Z")
    after = record(client, auth, monument_id, "2015-08-31T08:00:00Z")
    assessment_id = create_assessment(database, monument_id, status="verified")
    body = {"before_id": before, "after_id": after, "assessment_id": assessment_id}
    url = f"/api/v1/monuments/{monument_id}/image-pairs"
    assert client.post(url, json=body, headers=auth("field")).status_code == 403
    assert client.post(url, json=body, headers=auth("staff")).status_code == 201
    again = client.post(url, json=body, headers=auth("staff"))
    assert again.status_code == 409
