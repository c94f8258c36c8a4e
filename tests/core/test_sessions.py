"""Signed browser sessions: what a cookie may carry, and when it stops being accepted."""

import stat
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from app.core.browser_sessions import (
    SessionCodec,
    csrf_matches,
    new_session,
    read_or_create_secret,
)


def test_a_session_survives_its_cookie_and_names_only_the_key_id():
    codec = SessionCodec("s" * 48, max_age_seconds=60)
    session = new_session(key_id=7, key_hash="ab" * 32)

    value = codec.dumps(session)

    assert codec.loads(value) == session
    assert session.key_check == "ab" * 8
    assert ("ab" * 32) not in value


def test_a_cookie_signed_with_another_secret_or_edited_is_no_session():
    session = new_session(key_id=7, key_hash="ab" * 32)
    value = SessionCodec("s" * 48, max_age_seconds=60).dumps(session)
    codec = SessionCodec("t" * 48, max_age_seconds=60)

    assert codec.loads(value) is None
    # Change a character in the middle of the signature (the last one may only carry padding
    # bits, so altering it can leave the same signature).
    middle = len(value) - 10
    edited = value[:middle] + ("A" if value[middle] != "A" else "B") + value[middle + 1 :]
    assert SessionCodec("s" * 48, max_age_seconds=60).loads(edited) is None
    assert codec.loads("") is None and codec.loads("garbage") is None


def test_an_old_cookie_is_no_session():
    codec = SessionCodec("s" * 48, max_age_seconds=1)
    value = codec.dumps(new_session())

    time.sleep(2.1)

    assert codec.loads(value) is None


def test_csrf_tokens_must_match_exactly():
    session = new_session()

    assert csrf_matches(session.csrf_token, session)
    assert not csrf_matches(session.csrf_token[:-1], session)
    assert not csrf_matches(None, session)
    assert not csrf_matches(session.csrf_token, None)
    assert not csrf_matches(session.csrf_token, new_session())


def test_workers_starting_together_share_one_secret_file(tmp_path):
    path = tmp_path / "state" / "session-secret"

    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets = set(pool.map(lambda _: read_or_create_secret(path), range(8)))

    assert len(secrets) == 1 and len(secrets.pop()) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["session-secret"]


def test_an_empty_secret_file_is_refused(tmp_path):
    path = tmp_path / "session-secret"
    path.write_text("short")

    with pytest.raises(ValueError, match="no usable session secret"):
        read_or_create_secret(path)
