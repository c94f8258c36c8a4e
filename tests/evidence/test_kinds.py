"""Evidence kinds: a photo is a ground photo unless told otherwise, a video frame keeps its
timecode, a published satellite image is a record pointing to where it is published."""

from app.photos.models import EvidenceItem
from tests.factories import count_rows, create_monument
from tests.photos.pictures import jpeg_bytes
from tests.photos.test_api import upload

BEL_FOOTPRINT = {
    "type": "Polygon",
    "coordinates": [
        [[38.270, 34.544], [38.278, 34.544], [38.278, 34.551], [38.270, 34.551], [38.270, 34.544]]
    ],
}


def satellite_record(**overrides):
    return {
        "kind": "satellite_image",
        "title": "Temple of Bel, 31 August 2015",
        "acquired_at": "2015-08-31T08:00:00Z",
        "provider": "Airbus DS",
        "resolution_m": 0.5,
        "cloud_cover_percent": 0,
        "footprint": BEL_FOOTPRINT,
        "licence": "All rights reserved",
        "source_url": "https://example.org/unosat/bel-20150831",
    } | overrides


def test_an_uploaded_photo_is_a_ground_photo_evidence_item(client, auth, database):
    monument_id = create_monument(database)
    response = upload(client, monument_id, jpeg_bytes(), headers=auth("field"))
    assert response.status_code == 201, response.text
    photo = response.json()
    assert photo["kind"] == "ground_photo"
    item = client.get(f"/api/v1/evidence/{photo['evidence_id']}").json()
    assert item["kind"] == "ground_photo"
    assert item["photo_id"] == photo["id"]
    assert item["sha256"] == photo["sha256"]
    assert client.get(f"/api/v1/photos/{photo['id']}").json()["evidence_id"] == item["id"]


def test_a_video_frame_is_accepted_with_its_video_and_timecode(client, auth, database):
    monument_id = create_monument(database)
    response = upload(
        client,
        monument_id,
        jpeg_bytes(),
        headers=auth("field"),
        kind="video_frame",
        video_source="https://example.org/videos/palmyra-drone-2016.mp4",
        timecode="00:01:23.500",
        taken_at="2016-03-27T10:00:00Z",
    )
    assert response.status_code == 201, response.text
    assert response.json()["kind"] == "video_frame"
    item = client.get(f"/api/v1/evidence/{response.json()['evidence_id']}").json()
    assert item["timecode"] == "00:01:23.500"
    assert item["video_source"] == "https://example.org/videos/palmyra-drone-2016.mp4"
    assert item["acquired_at"].startswith("2016-03-27T10:00:00")


def test_a_video_frame_without_its_timecode_is_refused_and_nothing_is_stored(
    client, auth, database
):
    monument_id = create_monument(database)
    response = upload(
        client,
        monument_id,
        jpeg_bytes(),
        headers=auth("field"),
        kind="video_frame",
        video_source="https://example.org/v.mp4",
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "timecode" in response.json()["detail"]
    bad_timecode = upload(
        client,
        monument_id,
        jpeg_bytes(),
        headers=auth("field"),
        kind="video_frame",
        video_source="https://example.org/v.mp4",
        timecode="1 minute in",
    )
    assert bad_timecode.status_code == 422
    assert count_rows(database, EvidenceItem) == 0


def test_a_fact_of_another_kind_is_refused(client, auth, database):
    monument_id = create_monument(database)
    response = upload(client, monument_id, jpeg_bytes(), headers=auth("field"), timecode="00:00:01")
    assert response.status_code == 422
    assert "timecode applies to video_frame" in response.json()["detail"]


def test_a_published_satellite_image_is_a_record_with_its_facts(client, auth, database):
    monument_id = create_monument(database)
    response = client.post(
        f"/api/v1/monuments/{monument_id}/evidence",
        json=satellite_record(),
        headers=auth("staff"),
    )
    assert response.status_code == 201, response.text
    item = response.json()
    assert item["photo_id"] is None and item["sha256"] is None
    assert item["acquired_at"].startswith("2015-08-31T08:00:00")
    assert item["footprint"]["type"] == "Polygon"
    assert item["links"]["published"] == "https://example.org/unosat/bel-20150831"
    listed = client.get(f"/api/v1/monuments/{monument_id}/evidence").json()["items"]
    assert [i["id"] for i in listed] == [item["id"]]


def test_a_satellite_record_needs_its_acquisition_time_and_its_source(client, auth, database):
    monument_id = create_monument(database)
    url = f"/api/v1/monuments/{monument_id}/evidence"
    no_time = satellite_record()
    del no_time["acquired_at"]
    assert client.post(url, json=no_time, headers=auth("staff")).status_code == 422
    no_source = satellite_record()
    del no_source["source_url"]
    answer = client.post(url, json=no_source, headers=auth("staff"))
    assert answer.status_code == 422
    assert "source_url" in answer.json()["detail"]
    assert count_rows(database, EvidenceItem) == 0


def test_a_footprint_that_misses_the_monument_is_refused(client, auth, database):
    monument_id = create_monument(database)
    damascus = {
        "type": "Polygon",
        "coordinates": [[[36.27, 33.51], [36.28, 33.51], [36.28, 33.52], [36.27, 33.51]]],
    }
    response = client.post(
        f"/api/v1/monuments/{monument_id}/evidence",
        json=satellite_record(footprint=damascus),
        headers=auth("staff"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "location_mismatch"
    assert count_rows(database, EvidenceItem) == 0


def test_a_sensitive_monuments_footprint_is_withheld_from_the_public(client, auth, database):
    monument_id = create_monument(database, sensitive=True)
    created = client.post(
        f"/api/v1/monuments/{monument_id}/evidence",
        json=satellite_record(),
        headers=auth("staff"),
    ).json()
    for role in (None, "partner"):
        shown = client.get(f"/api/v1/evidence/{created['id']}", headers=auth(role)).json()
        assert shown["footprint"] is None and shown["location_withheld"] is True
        stac = client.get(f"/api/v1/evidence/{created['id']}/stac", headers=auth(role)).json()
        assert stac["geometry"] is None and "bbox" not in stac
    shown = client.get(f"/api/v1/evidence/{created['id']}", headers=auth("field")).json()
    assert shown["footprint"] == BEL_FOOTPRINT


def test_anonymous_and_partner_callers_cannot_record_evidence(client, auth, database):
    monument_id = create_monument(database)
    url = f"/api/v1/monuments/{monument_id}/evidence"
    assert client.post(url, json=satellite_record()).status_code == 401
    assert client.post(url, json=satellite_record(), headers=auth("partner")).status_code == 403
