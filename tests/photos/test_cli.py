"""`heritage-registry media check`: rows without files, files without rows, and repair."""

import os
import time

from tests.cli import Ran, command_env, run_command
from tests.factories import create_monument
from tests.photos.pictures import jpeg_bytes, two_colour_image
from tests.photos.test_api import upload


def run_media_check(database_url, media_root, *args) -> Ran:
    return run_command(command_env(database_url, media_root), "media", "check", *args)


def test_media_check_finds_missing_and_orphan_files_and_repairs_old_orphans(
    local_api, auth, database, database_url, media_root
):
    monument_id = create_monument(database)
    intact = upload(local_api.client, monument_id, jpeg_bytes(), headers=auth("field")).json()
    broken = upload(
        local_api.client,
        monument_id,
        jpeg_bytes(two_colour_image((500, 300))),
        headers=auth("field"),
    ).json()
    assert run_media_check(database_url, media_root).returncode == 0

    # A file lost from storage, an old orphan (a crash before the commit), a fresh one.
    lost = next(media_root.glob(f"originals/*/{broken['sha256']}"))
    lost.unlink()
    old = media_root / "originals" / "ff" / ("f" * 64)
    old.parent.mkdir(parents=True, exist_ok=True)
    old.write_bytes(b"left by a crash")
    an_hour_ago = time.time() - 2 * 3600
    os.utime(old, (an_hour_ago, an_hour_ago))
    fresh = media_root / "previews" / "ee" / ("e" * 64 + ".jpg")
    fresh.parent.mkdir(parents=True, exist_ok=True)
    fresh.write_bytes(b"an upload in flight")

    report = run_media_check(database_url, media_root)
    assert report.returncode == 1
    assert f"missing  photo {broken['id']}: originals/" in report.stdout
    assert "orphan  originals/ff/" in report.stdout and "orphan  previews/ee/" in report.stdout
    assert old.exists()  # without --repair nothing is touched

    repaired = run_media_check(database_url, media_root, "--repair")
    assert "removed  originals/ff/" in repaired.stdout
    assert not old.exists() and fresh.exists()  # the young orphan waits out the grace period
    assert repaired.returncode == 1  # the lost original still needs a person
    assert local_api.client.get(intact["links"]["original"]).status_code == 200


def test_repair_removes_uploads_left_half_received_by_a_killed_server(
    database, database_url, media_root, tmp_path, monkeypatch
):
    spool = tmp_path / "spool"
    spool.mkdir()
    stale = spool / "upload-abc123.part"
    stale.write_bytes(b"half a photo")
    two_hours_ago = time.time() - 2 * 3600
    os.utime(stale, (two_hours_ago, two_hours_ago))
    in_flight = spool / "upload-def456.part"
    in_flight.write_bytes(b"an upload still arriving")
    unrelated = spool / "notes.txt"
    unrelated.write_text("not ours")
    os.utime(unrelated, (two_hours_ago, two_hours_ago))
    monkeypatch.setenv("HERITAGE_UPLOAD_TEMP_DIR", str(spool))

    repaired = run_media_check(database_url, media_root, "--repair")

    assert repaired.returncode == 0, repaired.stdout
    assert "unfinished upload" in repaired.stdout
    assert not stale.exists()
    assert in_flight.exists() and unrelated.exists()


def _tamper(path, *, keep_length: bool) -> None:
    data = bytearray(path.read_bytes())
    if keep_length:
        data[len(data) // 2] ^= 0xFF  # one altered byte, the size unchanged
        path.write_bytes(bytes(data))
    else:
        path.write_bytes(bytes(data[:-10]))


def test_media_check_hashes_every_file_again_and_quick_compares_sizes(
    local_api, auth, database, database_url, media_root
):
    monument_id = create_monument(database)
    field = auth("field")
    retouched = upload(local_api.client, monument_id, jpeg_bytes(), headers=field).json()
    cut = upload(
        local_api.client, monument_id, jpeg_bytes(two_colour_image((500, 300))), headers=field
    ).json()
    _tamper(next(media_root.glob(f"originals/*/{retouched['sha256']}")), keep_length=True)
    preview = next(media_root.glob("previews/*/*.jpg"))
    _tamper(preview, keep_length=False)

    full = run_media_check(database_url, media_root)
    quick = run_media_check(database_url, media_root, "--quick")

    assert full.returncode == 1
    assert f"altered  photo {retouched['id']}: originals/" in full.stdout
    assert "do not match the recorded SHA-256" in full.stdout
    assert f"previews/{preview.parent.name}/{preview.name} has" in full.stdout
    assert "2 altered file(s) (SHA-256 checked)" in " ".join(full.stdout.split())
    # Sizes only: the altered byte passes, the shortened preview does not.
    assert quick.returncode == 1
    assert "originals/" not in quick.stdout and f"previews/{preview.parent.name}" in quick.stdout
    assert cut["id"]
