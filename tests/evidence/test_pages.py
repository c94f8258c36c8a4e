"""Provenance in the web pages: each evidence item's kind, dates, sensor, hash and who
recorded it; Bel's UNOSAT pair side by side; the evidence package offered on verified
assessments."""

import re

from tests.demo.test_load_demo import load
from tests.factories import create_assessment, create_monument
from tests.photos.pictures import jpeg_bytes
from tests.photos.test_api import upload


def test_bels_page_shows_the_pair_its_provenance_and_the_package_link(client, database):
    report = load(database)
    bel = report.ids["monuments", "temple_of_bel"]
    page = client.get(f"/ui/monuments/{bel}")
    assert page.status_code == 200
    html = page.text
    pair = report.ids["image_pairs", "unosat_bel_pair_2015"]
    assert f'id="image-pair-{pair}"' in html
    assert "Before and after: 2015-08-27 and 2015-08-31" in html
    for key in ("unosat_bel_2015_08_27", "unosat_bel_2015_08_31"):
        item = report.ids["evidence_items", key]
        block = html.split(f'id="evidence-{item}"')[1].split("</li>")[0]
        assert "satellite image" in block and "(the day only)" in block
        assert "UNITAR-UNOSAT" in block and "no file held here" in block
        assert "where it is published" in block
    destroyed = report.ids["damage_assessments", "bel_destroyed_unosat_2015"]
    assert f'href="/api/v1/assessments/{destroyed}/evidence-package"' in html
    assert client.get(f"/api/v1/assessments/{destroyed}/evidence-package").status_code == 200


def test_a_photos_kind_and_hash_are_on_the_page_and_drafts_offer_no_package(client, auth, database):
    monument_id = create_monument(database)
    draft = create_assessment(database, monument_id)
    photo = upload(
        client,
        monument_id,
        jpeg_bytes(),
        headers=auth("field"),
        kind="video_frame",
        video_source="https://example.org/v.mp4",
        timecode="00:02:00",
    ).json()
    page = client.get(f"/ui/photos/{photo['id']}").text
    assert "video frame" in page and photo["sha256"] in page
    monument_page = client.get(f"/ui/monuments/{monument_id}", headers=auth("staff")).text
    block = monument_page.split(f'id="evidence-{photo["evidence_id"]}"')[1].split("</li>")[0]
    assert "00:02:00" in block and photo["sha256"] in block
    assert re.search(r"Recorded by</dt><dd><bdi dir=\"auto\">field", block)
    assert f"/api/v1/assessments/{draft}/evidence-package" not in monument_page
