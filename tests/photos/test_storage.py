"""Both storage backends behind one interface, and files that follow their transaction."""

from collections.abc import Iterator

import pytest

from app.core import storage as files
from app.core.storage import LocalStorage, MissingFile, S3Storage, Storage, make_storage
from tests.photos.conftest import s3_settings


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
