"""Reads kept in memory until the next write: never stale, whoever writes, and cheap."""

import time
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi.testclient import TestClient

from app.audit.read_cache import Generation, ReadCache
from app.catalogue import service as catalogue
from app.core.changes import NEWEST_EVENT
from app.core.db import Database
from app.keys import service as keys
from app.main import create_app
from app.monuments import service as monuments
from tests.factories import GRID, TEST_ACTOR, create_monument, listening

URL = "/api/v1/monuments"


@contextmanager
def statements_run(database: Database) -> Iterator[list[str]]:
    """The SQL statements the database is sent inside the block."""
    sent: list[str] = []

    def note(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        sent.append(statement)

    with listening(database, "before_cursor_execute", note):
        yield sent


def queries(statements: list[str]) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith("SELECT")]


def rename(database: Database, monument_id: int, name: str) -> None:
    """A write through the service, as another worker or the command line would make it."""
    with database.session(write=True) as session:
        monument = monuments.get_monument(session=session, monument_id=monument_id)
        monuments.update_monument(
            session=session,
            monument=monument,
            changes={"name": name},
            grid_degrees=GRID,
            actor=TEST_ACTOR,
        )


def change_signal_ready(client: TestClient) -> None:
    """Wait (up to 10 s) until the app's change signal can vouch for kept reads and has heard
    of every write so far: PostgreSQL's listener runs on a thread of its own and hears of a
    commit a little after it (seconds, on a busy machine); a read kept before it heard would
    be checked once more after."""
    database = client.app.state.database
    changes = database.changes
    with database.engine.connect() as connection:
        newest = connection.exec_driver_sql(NEWEST_EVENT).fetchone()
    newest = None if newest is None else tuple(newest)

    def caught_up() -> bool:
        if changes.token() is None:
            return False
        return getattr(changes, "accounted_for", newest) == newest

    deadline = time.monotonic() + 10
    while not caught_up() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert caught_up(), f"the change signal is not up or behind ({changes.mode})"


def test_a_repeated_read_runs_no_query(client, auth, database):
    # Whether anything changed is the change signal's to say (app.core.changes): no query.
    monument_id = create_monument(database, sensitive=True)
    change_signal_ready(client)
    first = client.get(f"{URL}/{monument_id}", headers=auth("partner"))

    with statements_run(database) as sent:
        again = client.get(f"{URL}/{monument_id}", headers=auth("partner"))

    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.json()["location_generalised"] is True
    assert queries(sent) == [], sent


def test_a_read_from_memory_carries_its_own_request_id_once(client, auth, database):
    # The request id is added around the cache: a kept answer must not replay the id of the
    # request it was kept from (a partner quoting it would point support at another request).
    monument_id = create_monument(database)
    change_signal_ready(client)
    for role in ("partner", None):
        answers = [
            client.get(
                f"{URL}/{monument_id}", headers={**auth(role), "X-Request-ID": f"read-{n}-{role}"}
            )
            for n in range(3)
        ]
        not_modified = client.get(
            f"{URL}/{monument_id}",
            headers={**auth(role), "If-None-Match": answers[0].headers["ETag"]},
        )

        for n, answer in enumerate(answers):
            assert answer.headers.get_list("x-request-id") == [f"read-{n}-{role}"]
        assert not_modified.status_code == 304
        assert len(not_modified.headers.get_list("x-request-id")) == 1


def test_roles_that_see_different_coordinates_never_share_a_kept_reading(client, auth, database):
    monument_id = create_monument(database, sensitive=True, lat=34.54738, lon=38.27393)

    for _ in range(2):
        partner = client.get(f"{URL}/{monument_id}", headers=auth("partner")).json()
        staff = client.get(f"{URL}/{monument_id}", headers=auth("staff")).json()

        assert (partner["lat"], partner["location_generalised"]) == (34.5, True)
        assert (staff["lat"], staff["location_generalised"]) == (34.54738, False)


def test_json_and_json_ld_of_one_url_are_never_served_for_each_other(client, auth, database):
    # A monument's URL answers JSON and JSON-LD (Vary: Authorization, Accept); the JSON,
    # kept apart from the JSON-LD, still repeats without a query.
    monument_id = create_monument(database)
    linked = {**auth("partner"), "Accept": "application/ld+json"}
    change_signal_ready(client)
    for _ in range(2):
        with statements_run(database) as sent:
            plain = client.get(f"{URL}/{monument_id}", headers=auth("partner"))
        as_linked_data = client.get(f"{URL}/{monument_id}", headers=linked)

        assert plain.headers["content-type"].startswith("application/json")
        assert as_linked_data.headers["content-type"].startswith("application/ld+json")
        assert "@context" in as_linked_data.json() and "@context" not in plain.json()
    assert queries(sent) == [], sent


def test_a_change_committed_outside_this_worker_is_read_at_once(client, auth, database):
    monument_id = create_monument(database, name="Temple of Bel")
    assert client.get(f"{URL}/{monument_id}", headers=auth("partner")).json()["name"] == (
        "Temple of Bel"
    )

    rename(database, monument_id, "Temple of Bel (ruins)")

    assert client.get(f"{URL}/{monument_id}", headers=auth("partner")).json()["name"] == (
        "Temple of Bel (ruins)"
    )


def test_a_key_revoked_outside_this_worker_stops_working_on_the_next_request(
    client, auth, api_keys, database
):
    monument_id = create_monument(database)
    assert client.get(f"{URL}/{monument_id}", headers=auth("partner")).status_code == 200
    with database.session(write=True) as session:
        key_id = keys.find_active_key(session=session, secret=api_keys["partner"]).id
        keys.revoke_key(session=session, key_id=key_id, actor=TEST_ACTOR)

    refused = client.get(f"{URL}/{monument_id}", headers=auth("partner"))

    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


def test_what_a_write_saw_before_rolling_back_is_never_served(client, auth, database):
    monument_id = create_monument(database, name="Arch of Triumph")
    client.get(f"{URL}/{monument_id}", headers=auth("partner"))

    with database.session(write=True) as session:
        monument = monuments.get_monument(session=session, monument_id=monument_id)
        monument.name = "Never committed"
        session.flush()
        seen = catalogue.read_document(
            session=session, monument_id=monument_id, exact_locations=False
        )
        session.rollback()

    assert b"Never committed" in seen
    read = client.get(f"{URL}/{monument_id}", headers=auth("partner")).json()
    assert read["name"] == "Arch of Triumph"


def test_with_no_entries_configured_every_read_runs_its_queries(settings, database, auth):
    monument_id = create_monument(database)
    uncached = create_app(settings.model_copy(update={"read_cache_entries": 0}))
    try:
        with TestClient(uncached) as client:
            client.get(f"{URL}/{monument_id}", headers=auth("partner"))
            with statements_run(uncached.state.database) as sent:
                again = client.get(f"{URL}/{monument_id}", headers=auth("partner"))
    finally:
        uncached.state.database.engine.dispose()

    assert again.status_code == 200
    assert any("FROM monument" in query for query in queries(sent)), sent
    assert not any("FROM audit_event" in query for query in queries(sent)), sent


def test_a_newer_generation_replaces_the_kept_values_and_an_older_one_keeps_nothing():
    cache = ReadCache(max_entries=10)
    cache.put(Generation(5, "e5"), "bel", b"destroyed")

    cache.put(Generation(4, "e4"), "arch", b"built by a request that began earlier")
    assert cache.get(Generation(5, "e5"), "arch") is None
    assert cache.get(Generation(5, "e5"), "bel") == b"destroyed"
    assert cache.get(Generation(4, "e4"), "bel") is None

    cache.put(Generation(6, "e6"), "arch", b"rebuilt")
    assert cache.get(Generation(6, "e6"), "bel") is None
    assert cache.get(Generation(6, "e6"), "arch") == b"rebuilt"


def test_a_rewritten_history_that_reuses_an_event_id_is_a_new_generation():
    cache = ReadCache(max_entries=10)
    cache.put(Generation(5, "history one"), "bel", b"old")

    assert cache.get(Generation(5, "history two"), "bel") is None
    cache.put(Generation(5, "history two"), "bel", b"new")
    assert cache.get(Generation(5, "history two"), "bel") == b"new"
    assert cache.get(Generation(5, "history one"), "bel") is None


def test_only_the_most_recently_used_entries_are_kept():
    cache = ReadCache(max_entries=2)
    now = Generation(1, "e1")
    for monument_id in (1, 2):
        cache.put(now, monument_id, f"monument {monument_id}")
    cache.get(now, 1)

    cache.put(now, 3, "monument 3")

    assert [cache.get(now, monument_id) for monument_id in (1, 2, 3)] == [
        "monument 1",
        None,
        "monument 3",
    ]
