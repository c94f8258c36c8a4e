"""Reads answered from memory stay true: a write made by another process (the command line)
is seen by the next read, and a key revoked from the command line fails on the next request.

The registry's change signal (app.core.changes) is what tells the response cache and the
key cache that something was written: `PRAGMA data_version` on SQLite, LISTEN/NOTIFY from
the audit append on PostgreSQL. Each test reads first, so that what it then reads again
would come from memory if the signal were missed.
"""

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text, update
from sqlmodel import Session

from app.assessments.models import DamageAssessment
from app.core.actors import Role, command_line_actor
from app.core.auth import warm_up_key
from app.core.changes import LISTENER_NAME, ChangeSignal
from app.core.db import make_engine
from app.keys import service as keys
from app.monuments.models import Monument
from tests.audit.test_read_cache import change_signal_ready
from tests.cli import command_env, run_process
from tests.factories import assessment_fields, count_rows, create_monument, create_site
from tests.imports.test_cli import HEADER


def _inventory(tmp_path, site_id: int, period: str) -> str:
    path = tmp_path / f"inventory-{period.replace(' ', '-')}.csv"
    path.write_text(
        "\n".join(
            [
                HEADER,
                f"PAL-001,{site_id},Temple of Bel,,temple,{period},34.54738,38.27393,false,",
                "",
            ]
        )
    )
    return str(path)


def keys_command(database_url: str, *args: str):
    return run_process(command_env(database_url), "keys", *args)


def import_in_another_process(settings, inventory: str):
    env = command_env(settings.database_url, settings.media_root)
    return run_process(env, "import", "monuments", inventory)


@contextmanager
def key_lookups(app) -> Iterator[list[str]]:
    """The secrets the app looks up in the database (rather than knows) within the block."""
    looked_up: list[str] = []
    find_caller = app.state.find_caller

    def counted(*, session, secret):
        looked_up.append(secret)
        return find_caller(session=session, secret=secret)

    app.state.find_caller = counted
    try:
        yield looked_up
    finally:
        app.state.find_caller = find_caller


def test_the_change_signal_needs_no_query_per_request(client, app):
    signal: ChangeSignal = app.state.database.changes
    # Pushed or watched by a held connection, not asked for on each request.
    assert signal.mode in {"sqlite-data-version", "postgresql-listen"}
    assert signal.token() is not None


def test_a_monument_written_by_another_process_is_read_at_once(
    client, auth, database, settings, tmp_path
):
    site_id = create_site(database)
    listing = f"/api/v1/monuments?site_id={site_id}&limit=50"
    for role in ("staff", None):
        assert client.get(listing, headers=auth(role)).json()["items"] == []
        assert client.get(listing, headers=auth(role)).json()["items"] == []

    created = import_in_another_process(settings, _inventory(tmp_path, site_id, "1st century AD"))
    assert created.returncode == 0, created.stdout + created.stderr

    for role in ("staff", None):
        items = client.get(listing, headers=auth(role)).json()["items"]
        assert [item["period"] for item in items] == ["1st century AD"]
    monument_id = items[0]["id"]
    first = client.get(f"/api/v1/monuments/{monument_id}", headers=auth("staff"))
    assert client.get(f"/api/v1/monuments/{monument_id}", headers=auth(None)).status_code == 200
    repeated = client.get(
        f"/api/v1/monuments/{monument_id}",
        headers=auth("staff") | {"If-None-Match": first.headers["etag"]},
    )
    assert repeated.status_code == 304

    changed = import_in_another_process(settings, _inventory(tmp_path, site_id, "32 AD"))
    assert changed.returncode == 0, changed.stdout + changed.stderr

    again = client.get(
        f"/api/v1/monuments/{monument_id}",
        headers=auth("staff") | {"If-None-Match": first.headers["etag"]},
    )
    assert again.status_code == 200
    assert again.json()["period"] == "32 AD"
    assert again.headers["etag"] != first.headers["etag"]
    anonymous = client.get(f"/api/v1/monuments/{monument_id}", headers=auth(None))
    assert anonymous.json()["period"] == "32 AD"
    assert [i["period"] for i in client.get(listing, headers=auth(None)).json()["items"]] == [
        "32 AD"
    ]


def test_a_key_revoked_from_the_command_line_fails_on_the_next_request(
    client, database, database_url
):
    monument_id = create_monument(database)
    created = keys_command(database_url, "create", "--role", "partner", "--name", "UNESCO")
    secret = created.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    for _ in range(3):  # the second and third are answered from memory
        assert client.get(f"/api/v1/monuments/{monument_id}", headers=headers).status_code == 200
        assert client.get("/api/v1/monuments?limit=50", headers=headers).status_code == 200

    with database.session(write=False) as session:
        key_id = keys.find_active_key(session=session, secret=secret).id
    assert keys_command(database_url, "revoke", str(key_id)).returncode == 0

    refused = client.get(f"/api/v1/monuments/{monument_id}", headers=headers)
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"
    assert client.get("/api/v1/monuments?limit=50", headers=headers).status_code == 401


def test_keys_held_at_start_up_are_known_without_a_lookup_until_one_is_revoked(
    app, database, database_url
):
    """Start-up remembers the registry's unrevoked keys (a key's first request then needs
    no lookup of its own); a revocation from the command line still counts at once."""
    monument_id = create_monument(database)
    created = keys_command(database_url, "create", "--role", "partner", "--name", "UNESCO")
    secret = created.stdout.strip().splitlines()[-1]
    revoked = keys_command(database_url, "create", "--role", "staff", "--name", "Former")
    revoked_secret = revoked.stdout.strip().splitlines()[-1]
    with database.session(write=False) as session:
        key_id = keys.find_active_key(session=session, secret=secret).id
        revoked_id = keys.find_active_key(session=session, secret=revoked_secret).id
    assert keys_command(database_url, "revoke", str(revoked_id)).returncode == 0
    headers = {"Authorization": f"Bearer {secret}"}

    with TestClient(app, raise_server_exceptions=False) as client, key_lookups(app) as looked_up:
        read = client.get(f"/api/v1/monuments/{monument_id}", headers=headers)
        assert read.status_code == 200
        assert looked_up == []  # known since start-up
        refused = client.get(
            f"/api/v1/monuments/{monument_id}",
            headers={"Authorization": f"Bearer {revoked_secret}"},
        )
        assert refused.status_code == 401  # revoked before start-up: never remembered

        assert keys_command(database_url, "revoke", str(key_id)).returncode == 0
        after = client.get(f"/api/v1/monuments/{monument_id}", headers=headers)
        assert after.status_code == 401


def test_the_warm_up_key_reads_as_staff_while_start_up_warms_and_never_after(app, database):
    """Start-up reads as a key holder with a secret of its own (app.core.auth.warm_up_key),
    inside the process: it sees exact coordinates while the block runs, and the same header
    sent over HTTP afterwards is refused."""
    monument_id = create_monument(database, sensitive=True)
    with database.session(write=False) as session:
        stored_lat = session.get(Monument, monument_id).lat
    path = f"/api/v1/monuments/{monument_id}"
    with TestClient(app, raise_server_exceptions=False) as client:
        with warm_up_key(app, database, Role.staff) as authorization:
            # As start-up asks: through the app's own stack, no front layers, no log.
            answer = client.portal.call(
                partial(app.answer_internally, path, authorization=authorization)
            )
            inside = json.loads(answer)
        after = client.get(path, headers={"Authorization": authorization.decode()})
    assert inside["lat"] == stored_lat  # the staff view, not the rounded one
    assert after.status_code == 401


def test_keys_stay_known_across_writes_to_other_tables_until_one_is_revoked(
    client, app, auth, database, database_url
):
    """A commit of this process that writes no key leaves the remembered keys alone (the
    signal knows which tables this process's commits wrote); a revocation, in this process
    or from the command line, counts on the next request."""
    monument_id = create_monument(database)
    signal: ChangeSignal = database.changes
    headers = auth("staff")
    with database.session(write=False) as session:
        key_id = keys.find_active_key(session=session, secret=headers["Authorization"][7:]).id
    with key_lookups(app) as looked_up:
        assert client.get(f"/api/v1/monuments/{monument_id}", headers=headers).status_code == 200
        change_signal_ready(client)
        looked_up.clear()
        registry, key_table = signal.token(), signal.token(keys.KEY_TABLE)
        create_site(database)  # a commit of this process that writes no key
        change_signal_ready(client)  # and its own notification heard (PostgreSQL)
        assert signal.token() != registry
        assert client.get(f"/api/v1/monuments/{monument_id}", headers=headers).status_code == 200
        assert signal.token(keys.KEY_TABLE) == key_table
        assert looked_up == []

        with database.session(write=True) as session:  # revoked by this process
            keys.revoke_key(session=session, key_id=key_id, actor=command_line_actor())
        refused = client.get(f"/api/v1/monuments/{monument_id}", headers=headers)
        assert refused.status_code == 401

        partner = auth("partner")
        assert client.get(f"/api/v1/monuments/{monument_id}", headers=partner).status_code == 200
        create_site(database)
        change_signal_ready(client)
        with database.session(write=False) as session:
            secret = partner["Authorization"][7:]
            partner_id = keys.find_active_key(session=session, secret=secret).id
        assert keys_command(database_url, "revoke", str(partner_id)).returncode == 0
        refused = client.get(f"/api/v1/monuments/{monument_id}", headers=partner)
        assert refused.status_code == 401


def test_a_key_stays_known_across_its_own_writes_until_it_is_revoked(app, database, database_url):
    """A key known since start-up stays known across its own POSTs: their commits do not
    make the worker forget it (on PostgreSQL the notification of a write's own commit may
    arrive after it; a lookup on the thread that wrote then finds the key again). A
    revocation from the command line still counts at once."""
    monument_id = create_monument(database)
    created = keys_command(database_url, "create", "--role", "field", "--name", "Team Raqqa")
    secret = created.stdout.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    path = f"/api/v1/monuments/{monument_id}/assessments"

    with TestClient(app, raise_server_exceptions=False) as client, key_lookups(app) as looked_up:
        for _ in range(3):
            looked_up.clear()
            posted = client.post(path, json=assessment_fields(), headers=headers)
            assert posted.status_code == 201
            token = app.state.database.changes.token(app.state.known_keys.table)
            assert app.state.known_keys.get(token, secret) is not None
            if app.state.database.backend == "sqlite":  # exact at once
                assert looked_up == []

        with database.session(write=False) as session:
            key_id = keys.find_active_key(session=session, secret=secret).id
        assert keys_command(database_url, "revoke", str(key_id)).returncode == 0
        refused = client.post(path, json=assessment_fields(), headers=headers)
        assert refused.status_code == 401
    listed = count_rows(database, DamageAssessment)
    assert listed == 3


@pytest.mark.postgresql_only
def test_a_lost_listening_connection_never_leaves_reads_stale(
    client, auth, database, settings, tmp_path
):
    site_id = create_site(database)
    listing = f"/api/v1/monuments?site_id={site_id}&limit=50"
    assert client.get(listing, headers=auth("partner")).json()["items"] == []
    assert client.get(listing, headers=auth("partner")).json()["items"] == []
    with database.engine.begin() as connection:
        ended = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = :name AND datname = current_database()"
            ),
            {"name": LISTENER_NAME},
        ).all()
    assert ended  # the listener was there, and is gone

    created = import_in_another_process(settings, _inventory(tmp_path, site_id, "1st century AD"))
    assert created.returncode == 0, created.stdout + created.stderr

    items = client.get(listing, headers=auth("partner")).json()["items"]
    assert [item["period"] for item in items] == ["1st century AD"]


def test_coordinates_kept_for_staff_are_never_served_to_partners_or_the_public(
    client, auth, database
):
    monument_id = create_monument(database, sensitive=True)
    path = f"/api/v1/monuments/{monument_id}"
    exact = client.get(path, headers=auth("staff")).json()
    assert client.get(path, headers=auth("staff")).json() == exact
    assert exact["location_generalised"] is False
    for role in ("partner", None, "partner", None):
        seen = client.get(path, headers=auth(role)).json()
        assert seen["location_generalised"] is True
        assert (seen["lat"], seen["lon"]) != (exact["lat"], exact["lon"])
    listed = client.get("/api/v1/monuments?limit=50", headers=auth(None)).json()["items"]
    assert listed[0]["location_generalised"] is True


@pytest.mark.postgresql_only
def test_a_write_moves_the_token_once_not_again_at_the_next_quiet_poll(client, database):
    # The listener polls the newest audit event each second of silence; a commit it has
    # already heard of must not count as news again, or every kept read is checked anew.
    create_monument(database)
    change_signal_ready(client)
    heard = database.changes.token()
    time.sleep(2.5)  # two quiet polls

    assert database.changes.token() == heard


def test_a_revocation_landing_just_after_this_process_commits_counts_on_the_next_request(
    client, auth, database, database_url
):
    """SQLite: a commit of this process is taken as its own, and keeps the keys known, only
    if no other connection committed between the signal's readings around it. A revocation
    from elsewhere that lands right after that commit, before its connection goes back to the
    pool, still moves the keys' token, and the key is refused on the next request."""
    if database.backend != "sqlite":
        pytest.skip("the SQLite signal's accounting of this process's own commits")
    signal: ChangeSignal = database.changes
    headers = auth("staff")
    secret = headers["Authorization"][7:]
    monument_id = create_monument(database)
    reading = f"/api/v1/monuments/{monument_id}"
    assert client.get(reading, headers=headers).status_code == 200
    with database.session(write=False) as session:
        key_id = keys.find_active_key(session=session, secret=secret).id

    def touch_the_monument(session) -> None:
        monuments = Monument.__table__
        session.execute(
            update(monuments).where(monuments.c.id == monument_id).values(period="1st century")
        )

    key_table = signal.token(keys.KEY_TABLE)
    with database.session(write=True) as session:  # a commit of this process alone
        touch_the_monument(session)
    assert signal.token(keys.KEY_TABLE) == key_table
    assert client.get(reading, headers=headers).status_code == 200

    def revoke_elsewhere(_session) -> None:
        # Through an engine of its own, as the command line would: other connections.
        elsewhere = make_engine(database_url)
        with Session(elsewhere) as other:
            keys.revoke_key(session=other, key_id=key_id, actor=command_line_actor())
            other.commit()
        elsewhere.dispose()

    with database.session(write=True) as session:
        touch_the_monument(session)
        event.listen(session, "after_commit", revoke_elsewhere)
    assert signal.token(keys.KEY_TABLE) != key_table
    assert client.get(reading, headers=headers).status_code == 401
