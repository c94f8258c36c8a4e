"""Photo evidence over HTTP: uploads from the field, provenance, dedupe, refusals, sensitivity."""

import hashlib
import io
import re

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.audit.models import AuditEvent
from app.main import create_app
from app.photos.images import haversine_m
from app.photos.models import Photo, PhotoUploadKey
from tests.factories import (
    count_rows,
    create_assessment,
    create_monument,
    create_site,
    create_source,
)
from tests.photos.pictures import (
    BEL,
    DAMASCUS,
    MUSEUM,
    exif,
    image_bytes,
    jpeg_bytes,
    png_bomb,
    two_colour_image,
)

JPEG_INFO_KEYS = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi"}


def photos_url(monument_id: int) -> str:
    return f"/api/v1/monuments/{monument_id}/photos"


def upload(
    client: TestClient,
    monument_id: int,
    data: bytes,
    *,
    headers: dict[str, str],
    name: str = "IMG_0042.jpg",
    content_type: str = "image/jpeg",
    **fields: str,
):
    return client.post(
        photos_url(monument_id),
        files={"file": (name, data, content_type)},
        data=fields,
        headers=headers,
    )


def assert_nothing_stored(api, database) -> None:
    assert count_rows(database, Photo) == 0
    assert count_rows(database, PhotoUploadKey) == 0
    with database.session(write=False) as session:
        from sqlmodel import select

        events = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "photo")).all()
    assert events == []
    assert api.stored_keys() == set()


def no_metadata(data: bytes) -> None:
    """A derivative carries no EXIF, GPS, XMP, ICC profile or comment."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG"
    assert set(image.info) <= JPEG_INFO_KEYS, image.info.keys()
    assert len(image.getexif()) == 0
    assert b"Exif" not in data and b"http://ns.adobe.com/xap" not in data
    assert b"ICC_PROFILE" not in data


def test_a_field_team_photo_keeps_its_bytes_camera_facts_and_position(api, auth, database):
    monument_id = create_monument(database)
    original = jpeg_bytes(exif_data=exif(gps=MUSEUM, orientation=6))

    response = upload(
        api.client,
        monument_id,
        original,
        headers=auth("field"),
        caption="East gate after the explosion",
        photographer="Khaled",
        license="CC-BY-4.0",
    )

    assert response.status_code == 201, response.text
    photo = response.json()
    assert response.headers["location"] == f"/api/v1/photos/{photo['id']}"
    assert photo["duplicate"] is False
    assert photo["sha256"] == hashlib.sha256(original).hexdigest()
    assert photo["byte_size"] == len(original)
    assert (photo["width"], photo["height"]) == (400, 200)
    assert photo["content_type"] == "image/jpeg"
    assert photo["original_filename"] == "IMG_0042.jpg"
    assert photo["caption"] == "East gate after the explosion"
    assert (photo["photographer"], photo["license"]) == ("Khaled", "CC-BY-4.0")
    assert re.fullmatch(r"field \(key \d+\)", photo["uploaded_by"])  # names: staff only
    assert photo["camera"] == {
        "taken_at": "2016-03-27T10:15:00+03:00",
        "make": "Canon",
        "model": "Canon EOS 5D Mark III",
        "orientation": 6,
        "gps_lat": pytest.approx(MUSEUM[0], abs=1e-6),
        "gps_lon": pytest.approx(MUSEUM[1], abs=1e-6),
    }
    assert photo["taken_at"] == "2016-03-27T07:15:00Z"
    assert photo["taken_at_source"] == "camera"
    assert photo["distance_m"] == pytest.approx(haversine_m(MUSEUM, BEL), abs=1)
    assert 1000 < photo["distance_m"] < 2000
    assert photo["location_mismatch"] is False
    assert photo["location_withheld"] is False
    assert photo["links"] == {
        kind: f"/api/v1/photos/{photo['id']}/{kind}"
        for kind in ("original", "preview", "thumbnail")
    }

    # The database keeps keys and hashes; the files are in the storage backend.
    with database.session(write=False) as session:
        stored = session.get(Photo, photo["id"])
    assert api.stored_keys() == {stored.original_key, stored.preview_key, stored.thumbnail_key}
    assert photo["sha256"] in stored.original_key

    # The original comes back byte for byte, with its hash as ETag and a safe name.
    got = api.client.get(photo["links"]["original"])
    assert got.status_code == 200
    assert got.content == original
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["etag"] == f'"{photo["sha256"]}"'
    assert got.headers["content-disposition"] == 'attachment; filename="IMG_0042.jpg"'
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "max-age" in got.headers["cache-control"]
    again = api.client.get(
        photo["links"]["original"], headers={"If-None-Match": got.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.content == b""

    # Derivatives are upright (orientation 6: the blue left half is now on top), fit their
    # boxes and carry no metadata at all.
    preview = api.client.get(photo["links"]["preview"])
    thumbnail = api.client.get(photo["links"]["thumbnail"])
    for response, size in ((preview, (200, 400)), (thumbnail, (128, 256))):
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        assert response.headers["etag"] == f'"{hashlib.sha256(response.content).hexdigest()}"'
        image = Image.open(io.BytesIO(response.content))
        assert image.size == size
        top = image.getpixel((size[0] // 2, size[1] // 4))
        bottom = image.getpixel((size[0] // 2, size[1] * 3 // 4))
        assert top[2] > 180 and top[0] < 60, top  # blue
        assert bottom[0] > 180 and bottom[2] < 60, bottom  # red
        no_metadata(response.content)


def test_a_photo_taken_far_from_the_monument_is_flagged(local_api, auth, database):
    monument_id = create_monument(database)
    data = jpeg_bytes(exif_data=exif(gps=DAMASCUS))

    photo = upload(local_api.client, monument_id, data, headers=auth("field")).json()

    assert photo["location_mismatch"] is True
    assert photo["distance_m"] == pytest.approx(haversine_m(DAMASCUS, BEL), abs=1)
    assert 200_000 < photo["distance_m"] < 230_000


def test_a_photo_without_exif_has_no_camera_facts(local_api, auth, database):
    monument_id = create_monument(database)

    photo = upload(local_api.client, monument_id, jpeg_bytes(), headers=auth("field")).json()

    assert photo["camera"] == {
        "taken_at": None,
        "make": None,
        "model": None,
        "orientation": None,
        "gps_lat": None,
        "gps_lon": None,
    }
    assert (photo["distance_m"], photo["location_mismatch"], photo["taken_at"]) == (None,) * 3


def test_the_uploader_corrects_a_wrong_camera_clock(local_api, auth, database):
    monument_id = create_monument(database)
    data = jpeg_bytes(exif_data=exif(taken="2001:01:01 00:00:00", offset=None))

    photo = upload(
        local_api.client,
        monument_id,
        data,
        headers=auth("field"),
        taken_at="2016-03-27T10:15:00+03:00",
    ).json()

    assert photo["taken_at"] == "2016-03-27T07:15:00Z"
    assert photo["taken_at_source"] == "uploader"
    assert photo["camera"]["taken_at"] == "2001-01-01T00:00:00"  # kept as the camera wrote it


@pytest.mark.parametrize(
    ("image_format", "name", "content_type"),
    [
        ("PNG", "scan.png", "image/png"),
        ("WEBP", "phone.webp", "image/webp"),
        ("TIFF", "scan.tif", "image/tiff"),
        ("HEIF", "IMG_0001.HEIC", "image/heic"),
    ],
)
def test_png_webp_tiff_and_heic_are_accepted(
    local_api, auth, database, image_format, name, content_type
):
    monument_id = create_monument(database)
    data = image_bytes(image_format, two_colour_image((300, 200), "RGB"))

    response = upload(local_api.client, monument_id, data, headers=auth("staff"), name=name)

    assert response.status_code == 201, response.text
    assert response.json()["content_type"] == content_type
    original = local_api.client.get(response.json()["links"]["original"], headers=auth("staff"))
    assert original.content == data
    assert original.headers["content-type"] == content_type
    no_metadata(local_api.client.get(response.json()["links"]["preview"]).content)


def test_the_same_bytes_for_the_same_monument_are_one_photo(api, auth, database):
    site_id = create_site(database)
    temple = create_monument(database, site_id)
    arch = create_monument(database, site_id, name="Arch of Triumph", type="arch")
    data = jpeg_bytes(exif_data=exif(gps=MUSEUM))

    first = upload(api.client, temple, data, headers=auth("field"))
    second = upload(api.client, temple, data, headers=auth("staff"), name="copy.jpg")

    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["duplicate"] is True
    assert second.json()["original_filename"] == "IMG_0042.jpg"  # the first upload's
    assert count_rows(database, Photo) == 1

    # The same bytes of another monument are another photo, sharing the stored files.
    other = upload(api.client, arch, data, headers=auth("field"))
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]
    assert len(api.stored_keys()) == 3


def test_the_answer_to_an_upload_is_the_photo_as_read_back(api, auth, database):
    # A new photo is shown from what its write made, a duplicate from what is read back:
    # both must be the photo as its own URL shows it (sources in order, evidence item).
    monument_id = create_monument(database)
    cited = [create_source(database), create_source(database, title="Second report")]
    data = jpeg_bytes(exif_data=exif(gps=MUSEUM))
    fields = {"source_ids": f"{cited[1]}, {cited[0]}", "caption": "North wall"}

    made = upload(api.client, monument_id, data, headers=auth("field"), **fields)
    found = upload(api.client, monument_id, data, headers=auth("field"), **fields)

    assert (made.status_code, found.status_code) == (201, 200)
    read = api.client.get(f"/api/v1/photos/{made.json()['id']}", headers=auth("field")).json()
    assert made.json() == read | {"duplicate": False}
    assert found.json() == read | {"duplicate": True}
    assert read["source_ids"] == [cited[1], cited[0]] and read["evidence_id"] is not None


def test_a_retried_upload_with_the_same_idempotency_key_gets_the_first_answer(
    local_api, auth, database
):
    monument_id = create_monument(database)
    data = jpeg_bytes()
    key = {"Idempotency-Key": "2f0c6a8e-upload-1"}

    first = upload(local_api.client, monument_id, data, headers=auth("field") | key)
    retry = upload(local_api.client, monument_id, data, headers=auth("field") | key)

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert count_rows(database, Photo) == 1

    other_bytes = jpeg_bytes(two_colour_image((320, 200)))
    reused = upload(local_api.client, monument_id, other_bytes, headers=auth("field") | key)
    assert reused.status_code == 422
    assert "Idempotency-Key" in reused.json()["detail"]
    assert "different upload" in reused.json()["detail"]
    assert count_rows(database, Photo) == 1

    # Keys belong to the API key that sent them: another caller's same key is its own.
    theirs = upload(local_api.client, monument_id, other_bytes, headers=auth("staff") | key)
    assert theirs.status_code == 201


def test_a_duplicate_with_an_idempotency_key_replays_as_a_duplicate(local_api, auth, database):
    monument_id = create_monument(database)
    data = jpeg_bytes()
    upload(local_api.client, monument_id, data, headers=auth("field"))
    key = {"Idempotency-Key": "second-try"}

    answers = [
        upload(local_api.client, monument_id, data, headers=auth("staff") | key) for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [200, 200]
    assert all(a.json()["duplicate"] for a in answers)


def truncated_jpeg() -> bytes:
    data = jpeg_bytes(two_colour_image((800, 600)))
    return data[: len(data) // 2]


REFUSALS = [
    pytest.param(b"", "empty.jpg", 422, "empty (0 bytes)", id="0-byte file"),
    pytest.param(
        b"Dear colleagues, photos follow.", "notes.jpg", 415, "JPEG, PNG", id="text named .jpg"
    ),
    pytest.param(truncated_jpeg(), "cut.jpg", 422, "truncated", id="truncated JPEG"),
    pytest.param(png_bomb(), "bomb.png", 422, "pixels", id="decompression bomb"),
    pytest.param(
        image_bytes("PNG", Image.new("RGB", (1, 1))), "pixel.png", 422, "at least 32", id="1x1"
    ),
    pytest.param(image_bytes("GIF"), "anim.gif", 415, "GIF", id="GIF"),
    pytest.param(
        b"\xff\xd8\xff\xe0" + b"\x00" * 64, "head.jpg", 422, "starts like a JPEG", id="bad"
    ),
]


@pytest.mark.parametrize(("data", "name", "status", "fragment"), REFUSALS)
def test_unusable_files_are_refused_and_leave_nothing_behind(
    api, auth, database, data, name, status, fragment
):
    monument_id = create_monument(database)

    response = upload(api.client, monument_id, data, headers=auth("field"), name=name)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert fragment in response.json()["detail"]
    if status == 415:
        assert "image/jpeg" in response.json()["accepted"]
    assert_nothing_stored(api, database)


def test_files_over_the_size_limit_are_refused_with_413(settings, database, api_keys, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    app = create_app(
        settings.model_copy(update={"max_upload_bytes": 50_000, "upload_temp_dir": spool})
    )
    monument_id = create_monument(database)
    headers = {"Authorization": f"Bearer {api_keys['field']}"}
    noisy = Image.effect_noise((300, 300), 80).convert("RGB")
    slightly_big = jpeg_bytes(noisy, quality=95)
    assert 50_000 < len(slightly_big) < 250_000
    with TestClient(app, raise_server_exceptions=False) as client:
        # Under the body limit (file limit + room for fields), so the stream is read and cut.
        read_and_cut = upload(client, monument_id, slightly_big, headers=headers)
        # Declared larger than the whole body may be: refused before a byte is read.
        declared = upload(client, monument_id, b"\xff" * 400_000, headers=headers)
        fits = upload(client, monument_id, jpeg_bytes(), headers=headers)

    assert read_and_cut.status_code == 413
    assert "50000 bytes" in read_and_cut.json()["detail"]
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert fits.status_code == 201
    assert count_rows(database, Photo) == 1
    assert list(spool.iterdir()) == []  # every spooled upload was removed
    app.state.database.engine.dispose()


@pytest.mark.parametrize(
    ("files", "data", "fragment"),
    [
        ({"caption": (None, "no file")}, {}, "no 'file' part"),
        ({"file": ("a.jpg", jpeg_bytes(), "image/jpeg")}, {"colour": "red"}, "Unknown form field"),
        ({"file": ("a.jpg", jpeg_bytes(), "image/jpeg")}, {"assessment_id": "x"}, "assessment_id"),
        (
            {"file": ("a.jpg", jpeg_bytes(), "image/jpeg")},
            {"taken_at": "2999-01-01T00:00:00Z"},
            "future",
        ),
    ],
)
def test_malformed_forms_are_refused_with_what_to_fix(
    local_api, auth, database, files, data, fragment
):
    monument_id = create_monument(database)
    response = local_api.client.post(
        photos_url(monument_id),
        files=files or {"other": ("x", b"x")},
        data=data,
        headers=auth("field"),
    )
    assert response.status_code == 422, response.text
    assert fragment in response.json()["detail"]
    assert_nothing_stored(local_api, database)


def test_a_json_body_is_not_an_upload(local_api, auth, database):
    monument_id = create_monument(database)
    response = local_api.client.post(photos_url(monument_id), json={}, headers=auth("field"))
    assert response.status_code == 415
    assert "multipart/form-data" in response.json()["detail"]


def test_a_body_cut_before_its_closing_boundary_is_refused(local_api, auth, database):
    monument_id = create_monument(database)
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + jpeg_bytes()
    )
    response = local_api.client.post(
        photos_url(monument_id),
        content=body,
        headers=auth("field") | {"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    assert response.status_code == 400
    assert "closing boundary" in response.json()["detail"]
    assert_nothing_stored(local_api, database)


def test_a_failed_request_leaves_no_orphan_file(api, auth, database, monkeypatch):
    from app.photos import service

    monument_id = create_monument(database)

    def fail(**_kwargs):
        raise RuntimeError("the audit trail is unavailable")

    # The files are written, then the request fails before its commit.
    monkeypatch.setattr(service.audit, "record", fail)
    response = upload(api.client, monument_id, jpeg_bytes(), headers=auth("field"))

    assert response.status_code == 500
    assert_nothing_stored(api, database)


def test_sensitive_positions_never_reach_anonymous_or_partner_callers(local_api, auth, database):
    monument_id = create_monument(database, sensitive=True)
    data = jpeg_bytes(exif_data=exif(gps=MUSEUM))
    photo_id = upload(local_api.client, monument_id, data, headers=auth("field")).json()["id"]
    url = f"/api/v1/photos/{photo_id}"

    for role in ("staff", "field", "admin"):
        seen = local_api.client.get(url, headers=auth(role)).json()
        assert seen["camera"]["gps_lat"] == pytest.approx(MUSEUM[0], abs=1e-6)
        assert seen["distance_m"] > 0 and seen["location_withheld"] is False
        assert local_api.client.get(f"{url}/original", headers=auth(role)).content == data

    for role in (None, "partner"):
        for body in (
            local_api.client.get(url, headers=auth(role)).json(),
            local_api.client.get(photos_url(monument_id), headers=auth(role)).json()["items"][0],
        ):
            assert body["camera"]["gps_lat"] is None and body["camera"]["gps_lon"] is None
            assert body["distance_m"] is None and body["location_mismatch"] is None
            assert body["location_withheld"] is True
            assert body["original_available"] is False
            assert body["original_filename"] is None
            # Not preceded by ":" or a digit, so a timestamp's "…:34.55…" seconds do not match.
            assert not re.search(r"(?<![\d:])(34\.55|38\.26)", str(body))
        original = local_api.client.get(f"{url}/original", headers=auth(role))
        assert original.status_code == 403
        assert original.headers["content-type"] == "application/problem+json"
        assert "sensitive" in original.json()["detail"]
        assert data not in original.content
        for kind in ("preview", "thumbnail"):
            derivative = local_api.client.get(f"{url}/{kind}", headers=auth(role))
            assert derivative.status_code == 200
            no_metadata(derivative.content)


def test_anyone_may_download_the_original_of_an_ordinary_monument(local_api, auth, database):
    monument_id = create_monument(database)
    data = jpeg_bytes(exif_data=exif(gps=MUSEUM))
    photo_id = upload(local_api.client, monument_id, data, headers=auth("field")).json()["id"]

    for role in (None, "partner"):
        response = local_api.client.get(f"/api/v1/photos/{photo_id}/original", headers=auth(role))
        assert response.status_code == 200
        assert response.content == data
    anonymous = local_api.client.get(f"/api/v1/photos/{photo_id}")
    assert anonymous.json()["camera"]["gps_lat"] == pytest.approx(MUSEUM[0], abs=1e-6)
    assert anonymous.headers["cache-control"] == "no-cache"


def test_file_names_are_cleaned_and_served_with_the_real_extension(local_api, auth, database):
    monument_id = create_monument(database)

    # Sent raw, as a hostile client would: a path, a control character, UTF-8.
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; '
        + 'filename="../../Temple\x07 de Bêl.html"'.encode()
        + b"\r\nContent-Type: image/jpeg\r\n\r\n"
        + jpeg_bytes()
        + b"\r\n--XyZ--\r\n"
    )
    response = local_api.client.post(
        photos_url(monument_id),
        content=body,
        headers=auth("field") | {"Content-Type": "multipart/form-data; boundary=XyZ"},
    )
    photo = response.json()

    assert photo["original_filename"] == "Temple_ de Bêl.html"
    original = local_api.client.get(photo["links"]["original"])
    disposition = original.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Temple__de_Bel.jpg"')
    assert "filename*=UTF-8''Temple_%20de%20B%C3%AAl.jpg" in disposition


def test_a_photo_can_document_an_assessment_of_its_own_monument(local_api, auth, database):
    site_id = create_site(database)
    temple = create_monument(database, site_id)
    arch = create_monument(database, site_id, name="Arch of Triumph", type="arch")
    assessment_id = create_assessment(database, temple, status="submitted")

    linked = upload(
        local_api.client,
        temple,
        jpeg_bytes(),
        headers=auth("staff"),
        assessment_id=str(assessment_id),
    )
    wrong = upload(
        local_api.client,
        arch,
        jpeg_bytes(),
        headers=auth("staff"),
        assessment_id=str(assessment_id),
    )

    assert linked.status_code == 201
    assert linked.json()["assessment_id"] == assessment_id
    assert wrong.status_code == 422
    assert f"not of monument {arch}" in wrong.json()["detail"]


def test_evidence_is_never_added_to_a_reviewed_or_someone_elses_assessment(
    local_api, auth, database, api_keys
):
    from app.core.actors import Caller
    from app.keys import service as keys
    from app.keys.models import Role

    temple = create_monument(database)
    verified = create_assessment(database, temple, status="verified")
    rejected = create_assessment(database, temple, status="rejected")
    with database.session(write=False) as session:
        field_key = keys.find_active_key(session=session, secret=api_keys["field"])
    field = Caller(role=Role.field, key_id=field_key.id, name=field_key.name)
    own_draft = create_assessment(database, temple, author=field)

    def attach(assessment_id: int, role: str, picture: tuple[int, int]):
        data = jpeg_bytes(two_colour_image(picture))
        return upload(
            local_api.client, temple, data, headers=auth(role), assessment_id=str(assessment_id)
        )

    # (Field teams do not see others' rejected assessments at all.)
    for assessment_id, roles in ((verified, ("field", "staff", "admin")), (rejected, ("staff",))):
        for role in roles:
            refused = attach(assessment_id, role, (320, 240))
            assert refused.status_code == 409, refused.text
            assert "can no longer change" in refused.json()["detail"]
    # Someone else's draft is not the field team's to document (it is not even visible).
    others_draft = create_assessment(database, temple)
    assert attach(others_draft, "field", (321, 240)).status_code == 422
    # The author's own draft and staff on any unreviewed one are fine.
    assert attach(own_draft, "field", (322, 240)).status_code == 201
    assert attach(others_draft, "staff", (323, 240)).status_code == 201
    assert count_rows(database, Photo) == 2


def test_photos_are_listed_a_page_at_a_time(local_api, auth, database):
    monument_id = create_monument(database)
    ids = [
        upload(
            local_api.client,
            monument_id,
            jpeg_bytes(two_colour_image((300 + i, 200))),
            headers=auth("field"),
        ).json()["id"]
        for i in range(3)
    ]

    first = local_api.client.get(photos_url(monument_id), params={"limit": 2})
    assert [p["id"] for p in first.json()["items"]] == ids[:2]
    assert re.search(r'<[^>]+cursor=[^>]+>; rel="next"', first.headers["link"])
    second = local_api.client.get(
        photos_url(monument_id), params={"limit": 2, "cursor": first.json()["next_cursor"]}
    )
    assert [p["id"] for p in second.json()["items"]] == ids[2:]
    assert second.json()["next_cursor"] is None
    etag = first.headers["etag"]
    cached = local_api.client.get(
        photos_url(monument_id), params={"limit": 2}, headers={"If-None-Match": etag}
    )
    assert cached.status_code == 304


def test_unknown_photos_and_monuments_are_404(local_api, auth, database):
    assert local_api.client.get("/api/v1/photos/999").status_code == 404
    assert local_api.client.get("/api/v1/photos/999/preview").status_code == 404
    response = upload(local_api.client, 999, jpeg_bytes(), headers=auth("field"))
    assert response.status_code == 404
    assert local_api.client.get(photos_url(999)).status_code == 404


def test_deleting_a_photo_removes_files_no_other_photo_uses(api, auth, database):
    site_id = create_site(database)
    temple = create_monument(database, site_id)
    arch = create_monument(database, site_id, name="Arch of Triumph", type="arch")
    shared, own = jpeg_bytes(), jpeg_bytes(two_colour_image((500, 300)))
    on_temple = upload(api.client, temple, shared, headers=auth("field")).json()["id"]
    on_arch = upload(api.client, arch, shared, headers=auth("field")).json()["id"]
    alone = upload(api.client, arch, own, headers=auth("field")).json()["id"]
    assert len(api.stored_keys()) == 6

    assert api.client.delete(f"/api/v1/photos/{alone}", headers=auth("field")).status_code == 403
    assert api.client.delete(f"/api/v1/photos/{alone}", headers=auth("staff")).status_code == 204
    assert len(api.stored_keys()) == 3
    assert api.client.get(f"/api/v1/photos/{alone}").status_code == 404

    # The temple's photo goes; the arch's photo of the same bytes keeps the files.
    assert (
        api.client.delete(f"/api/v1/photos/{on_temple}", headers=auth("staff")).status_code == 204
    )
    assert len(api.stored_keys()) == 3
    assert api.client.get(f"/api/v1/photos/{on_arch}/original").content == shared
    assert api.client.delete(f"/api/v1/photos/{on_arch}", headers=auth("admin")).status_code == 204
    assert api.stored_keys() == set()


def test_every_upload_and_delete_is_in_the_audit_trail(local_api, auth, database):
    monument_id = create_monument(database)
    photo_id = upload(local_api.client, monument_id, jpeg_bytes(), headers=auth("field")).json()[
        "id"
    ]
    local_api.client.delete(f"/api/v1/photos/{photo_id}", headers=auth("staff"))

    events = local_api.client.get(
        "/api/v1/audit", params={"entity_type": "photo"}, headers=auth("staff")
    ).json()["items"]
    assert [(e["action"], e["entity_id"]) for e in events] == [
        ("create", photo_id),
        ("delete", photo_id),
    ]
    assert events[0]["actor"].startswith("field:")
    assert local_api.client.get("/api/v1/audit/verify", headers=auth("staff")).json()["ok"]


def test_an_upload_streams_with_no_transaction_open(database, api_keys):
    """The checks before the stream run in a short read of their own: once they pass, no
    connection (on SQLite: no lock) is held while the body arrives."""
    import anyio

    from app.core.actors import Caller, Role
    from app.core.dependencies import ReceiveThenWrite
    from app.photos.dependencies import upload_monument_checker

    monument_id = create_monument(database)
    check = upload_monument_checker()
    transactions = ReceiveThenWrite(database)
    checked = anyio.run(check, monument_id, Caller(role=Role.field), transactions)
    assert checked == monument_id
    assert database.engine.pool.checkedout() == 0


@pytest.mark.postgresql_only
def test_concurrent_uploads_of_the_same_bytes_make_one_photo(database, app, tmp_path):
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from app.core.multipart import ReceivedFile
    from app.photos import service
    from tests.factories import TEST_ACTOR

    monument_id = create_monument(database)
    data = jpeg_bytes()
    path = tmp_path / "same.jpg"
    path.write_bytes(data)
    both_ready = threading.Barrier(2)

    def add() -> int:
        received = ReceivedFile(path, hashlib.sha256(data).hexdigest(), len(data), "a.jpg", None)
        both_ready.wait()
        with database.session(write=True) as session:
            return service.add_photo(
                session=session,
                storage=app.state.storage,
                monument_id=monument_id,
                upload=received,
                fields={},
                idempotency_key=None,
                rules=service.ImageRules(max_pixels=10**7, min_side=1, mismatch_metres=2000),
                actor=TEST_ACTOR,
            ).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(lambda _: add(), range(2)))

    assert statuses == [200, 201]
    assert count_rows(database, Photo) == 1


def test_an_upload_to_a_monument_deleted_since_the_last_one_is_refused_before_its_body(
    client, auth, database
):
    """The check before the body is remembered while no commit writes a monument (an
    upload's own commit writes none); deleting the monument ends it."""
    from app.core.actors import command_line_actor
    from app.monuments import service as monuments

    monument_id = create_monument(database)
    first = upload(client, monument_id, jpeg_bytes(), headers=auth("field"))
    assert first.status_code == 201
    assert database.passed_checks.known("monument", monument_id)

    with database.session(write=True) as session:
        monument = monuments.get_monument(session=session, monument_id=monument_id)
        monuments.delete_monument(session=session, monument=monument, actor=command_line_actor())
    assert not database.passed_checks.known("monument", monument_id)
    again = upload(client, monument_id, jpeg_bytes(), headers=auth("field"))
    assert again.status_code == 410
    assert not database.passed_checks.known("monument", monument_id)
