"""Both storage backends behind one interface, and files that follow their transaction."""

import logging
from collections.abc import Iterator

import pytest

from app.core import storage as files
from app.core.storage import LocalStorage, MissingFile, S3Storage, Storage, make_storage
from app.photos.models import Photo
from tests.factories import create_monument
from tests.photos.conftest import s3_settings
from tests.photos.pictures import jpeg_bytes, two_colour_image
from tests.photos.test_api import upload


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest, settings, tmp_path) -> Iterator[Storage]:
    """An empty store: a fresh folder, or a fresh bucket on the local S3 server."""
    if request.param == "local":
        yield make_storage(settings.model_copy(update={"media_root": tmp_path / "media"}))
    else:
        yield make_storage(s3_settings(settings, request.getfixturevalue("s3_endpoint")))


def test_files_go_in_come_out_byte_for_byte_and_are_listed(storage, tmp_path):
    source = tmp_path / "original.jpg"
    source.write_bytes(b"\xff\xd8\xff" + bytes(range(256)) * 4000)
    storage.put_file("originals/ab/abc", source, content_type="image/jpeg")
    storage.put_bytes("previews/cd/cde.jpg", b"preview", content_type="image/jpeg")

    assert storage.exists("originals/ab/abc") and not storage.exists("originals/ab/zzz")
    handle = storage.open("originals/ab/abc")
    assert b"".join(files.iter_file(handle, 1000)) == source.read_bytes()
    listed = {stored.key: stored.size for stored in storage.list()}
    assert listed == {"originals/ab/abc": source.stat().st_size, "previews/cd/cde.jpg": 7}

    storage.delete("originals/ab/abc")
    storage.delete("originals/ab/abc")  # deleting twice is fine
    with pytest.raises(MissingFile):
        storage.open("originals/ab/abc")
    storage.check()


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/./b", ""])
def test_keys_cannot_escape_the_store(storage, key):
    with pytest.raises(ValueError, match="invalid storage key"):
        storage.put_bytes(key, b"x", content_type="text/plain")


def test_the_backend_is_chosen_by_the_settings(settings, s3_endpoint):
    assert isinstance(make_storage(settings), LocalStorage)
    assert isinstance(make_storage(s3_settings(settings, s3_endpoint)), S3Storage)


def test_a_local_write_is_never_seen_half_done(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put_bytes("a/b.jpg", b"1" * 10, content_type="image/jpeg")
    leftover = tmp_path / "a" / ".b.jpg.crashed.part"
    leftover.write_bytes(b"half")  # what a crash mid-write leaves behind
    assert [stored.key for stored in storage.list()] == ["a/b.jpg"]


def test_files_written_in_a_transaction_that_rolls_back_are_removed(storage, database):
    storage.put_bytes("kept/already-there", b"another row's file", content_type="text/plain")

    with pytest.raises(RuntimeError), database.session(write=True) as session:
        session.connection()  # the transaction has begun, as in a request
        files.put_bytes_in_transaction(session, storage, "new/file", b"x", content_type="a/b")
        files.put_bytes_in_transaction(
            session, storage, "kept/already-there", b"x", content_type="a/b"
        )
        assert storage.exists("new/file")
        raise RuntimeError("the request failed")

    assert {stored.key for stored in storage.list()} == {"kept/already-there"}


def test_files_written_in_a_committed_transaction_stay(storage, database):
    with database.session(write=True) as session:
        session.connection()
        files.put_bytes_in_transaction(session, storage, "new/file", b"x", content_type="a/b")
    assert storage.exists("new/file")


def test_a_savepoint_rolling_back_does_not_remove_the_transactions_files(storage, database):
    with database.session(write=True) as session:
        session.connection()
        files.put_bytes_in_transaction(session, storage, "new/file", b"x", content_type="a/b")
        savepoint = session.begin_nested()
        savepoint.rollback()
        assert storage.exists("new/file")
    assert storage.exists("new/file")


def test_files_are_deleted_only_once_the_deleting_transaction_commits(storage, database):
    storage.put_bytes("old/file", b"x", content_type="a/b")

    with pytest.raises(RuntimeError), database.session(write=True) as session:
        session.connection()
        files.delete_after_commit(session, storage, "old/file")
        raise RuntimeError("the delete failed")
    assert storage.exists("old/file")

    with database.session(write=True) as session:
        session.connection()
        files.delete_after_commit(session, storage, "old/file")
        assert storage.exists("old/file")
    assert not storage.exists("old/file")


def test_an_altered_file_is_cut_off_while_served_and_logged_as_an_integrity_failure(
    api, auth, database, caplog
):
    monument_id = create_monument(database)
    original = jpeg_bytes(two_colour_image((900, 700)))
    photo = upload(api.client, monument_id, original, headers=auth("field")).json()
    altered = bytearray(original)
    altered[len(altered) // 2] ^= 0xFF
    with database.session(write=False) as session:
        key = session.get(Photo, photo["id"]).original_key
    api.storage.put_bytes(key, bytes(altered), content_type="image/jpeg")

    with caplog.at_level(logging.ERROR, logger="app.photos.service"):
        response = api.client.get(photo["links"]["original"], headers=auth("staff"))

    # The response announced the original's length and hash, and ends short of them: the
    # client never holds the altered bytes as the evidence.
    assert response.headers["etag"] == f'"{photo["sha256"]}"'
    assert len(response.content) < int(response.headers["content-length"])
    assert response.content != bytes(altered)
    assert f"integrity failure: the original of photo {photo['id']}" in caplog.text
    # The untouched derivatives are served whole.
    preview = api.client.get(photo["links"]["preview"])
    assert len(preview.content) == int(preview.headers["content-length"])


def test_a_spool_is_taken_over_without_a_copy_and_any_other_file_is_copied(tmp_path):
    storage = LocalStorage(tmp_path / "media")
    spool, imported = tmp_path / "upload-1.part", tmp_path / "IMG_0001.jpg"
    spool.write_bytes(b"\xff\xd8\xff spooled upload")
    spool.chmod(0o600)
    imported.write_bytes(b"\xff\xd8\xff a photographer's own file")

    storage.put_file("originals/aa/spooled", spool, content_type="image/jpeg", take_over=True)
    storage.put_file("originals/bb/imported", imported, content_type="image/jpeg")

    kept, copied = tmp_path / "media/originals/aa/spooled", tmp_path / "media/originals/bb/imported"
    assert kept.stat().st_ino == spool.stat().st_ino  # the spool's bytes, not a second copy
    assert copied.stat().st_ino != imported.stat().st_ino  # a file the service does not own
    assert kept.stat().st_mode & 0o777 == files._NEW_FILE_MODE  # not the spool's private mode
    spool.unlink()  # what the request does when it ends
    assert kept.read_bytes() == b"\xff\xd8\xff spooled upload"
    listed = [item.key for item in storage.list()]
    assert listed == ["originals/aa/spooled", "originals/bb/imported"]
