"""IIIF Presentation 3 manifests: a viewer can show a monument's photos in order."""

import io

from iiif_prezi3 import Manifest
from PIL import Image

from tests.core.test_errors import assert_problem
from tests.factories import create_monument
from tests.photos.pictures import exif, jpeg_bytes, two_colour_image

VIEWER_ORIGIN = "https://viewer.example.org"


def upload(client, auth, monument_id: int, data: bytes, **fields: str) -> dict:
    response = client.post(
        f"/api/v1/monuments/{monument_id}/photos",
        files={"file": ("photo.jpg", data, "image/jpeg")},
        data=fields,
        headers=auth("field"),
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_manifest_lists_each_photo_as_a_valid_canvas(client, auth, database):
    monument_id = create_monument(database, name="Temple of Bel", alt_names=["معبد بل"])
    upright = upload(
        client, auth, monument_id, jpeg_bytes(exif_data=exif()), caption="The gate, from the west"
    )
    # A 2000×1000 picture taken with the camera turned (EXIF orientation 6): shown 1000×2000.
    turned = upload(
        client,
        auth,
        monument_id,
        jpeg_bytes(two_colour_image((2000, 1000)), exif_data=exif(orientation=6)),
    )

    response = client.get(
        f"/iiif/monuments/{monument_id}/manifest", headers={"Origin": VIEWER_ORIGIN}
    )

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    assert document["@context"] == "http://iiif.io/api/presentation/3/context.json"
    Manifest(**document)  # the iiif-prezi3 model accepts it: it is valid Presentation 3
    # Names by language: the Arabic one detected from its script, the other not known.
    assert document["label"] == {"none": ["Temple of Bel"], "ar": ["معبد بل"]}
    canvases = document["items"]
    assert [c["label"] for c in canvases] == [
        {"none": ["The gate, from the west"]},
        {"none": [f"Photo {turned['id']}"]},
    ]
    first, second = canvases
    painting = first["items"][0]["items"][0]
    assert painting["motivation"] == "painting"
    assert painting["target"] == first["id"]
    assert painting["body"]["id"].endswith(f"/api/v1/photos/{upright['id']}/preview")
    assert first["thumbnail"][0]["id"].endswith(f"/api/v1/photos/{upright['id']}/thumbnail")
    assert first["navDate"] == "2016-03-27T07:15:00Z"  # 10:15 at +03:00
    assert (second["width"], second["height"]) == (1000, 2000)
    body = second["items"][0]["items"][0]["body"]
    assert (body["width"], body["height"]) == (800, 1600)

    # The sizes it announces are those of the files it links to.
    preview = client.get(body["id"].split("testserver")[-1])
    assert Image.open(io.BytesIO(preview.content)).size == (800, 1600)


def test_a_monument_without_photos_has_no_manifest(client, database):
    # Presentation 3 requires at least one Canvas: no empty manifest is ever served.
    monument_id = create_monument(database)
    response = client.get(f"/iiif/monuments/{monument_id}/manifest")
    assert_problem(response, 404)
    assert "at least one canvas" in response.json()["detail"]


def test_a_manifest_revalidates(client, auth, database):
    monument_id = create_monument(database)
    upload(client, auth, monument_id, jpeg_bytes())
    response = client.get(f"/iiif/monuments/{monument_id}/manifest")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 1
    again = client.get(
        f"/iiif/monuments/{monument_id}/manifest",
        headers={"If-None-Match": response.headers["etag"]},
    )
    assert again.status_code == 304


def test_the_licence_is_in_rights_and_the_required_statement(client, auth, database):
    monument_id = create_monument(database)
    upload(client, auth, monument_id, jpeg_bytes(), license="CC-BY-SA-4.0", photographer="A. B.")
    upload(
        client, auth, monument_id, jpeg_bytes(two_colour_image((300, 500))), license="CC-BY-SA-4.0"
    )

    document = client.get(f"/iiif/monuments/{monument_id}/manifest").json()

    Manifest(**document)
    assert document["rights"] == "http://creativecommons.org/licenses/by-sa/4.0/"
    assert document["requiredStatement"]["value"] == {"none": ["CC-BY-SA-4.0"]}
    first, second = document["items"]
    assert first["rights"] == second["rights"] == document["rights"]
    assert first["requiredStatement"]["value"] == {"none": ["CC-BY-SA-4.0, A. B."]}


def test_every_manifest_the_demo_serves_has_a_canvas(client, palmyra, auth):
    report = palmyra
    monument_ids = sorted(i for (kind, _), i in report.ids.items() if kind == "monuments")
    upload(client, auth, monument_ids[0], jpeg_bytes())
    statuses = {}
    for monument_id in monument_ids:
        response = client.get(f"/iiif/monuments/{monument_id}/manifest")
        statuses[monument_id] = response.status_code
        if response.status_code == 200:
            Manifest(**response.json())
            assert len(response.json()["items"]) >= 1
        else:
            assert_problem(response, 404)
    assert statuses[monument_ids[0]] == 200 and len(statuses) >= 10


def test_viewers_on_other_sites_may_load_manifests_and_images(client, auth, database):
    monument_id = create_monument(database)
    photo = upload(client, auth, monument_id, jpeg_bytes())
    for path in (
        f"/iiif/monuments/{monument_id}/manifest",
        f"/api/v1/photos/{photo['id']}/preview",
        f"/api/v1/photos/{photo['id']}/thumbnail",
    ):
        preflight = client.options(
            path,
            headers={
                "Origin": VIEWER_ORIGIN,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "if-none-match",
            },
        )
        assert preflight.status_code == 200, (path, preflight.text)
        assert preflight.headers["access-control-allow-origin"] == "*"
        assert "GET" in preflight.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in preflight.headers
        loaded = client.get(path, headers={"Origin": VIEWER_ORIGIN})
        assert loaded.status_code == 200
        assert loaded.headers["access-control-allow-origin"] == "*"
        assert "ETag" in loaded.headers["access-control-expose-headers"]
    # The originals and the rest of the API stay closed to other sites by default.
    original = client.get(
        f"/api/v1/photos/{photo['id']}/original", headers={"Origin": VIEWER_ORIGIN}
    )
    assert "access-control-allow-origin" not in original.headers


def test_manifest_of_unknown_or_deleted_monuments(client, auth, database):
    assert client.get("/iiif/monuments/999999/manifest").status_code == 404
    monument_id = create_monument(database)
    client.delete(f"/api/v1/monuments/{monument_id}", headers=auth("admin"))
    assert client.get(f"/iiif/monuments/{monument_id}/manifest").status_code == 410
