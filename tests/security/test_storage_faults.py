"""Storage faults answer problems, not 500s (issue 18, #14): a full or unwritable volume is a
507, a fault that may pass a 503 with Retry-After; /readyz names each storage it cannot
write; configured folders are made at start-up, or start-up fails naming the setting."""

import io
import os
import random
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import select

from app.core.storage import StartupError
from app.main import create_app
from app.photos import service as photos
from app.photos.models import Photo
from app.uploads.models import Upload
from tests.factories import count_rows, create_monument

VOLUME_BYTES = 1024 * 1024


def _noise_jpeg(seed: int) -> bytes:
    """A photo that does not compress: about 200 KB."""
    pixels = random.Random(seed).randbytes(480 * 360 * 3)
    out = io.BytesIO()
    Image.frombytes("RGB", (480, 360), pixels).save(out, format="JPEG", quality=90)
    return out.getvalue()


def _fill(volume: Path) -> None:
    """Take the volume's last free bytes, as other writers would."""
    # A dot-file: the storage lists none, so `media check` sees only the photos.
    with (volume / ".filler").open("ab", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass


@pytest.fixture
def small_volume(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB file system of its own (tmpfs), to fill up."""
    volume = tmp_path / "volume"
    volume.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={VOLUME_BYTES}", "tmpfs", str(volume)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        message = f"cannot mount a small volume: {mounted.stderr.decode().strip()}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI must run the storage fault tests, as root)")
        pytest.skip(message)
    try:
        yield volume
    finally:
        subprocess.run(["umount", "-l", str(volume)], check=False)


def _app(settings, **changes):
    return create_app(settings.model_copy(update=changes))


def _upload(client, monument_id: int, data: bytes, headers: dict):
    return client.post(
        f"/api/v1/monuments/{monument_id}/photos",
        files={"file": ("gate.jpg", data, "image/jpeg")},
        headers=headers,
    )


def assert_insufficient_storage(response, what: str) -> None:
    assert response.status_code == 507, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert f"The server's {what}" in response.json()["detail"]


def test_a_full_photo_volume_answers_507_and_leaves_nothing_behind(
    settings, database, auth, small_volume
):
    app = _app(settings, media_root=small_volume)
    monument_id = create_monument(database)
    try:
        with TestClient(app) as client:
            answers = []
            for seed in range(20):
                response = _upload(client, monument_id, _noise_jpeg(seed), auth("field"))
                answers.append(response.status_code)
                if response.status_code != 201:
                    break
            _fill(small_volume)
            ready = client.get("/readyz")
            read = client.get(f"/api/v1/monuments/{monument_id}/photos")
    finally:
        app.state.database.engine.dispose()

    assert answers[0] == 201 and answers[-1] == 507, answers
    assert_insufficient_storage(response, "photo storage is full")
    assert ready.status_code == 503
    assert [f["setting"] for f in ready.json()["storage"]] == ["HERITAGE_MEDIA_ROOT"]
    assert read.status_code == 200  # reading goes on
    # Nothing half-written: every row has its files, every file its row.
    stored = answers.count(201)
    assert count_rows(database, Photo) == stored
    with database.session(write=False) as session:
        report = photos.check_media(
            session=session, storage=app.state.storage, repair=False, grace=timedelta(0)
        )
    assert (report.missing, report.orphans, report.altered) == ([], [], [])


def test_a_full_resumable_upload_volume_answers_507_and_keeps_the_offset(
    settings, database, auth, small_volume
):
    app = _app(settings, resumable_uploads_dir=small_volume)
    monument_id = create_monument(database)
    tus = {"Tus-Resumable": "1.0.0"} | auth("field")
    try:
        with TestClient(app) as client:
            import base64

            meta = "monument_id " + base64.b64encode(str(monument_id).encode()).decode()
            created = client.post(
                "/api/v1/uploads",
                headers=tus | {"Upload-Length": "300000", "Upload-Metadata": meta},
            )
            _fill(small_volume)
            url = created.headers["location"]
            chunk = client.patch(
                url,
                content=b"x" * 200_000,
                headers=tus
                | {"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
            )
            offset = client.head(url, headers=tus).headers["upload-offset"]
    finally:
        app.state.database.engine.dispose()

    assert created.status_code == 201
    assert_insufficient_storage(chunk, "resumable upload folder is full")
    assert offset == "0"  # nothing acknowledged: the client resends from there


def test_a_missing_upload_folder_answers_507_and_readyz_names_it(
    settings, database, auth, tmp_path
):
    spool = tmp_path / "spool" / "nested"
    app = _app(settings, upload_temp_dir=spool)
    monument_id = create_monument(database)
    try:
        with TestClient(app) as client:
            assert spool.is_dir()  # made at start-up
            spool.rmdir()  # then a volume is unmounted, a folder cleaned away…
            response = _upload(client, monument_id, _noise_jpeg(1), auth("field"))
            ready = client.get("/readyz")
    finally:
        app.state.database.engine.dispose()

    assert_insufficient_storage(response, "upload folder cannot be written to")
    assert ready.status_code == 503
    assert [f["setting"] for f in ready.json()["storage"]] == ["HERITAGE_UPLOAD_TEMP_DIR"]
    assert count_rows(database, Photo) == 0


@pytest.mark.parametrize("setting", ["media_root", "upload_temp_dir", "resumable_uploads_dir"])
def test_start_up_fails_naming_the_setting_of_a_folder_it_cannot_make(settings, tmp_path, setting):
    blocker = tmp_path / "a-file"
    blocker.write_text("a file where a folder should be")
    app = _app(settings, **{setting: blocker / "photos"})

    refused = pytest.raises(StartupError, match=f"HERITAGE_{setting.upper()}=.*cannot be created")
    with refused, TestClient(app):
        pass
    app.state.database.engine.dispose()


def test_unreachable_object_storage_answers_503_with_retry_after(settings, database, auth):
    from pydantic import SecretStr

    app = _app(
        settings,
        storage_backend="s3",
        s3_bucket="heritage",
        s3_endpoint_url="http://127.0.0.1:9",
        s3_access_key_id="test",
        s3_secret_access_key=SecretStr("test"),
    )
    monument_id = create_monument(database)
    try:
        with TestClient(app) as client:
            response = _upload(client, monument_id, _noise_jpeg(2), auth("field"))
            ready = client.get("/readyz")
    finally:
        app.state.database.engine.dispose()

    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "30"
    assert ready.status_code == 503
    assert [f["setting"] for f in ready.json()["storage"]] == ["HERITAGE_S3_BUCKET"]
    with database.session(write=False) as session:
        assert session.exec(select(Photo)).all() == []
        assert session.exec(select(Upload)).all() == []
