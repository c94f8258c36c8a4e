"""Resumable uploads over tus 1.0, sent by the tuspy client to the service under uvicorn.

A field team's phone sends a photo in chunks over a connection that drops; the server keeps
what arrived, tells the offset on HEAD, and the finished file becomes a photo through the
same path as a multipart upload.
"""

import base64
import hashlib
import http.client
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError, TusUploadFailed

from app.audit.models import AuditEvent
from app.photos.models import Photo
from app.uploads.models import Upload, UploadState
from tests.factories import count_rows, create_assessment, create_monument
from tests.photos.pictures import MUSEUM, exif, image_bytes, jpeg_bytes

UPLOADS = "/api/v1/uploads"
TUS = {"Tus-Resumable": "1.0.0"}
CHUNK = 64 * 1024
REPOSITORY = Path(__file__).resolve().parents[2]


def field_photo(size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG from a phone: noise (so it is hundreds of KB, several chunks) with EXIF GPS."""
    width, height = size
    image = Image.frombytes("RGB", size, os.urandom(width * height * 3))
    return jpeg_bytes(image, exif_data=exif(gps=MUSEUM), quality=95)


def tus_client(base_url: str, key: str) -> TusClient:
    return TusClient(base_url + UPLOADS, headers={"Authorization": f"Bearer {key}"})


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


def sha1_header(data: bytes) -> str:
    return "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()


def stored_upload(database, url: str) -> Upload | None:
    with database.session(write=False) as session:
        return session.exec(select(Upload).where(Upload.token == url.rsplit("/", 1)[1])).first()


def photos_of(database, monument_id: int) -> list[Photo]:
    with database.session(write=False) as session:
        return session.exec(select(Photo).where(Photo.monument_id == monument_id)).all()


def create(client, auth_headers: dict, length: int, **values: str):
    return client.post(
        UPLOADS,
        headers={
            **TUS,
            **auth_headers,
            "Upload-Length": str(length),
            "Upload-Metadata": metadata(**values),
        },
    )


def patch(client, url: str, auth_headers: dict, offset: int, data: bytes, **headers: str):
    return client.patch(
        url,
        content=data,
        headers={
            **TUS,
            **auth_headers,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": str(offset),
            **headers,
        },
    )


def test_a_photo_sent_in_chunks_becomes_a_photo_like_a_multipart_upload(
    live_server, api_keys, auth, database, settings, tmp_path
):
    monument_id = create_monument(database)
    original = field_photo()
    path = tmp_path / "IMG_0042.jpg"
    path.write_bytes(original)
    uploader = tus_client(live_server, api_keys["field"]).uploader(
        file_path=str(path),
        chunk_size=CHUNK,
        metadata={"monument_id": str(monument_id), "filename": "IMG_0042.jpg", "caption": "Gate"},
        upload_checksum=True,
    )

    offsets = []
    while uploader.offset < len(original):
        uploader.upload_chunk()
        offsets.append(uploader.get_offset())  # HEAD after every chunk

    assert len(offsets) == -(-len(original) // CHUNK) >= 4
    assert offsets == [min(CHUNK * n, len(original)) for n in range(1, len(offsets) + 1)]
    [photo] = photos_of(database, monument_id)
    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert photo.byte_size == len(original)
    assert photo.caption == "Gate" and photo.original_filename == "IMG_0042.jpg"
    assert photo.uploaded_by.startswith("field:")
    assert (photo.gps_lat, photo.gps_lon) == pytest.approx(MUSEUM, abs=1e-5)
    assert 1000 < photo.distance_m < 2000
    upload = stored_upload(database, uploader.url)
    assert (upload.state, upload.photo_id) == (UploadState.complete, photo.id)
    assert not (settings.resumable_uploads_dir / upload.token).exists()  # bytes now in storage

    field = auth("field")
    status = requests.get(uploader.url, headers=field, timeout=10).json()
    assert status["state"] == "complete" and status["photo"] == f"/api/v1/photos/{photo.id}"
    head = requests.head(uploader.url, headers={**TUS, **field}, timeout=10)
    assert head.headers["Upload-Offset"] == head.headers["Upload-Length"] == str(len(original))
    assert head.headers["Link"] == f'</api/v1/photos/{photo.id}>; rel="related"'
    original_back = requests.get(f"{live_server}/api/v1/photos/{photo.id}/original", timeout=10)
    assert original_back.content == original
    thumbnail = requests.get(f"{live_server}/api/v1/photos/{photo.id}/thumbnail", timeout=10)
    assert Image.open(io.BytesIO(thumbnail.content)).size == (256, 192)
    # The same bytes sent as a multipart upload are the same photo (one dedupe for both).
    again = requests.post(
        f"{live_server}/api/v1/monuments/{monument_id}/photos",
        files={"file": ("copy.jpg", original, "image/jpeg")},
        headers=field,
        timeout=30,
    )
    assert (again.status_code, again.json()["id"], again.json()["duplicate"]) == (
        200,
        photo.id,
        True,
    )
    with database.session(write=False) as session:
        actions = session.exec(
            select(AuditEvent.entity_type, AuditEvent.action)
            .where(AuditEvent.entity_type.in_(["photo", "upload"]))
            .order_by(AuditEvent.id)
        ).all()
    assert actions == [("upload", "create"), ("photo", "create"), ("upload", "complete")]


def test_an_upload_cut_off_mid_chunk_is_resumed_by_another_process(
    live_server, api_keys, database, tmp_path
):
    monument_id = create_monument(database)
    original = field_photo((800, 600))
    path = tmp_path / "IMG_0043.jpg"
    path.write_bytes(original)
    env = os.environ | {"PYTHONPATH": str(REPOSITORY)}
    phone = subprocess.Popen(
        [sys.executable, "-m", "tests.uploads.field_phone", "start", live_server,
         api_keys["field"], str(path), str(monument_id), str(CHUNK), "2"],
        stdout=subprocess.PIPE, text=True, env=env, cwd=REPOSITORY,
    )  # fmt: skip
    try:
        upload_url = phone.stdout.readline().strip()
        sent = int(phone.stdout.readline().split()[1])
    finally:
        phone.send_signal(signal.SIGKILL)  # the phone loses the network mid-chunk
        phone.wait(timeout=10)
    assert upload_url.startswith(f"{live_server}{UPLOADS}/")

    # The server keeps the bytes that arrived before the connection dropped.
    for _ in range(100):
        kept = stored_upload(database, upload_url).upload_offset
        if kept > 2 * CHUNK:
            break
        time.sleep(0.1)
    assert 2 * CHUNK < kept <= sent < len(original)
    assert photos_of(database, monument_id) == []

    resumed = subprocess.run(
        [sys.executable, "-m", "tests.uploads.field_phone", "resume", upload_url, live_server,
         api_keys["field"], str(path), str(CHUNK)],
        capture_output=True, text=True, env=env, cwd=REPOSITORY, timeout=120, check=False,
    )  # fmt: skip

    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.splitlines() == [f"resuming at {kept}", f"done at {len(original)}"]
    [photo] = photos_of(database, monument_id)
    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert photo.caption == "Gate"


def test_a_heic_from_an_iphone_arrives_through_tus(live_server, api_keys, database, tmp_path):
    monument_id = create_monument(database)
    heic = image_bytes("HEIF", Image.frombytes("RGB", (320, 240), os.urandom(320 * 240 * 3)))
    assert heic[4:12] in (b"ftypheic", b"ftypmif1")
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(heic)

    tus_client(live_server, api_keys["field"]).uploader(
        file_path=str(path),
        chunk_size=max(1024, len(heic) // 3),
        metadata={"monument_id": str(monument_id), "filename": "IMG_0001.HEIC"},
    ).upload()

    [photo] = photos_of(database, monument_id)
    assert (photo.content_type, photo.width, photo.height) == ("image/heic", 320, 240)
    preview = requests.get(f"{live_server}/api/v1/photos/{photo.id}/preview", timeout=10)
    assert preview.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(preview.content)).size == (320, 240)


def test_a_chunk_damaged_on_the_way_is_refused_with_460_and_dropped(
    live_server, api_keys, auth, database, tmp_path
):
    monument_id = create_monument(database)
    original = field_photo((300, 200))
    field = auth("field")
    created = requests.post(
        live_server + UPLOADS,
        headers={**TUS, **field, "Upload-Length": str(len(original)),
                 "Upload-Metadata": metadata(monument_id=str(monument_id))},
        timeout=10,
    )  # fmt: skip
    url = live_server + created.headers["Location"]
    chunk_headers = {**TUS, **field, "Content-Type": "application/offset+octet-stream"}
    first = original[: CHUNK // 2]

    damaged = requests.patch(
        url,
        data=first[:-1] + bytes([first[-1] ^ 0xFF]),  # the last byte, always changed
        headers={**chunk_headers, "Upload-Offset": "0", "Upload-Checksum": sha1_header(first)},
        timeout=10,
    )
    unknown = requests.patch(
        url,
        data=first,
        headers={**chunk_headers, "Upload-Offset": "0", "Upload-Checksum": "crc32 AAAAAA=="},
        timeout=10,
    )

    assert damaged.status_code == 460
    assert damaged.headers["content-type"] == "application/problem+json"
    assert damaged.json()["title"] == "Checksum Mismatch"
    assert "offset 0" in damaged.json()["detail"]
    assert damaged.headers["Tus-Resumable"] == "1.0.0"
    assert unknown.status_code == 400 and "sha1" in unknown.json()["detail"]
    assert requests.head(url, headers={**TUS, **field}, timeout=10).headers["Upload-Offset"] == "0"
    assert stored_upload(database, url).upload_offset == 0

    # tuspy sends the right checksum with every chunk: the upload goes through.
    path = tmp_path / "IMG_0044.jpg"
    path.write_bytes(original)
    uploader = tus_client(live_server, api_keys["field"]).uploader(
        file_path=str(path), url=url, chunk_size=CHUNK, upload_checksum=True
    )
    uploader.upload()
    assert [p.sha256 for p in photos_of(database, monument_id)] == [
        hashlib.sha256(original).hexdigest()
    ]


def test_head_and_patch_follow_the_protocol(client, auth, database, settings):
    monument_id = create_monument(database)
    original = jpeg_bytes()
    field = auth("field")
    options = client.options(UPLOADS)
    created = create(
        client, field, len(original), monument_id=str(monument_id), filename="a.jpg", caption="Ré"
    )
    url = created.headers["location"]

    assert options.status_code == 204
    assert options.headers["Tus-Version"] == "1.0.0"
    assert set(options.headers["Tus-Extension"].split(",")) == {
        "creation", "termination", "checksum", "expiration"
    }  # fmt: skip
    assert "sha1" in options.headers["Tus-Checksum-Algorithm"].split(",")
    assert options.headers["Tus-Max-Size"] == str(settings.max_upload_bytes)
    assert created.status_code == 201 and created.headers["Tus-Resumable"] == "1.0.0"
    assert created.headers["Upload-Expires"].endswith(" GMT")
    head = client.head(url, headers={**TUS, **field})
    assert (head.status_code, head.headers["Upload-Offset"]) == (200, "0")
    assert head.headers["Upload-Length"] == str(len(original))
    assert head.headers["Cache-Control"] == "no-store"
    sent_back = dict(
        (key, base64.b64decode(value).decode())
        for key, value in (pair.split(" ") for pair in head.headers["Upload-Metadata"].split(","))
    )
    assert sent_back == {"monument_id": str(monument_id), "filename": "a.jpg", "caption": "Ré"}

    no_version = client.head(url, headers=field)
    assert no_version.status_code == 412 and no_version.headers["Tus-Version"] == "1.0.0"
    wrong_type = patch(client, url, field, 0, original[:10], **{"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    ahead = patch(client, url, field, 10, original[:10])
    assert ahead.status_code == 409 and "has 0 bytes" in ahead.json()["detail"]
    too_long = patch(client, url, field, 0, original + b"extra")
    assert too_long.status_code == 413
    first = patch(client, url, field, 0, original[:100])
    assert (first.status_code, first.headers["Upload-Offset"]) == (204, "100")
    replayed = patch(client, url, field, 0, original[:100])
    assert replayed.status_code == 409
    # Clients behind proxies that allow only POST say which method they mean.
    overridden = client.post(
        url,
        content=original[100:],
        headers={
            **TUS,
            **field,
            "X-HTTP-Method-Override": "PATCH",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "100",
        },
    )
    assert overridden.status_code == 204
    assert overridden.headers["Upload-Offset"] == str(len(original))
    [photo] = photos_of(database, monument_id)
    assert overridden.headers["Link"] == f'</api/v1/photos/{photo.id}>; rel="related"'
    done = patch(client, url, field, len(original), b"")
    assert done.status_code == 409 and done.json()["links"]["photo"] == f"/api/v1/photos/{photo.id}"


def test_creation_checks_everything_it_can_before_a_byte_is_sent(client, auth, database):
    monument_id = create_monument(database)
    other_monument = create_monument(database)
    assessment_id = create_assessment(database, other_monument, status="verified")
    field = auth("field")

    no_monument = create(client, field, 1000, caption="Gate")
    unknown_monument = create(client, field, 1000, monument_id="999999")
    not_a_number = create(client, field, 1000, monument_id="Bel")
    unknown_key = create(client, field, 1000, monument_id=str(monument_id), gps="34,38")
    future = create(client, field, 1000, monument_id=str(monument_id), taken_at="2999-01-01")
    elsewhere = create(
        client, field, 1000, monument_id=str(monument_id), assessment_id=str(assessment_id)
    )
    huge = create(client, field, 10**12, monument_id=str(monument_id))
    empty = create(client, field, 0, monument_id=str(monument_id))
    deferred = client.post(
        UPLOADS,
        headers={**TUS, **field, "Upload-Defer-Length": "1",
                 "Upload-Metadata": metadata(monument_id=str(monument_id))},
    )  # fmt: skip
    bad_metadata = client.post(
        UPLOADS, headers={**TUS, **field, "Upload-Length": "10", "Upload-Metadata": "a !!!"}
    )
    partner = create(client, auth("partner"), 1000, monument_id=str(monument_id))
    anonymous = create(client, {}, 1000, monument_id=str(monument_id))

    for response in (no_monument, unknown_monument, not_a_number, unknown_key, future, elsewhere):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert no_monument.json()["errors"][0]["loc"] == ["header", "Upload-Metadata", "monument_id"]
    assert "999999" in unknown_monument.json()["detail"]
    assert unknown_key.json()["errors"][0]["loc"] == ["header", "Upload-Metadata", "gps"]
    assert f"not of monument {monument_id}" in elsewhere.json()["detail"]
    assert huge.status_code == 413
    assert empty.status_code == 422
    assert deferred.status_code == 400 and "Upload-Length" in deferred.json()["detail"]
    assert bad_metadata.status_code == 400
    assert (partner.status_code, anonymous.status_code) == (403, 401)
    assert count_rows(database, Upload) == 0


def test_an_upload_belongs_to_the_key_that_started_it(client, auth, database):
    monument_id = create_monument(database)
    url = create(client, auth("field"), 100, monument_id=str(monument_id)).headers["location"]

    for role in ("staff", "admin"):
        assert client.head(url, headers={**TUS, **auth(role)}).status_code == 404
        assert patch(client, url, auth(role), 0, b"x" * 100).status_code == 404
        assert client.delete(url, headers={**TUS, **auth(role)}).status_code == 404
        assert client.get(url, headers=auth(role)).status_code == 404
    assert client.head(url, headers={**TUS, **auth("field")}).status_code == 200


def test_termination_drops_the_upload_and_its_bytes(client, auth, database, settings):
    monument_id = create_monument(database)
    field = auth("field")
    url = create(client, field, 5000, monument_id=str(monument_id)).headers["location"]
    patch(client, url, field, 0, b"\xff\xd8\xff" + b"x" * 997)
    folder = settings.resumable_uploads_dir / url.rsplit("/", 1)[1]
    assert (folder / "data").stat().st_size == 1000

    terminated = client.delete(url, headers={**TUS, **field})

    assert terminated.status_code == 204
    assert not folder.exists()
    assert count_rows(database, Upload) == 0
    assert client.head(url, headers={**TUS, **field}).status_code == 404
    assert patch(client, url, field, 1000, b"x").status_code == 404


def test_a_complete_file_that_is_no_image_is_refused_as_a_multipart_upload_would_be(
    client, auth, database, settings
):
    monument_id = create_monument(database)
    field = auth("field")
    document = b"%PDF-1.7\n" + b"x" * 2000
    storage = client.app.state.storage
    stored_before = {stored.key for stored in storage.list()}
    url = create(client, field, len(document), monument_id=str(monument_id)).headers["location"]
    patch(client, url, field, 0, document[:1000])

    last = patch(client, url, field, 1000, document[1000:])

    assert last.status_code == 415 and "a PDF document" in last.json()["detail"]
    assert client.head(url, headers={**TUS, **field}).status_code == 415
    state = client.get(url, headers=field).json()
    assert state["state"] == "failed" and state["problem"]["status"] == 415
    assert count_rows(database, Photo) == 0
    assert not (settings.resumable_uploads_dir / url.rsplit("/", 1)[1]).exists()
    assert {stored.key for stored in storage.list()} == stored_before


def test_an_idle_upload_expires_and_clean_removes_it(auth, database, settings):

    from app.main import create_app
    from tests.cli import SCRIPT

    short = create_app(settings.model_copy(update={"resumable_upload_expiry_seconds": 1}))
    monument_id = create_monument(database)
    field = auth("field")
    with TestClient(short) as client:
        url = create(client, field, 5000, monument_id=str(monument_id)).headers["location"]
        assert patch(client, url, field, 0, b"x" * 1000).status_code == 204
        folder = settings.resumable_uploads_dir / url.rsplit("/", 1)[1]
        time.sleep(1.2)

        head = client.head(url, headers={**TUS, **field})
        late = patch(client, url, field, 1000, b"x" * 1000)

        assert (head.status_code, late.status_code) == (410, 410)
        assert "expired" in late.json()["detail"]
        assert not folder.exists()  # the bytes go on access
        assert count_rows(database, Upload) == 1  # the row until `uploads clean`
        # A folder left by a crash before its upload's row was committed, hours ago.
        orphan = settings.resumable_uploads_dir / "left-by-a-crash"
        orphan.mkdir()
        (orphan / "data").write_bytes(b"x" * 100)
        os.utime(orphan, (time.time() - 7200, time.time() - 7200))
        cleaned = subprocess.run(
            [SCRIPT, "uploads", "clean"],
            env=os.environ | {
                "HERITAGE_DATABASE_URL": settings.database_url,
                "HERITAGE_RESUMABLE_UPLOADS_DIR": str(settings.resumable_uploads_dir),
                "COLUMNS": "200",
            },
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert cleaned.returncode == 0, cleaned.stderr
        assert "removed 1 expired upload(s) and 1 orphan folder(s)" in cleaned.stdout
        assert not orphan.exists()
        assert count_rows(database, Upload) == 0
        assert client.head(url, headers={**TUS, **field}).status_code == 404
    short.state.database.engine.dispose()
    with database.session(write=False) as session:
        expired = session.exec(select(AuditEvent).where(AuditEvent.action == "expire")).all()
    assert [event.entity_type for event in expired] == ["upload"]


def test_tuspy_reports_a_refused_upload(live_server, api_keys, database, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"not a photo at all" * 10)
    uploader = tus_client(live_server, api_keys["field"]).uploader(
        file_path=str(path), metadata={"monument_id": "424242"}
    )
    with pytest.raises(TusCommunicationError) as refused:
        uploader.upload()
    assert refused.value.status_code == 422
    assert not isinstance(refused.value, TusUploadFailed)
    assert count_rows(database, Upload) == 0


def test_a_half_open_connection_never_blocks_the_resumed_upload(
    live_server, auth, database, settings
):
    import socket
    from urllib.parse import urlsplit

    monument_id = create_monument(database)
    original = field_photo((300, 200))
    field = auth("field")
    created = requests.post(
        live_server + UPLOADS,
        headers={**TUS, **field, "Upload-Length": str(len(original)),
                 "Upload-Metadata": metadata(monument_id=str(monument_id))},
        timeout=10,
    )  # fmt: skip
    url = live_server + created.headers["Location"]
    first = original[: CHUNK // 2]
    # The phone's first attempt: its network stalls half-way and the socket stays open.
    address = urlsplit(url)
    stalled = socket.create_connection((address.hostname, address.port), timeout=10)
    stalled.sendall(
        (
            f"PATCH {address.path} HTTP/1.1\r\nHost: {address.netloc}\r\n"
            f"Authorization: {field['Authorization']}\r\nTus-Resumable: 1.0.0\r\n"
            "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
            f"Content-Length: {len(first)}\r\n\r\n"
        ).encode()
        + first[:1000]
    )

    # It retries on a new connection, from the offset the server has committed.
    assert requests.head(url, headers={**TUS, **field}, timeout=10).headers["Upload-Offset"] == "0"
    retried = requests.patch(
        url,
        data=first,
        headers={**TUS, **field, "Content-Type": "application/offset+octet-stream",
                 "Upload-Offset": "0"},
        timeout=10,
    )  # fmt: skip
    # The stalled attempt wakes up and ends: its bytes are no longer wanted.
    stalled.sendall(first[1000:])
    late = http.client.HTTPResponse(stalled)
    late.begin()
    late_problem = json.loads(late.read())
    stalled.close()

    assert retried.status_code == 204 and retried.headers["Upload-Offset"] == str(len(first))
    assert late.status == 409
    assert f"has {len(first)} bytes" in late_problem["detail"]
    upload = stored_upload(database, url)
    assert upload.upload_offset == len(first)
    data = (settings.resumable_uploads_dir / upload.token / "data").read_bytes()
    assert data == first


def test_an_upload_whose_photo_was_not_made_yet_is_finished_by_the_next_head(
    client, auth, api_keys, database, settings, tmp_path
):
    """The server stopped between committing the last bytes and making the photo: the
    client's HEAD says the upload is complete, so it is made then."""
    from datetime import timedelta

    from app.core.actors import Caller
    from app.keys import service as keys
    from app.keys.models import Role
    from app.uploads import service as uploads

    monument_id = create_monument(database)
    original = jpeg_bytes()
    field = auth("field")
    url = create(client, field, len(original), monument_id=str(monument_id)).headers["location"]
    spooled = tmp_path / "chunk.part"
    spooled.write_bytes(original)
    with database.session(write=True) as session:
        key = keys.find_active_key(session=session, secret=api_keys["field"])
        owner = Caller(role=Role.field, key_id=key.id, name=key.name)
        uploads.append_chunk(
            session=session,
            owner=owner,
            chunk=uploads.ReceivedChunk(
                token=url.rsplit("/", 1)[1], offset=0, path=spooled, size=len(original)
            ),
            root=settings.resumable_uploads_dir,
            expiry=timedelta(hours=1),
        )
    assert photos_of(database, monument_id) == []

    head = client.head(url, headers={**TUS, **field})

    [photo] = photos_of(database, monument_id)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == str(len(original))
    assert head.headers["Link"] == f'</api/v1/photos/{photo.id}>; rel="related"'
    assert photo.sha256 == hashlib.sha256(original).hexdigest()
    assert client.get(url, headers=field).json()["state"] == "complete"


def test_superscript_digits_in_upload_length_are_a_400(live_server, api_keys, database):
    # Latin-1 superscripts pass str.isdigit() but not int(); HTTP clients will not send
    # them, so the requests are written by hand.
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(live_server)
    for length in (b"\xb2", b"1\xb3", b"\xb9\xb2\xb3"):
        request = (
            b"POST /api/v1/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nTus-Resumable: 1.0.0\r\n"
            + f"Authorization: Bearer {api_keys['field']}\r\n".encode()
            + b"Upload-Length: " + length + b"\r\nUpload-Metadata: monument_id MQ==\r\n"
            + b"Content-Length: 0\r\nConnection: close\r\n\r\n"
        )  # fmt: skip
        with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
            sock.sendall(request)
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk

        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), answer[:300]
        assert b"application/problem+json" in head
        assert b"Upload-Length must be the size" in body


def test_one_key_cannot_hold_unlimited_uploads_open(client, auth, database, settings):
    monument_id = str(create_monument(database))
    field, staff = auth("field"), auth("staff")
    hundred_mib = 100 * 1024 * 1024

    answers = [create(client, field, hundred_mib, monument_id=monument_id) for _ in range(25)]

    statuses = [a.status_code for a in answers]
    assert statuses == [201] * settings.max_open_uploads_per_key + [429] * 5
    refused = answers[-1]
    assert refused.headers["content-type"] == "application/problem+json"
    assert "Finish or terminate" in refused.json()["detail"]
    assert int(refused.headers["retry-after"]) >= 1
    assert count_rows(database, Upload) == settings.max_open_uploads_per_key
    # Another key is not held up; ending one upload frees its place.
    assert create(client, staff, hundred_mib, monument_id=monument_id).status_code == 201
    ended = client.delete(answers[0].headers["location"], headers={**TUS, **field})
    assert ended.status_code == 204
    assert create(client, field, hundred_mib, monument_id=monument_id).status_code == 201


def test_the_bytes_one_key_may_declare_in_open_uploads_are_limited(
    app, settings, auth, database, monkeypatch
):
    monkeypatch.setattr(settings, "max_open_upload_bytes_per_key", 250_000)
    monument_id = str(create_monument(database))
    field = auth("field")
    with TestClient(app) as client:
        first = create(client, field, 200_000, monument_id=monument_id)
        second = create(client, field, 100_000, monument_id=monument_id)
        small = create(client, field, 50_000, monument_id=monument_id)
    assert [first.status_code, second.status_code, small.status_code] == [201, 429, 201]
    assert "would pass the 250000 allowed" in second.json()["detail"]
