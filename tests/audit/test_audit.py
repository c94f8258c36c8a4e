"""The audit trail: one chained event per write, and tampering is found."""

import contextlib
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from app.audit import service as audit
from app.audit.models import AuditEvent
from app.core.actors import command_line_actor
from tests.cli import command_env, run_command
from tests.factories import count_rows, create_monument, site_fields

VERIFY = "/api/v1/audit/verify"


def events(database) -> list[AuditEvent]:
    from sqlmodel import select

    with database.session(write=False) as session:
        return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)).all())


def test_every_write_appends_one_event_naming_who_did_what(client, auth, database):
    keys_created = len(events(database))  # the api_keys fixture's keys, made by a test actor
    site = client.post("/api/v1/sites", json=site_fields(), headers=auth("staff")).json()
    etag = client.get(f"/api/v1/sites/{site['id']}").headers["etag"]
    client.patch(
        f"/api/v1/sites/{site['id']}",
        json={"description": "Oasis city."},
        headers=auth("admin") | {"If-Match": etag},
    )

    trail = events(database)[keys_created:]
    assert [(e.action, e.entity_type, e.entity_id) for e in trail] == [
        ("create", "site", site["id"]),
        ("update", "site", site["id"]),
    ]
    assert trail[0].actor.startswith("staff:test staff")
    assert trail[1].actor_role == "admin"
    assert trail[1].state["description"] == "Oasis city."
    assert trail[1].before_digest == trail[0].after_digest
    assert trail[1].prev_hash == trail[0].hash


def test_refused_writes_leave_no_event(client, auth, database):
    monument_id = create_monument(database)
    before = count_rows(database, AuditEvent)
    url = f"/api/v1/monuments/{monument_id}"
    client.patch(url, json={"name": ""}, headers=auth("staff") | {"If-Match": "*"})
    client.patch(url, json={"name": "x"}, headers=auth("staff") | {"If-Match": '"stale"'})
    client.delete(url, headers=auth("staff"))
    assert count_rows(database, AuditEvent) == before


def test_audit_list_filters_by_entity(client, auth, database):
    monument_id = create_monument(database)
    response = client.get(
        "/api/v1/audit",
        params={"entity_type": "monument", "entity_id": monument_id},
        headers=auth("staff"),
    )
    assert response.status_code == 200
    assert [(e["action"], e["entity_id"]) for e in response.json()["items"]] == [
        ("create", monument_id)
    ]


class TestTampering:
    """Someone with database access edits history by hand: verification finds the spot."""

    @pytest.fixture
    def chain(self, client, auth, database):
        for name in ["Temple of Bel", "Temple of Baalshamin", "Monumental Arch", "Tetrapylon"]:
            create_monument(database, name=name)
        report = client.get(VERIFY, headers=auth("staff")).json()
        assert report["ok"] is True and report["first_broken"] is None
        return events(database)

    def tamper(self, database, sql: str, **params):
        with database.engine.begin() as connection:
            connection.execute(text(sql), params)

    def verify(self, client, auth):
        return client.get(VERIFY, headers=auth("admin")).json()

    def test_an_edited_row(self, client, auth, database, chain):
        target = chain[5]
        self.tamper(
            database, "UPDATE audit_event SET actor = 'someone else' WHERE id = :id", id=target.id
        )
        report = self.verify(client, auth)
        assert report == report | {"ok": False, "first_broken": target.id, "length": len(chain)}

    def test_an_edited_state_snapshot(self, client, auth, database, chain):
        target = next(e for e in chain if e.entity_type == "monument")
        forged = dict(target.state, name="Temple of Nabu")
        from app.core.db import _json_dumps

        self.tamper(
            database,
            "UPDATE audit_event SET state = :state WHERE id = :id",
            state=_json_dumps(forged),
            id=target.id,
        )
        assert self.verify(client, auth)["first_broken"] == target.id

    def test_an_erased_state_snapshot(self, client, auth, database, chain):
        target = next(e for e in chain if e.entity_type == "monument")
        self.tamper(database, "UPDATE audit_event SET state = NULL WHERE id = :id", id=target.id)
        assert self.verify(client, auth)["first_broken"] == target.id

    def test_a_deletion_keeps_no_snapshot_and_verifies(self, client, auth, database, chain):
        monument_id = next(e for e in chain if e.entity_type == "monument").entity_id
        url = f"/api/v1/monuments/{monument_id}"
        assert client.delete(url, headers=auth("admin")).status_code == 204
        assert self.verify(client, auth)["ok"] is True

    def test_a_deleted_row(self, client, auth, database, chain):
        removed, following = chain[4], chain[5]
        self.tamper(database, "DELETE FROM audit_event WHERE id = :id", id=removed.id)
        report = self.verify(client, auth)
        assert report["ok"] is False
        assert report["first_broken"] == following.id
        assert report["length"] == len(chain) - 1

    def test_an_inserted_row(self, client, auth, database, chain):
        # A forger copies a real event's link and gives it a plausible id in a gap.
        self.tamper(database, "DELETE FROM audit_event WHERE id = :id", id=chain[6].id)
        original = chain[5]
        self.tamper(
            database,
            "INSERT INTO audit_event (id, occurred_at, actor, action, entity_type, entity_id,"
            " prev_hash, hash) VALUES (:id, :at, 'forger', 'create', 'monument', 1, :prev, :hash)",
            id=chain[6].id,
            at=original.occurred_at,
            prev=original.hash,
            hash="f" * 64,
        )
        assert self.verify(client, auth)["first_broken"] == chain[6].id

    def test_the_command_line_reports_it_too(self, database, database_url, chain):
        self.tamper(
            database, "UPDATE audit_event SET entity_id = 999 WHERE id = :id", id=chain[3].id
        )
        result = run_command(command_env(database_url), "audit", "verify")
        assert result.returncode == 1
        assert f'"first_broken": {chain[3].id}' in result.stdout


@pytest.mark.postgresql_only
def test_chain_stays_linear_under_parallel_writers(client, auth, database):
    headers = auth("staff")
    start = count_rows(database, AuditEvent)

    def create(n: int) -> int:
        body = site_fields(name=f"Concurrent site {n}")
        return client.post("/api/v1/sites", json=body, headers=headers).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(create, range(80)))

    assert statuses == [201] * 80
    trail = events(database)
    assert len(trail) == start + 80
    assert len({e.prev_hash for e in trail}) == len(trail)  # no fork: each link used once
    report = client.get(VERIFY, headers=headers).json()
    assert report == report | {"ok": True, "length": len(trail)}


def append(session, entity_id: int) -> AuditEvent:
    return audit.record(
        session=session,
        actor=command_line_actor(),
        action="create",
        entity_type="site",
        entity_id=entity_id,
        before=None,
        after={"n": entity_id},
    )


def test_events_appended_in_one_write_chain_through_its_savepoints(database):
    # A write appending several events locks and reads the chain once; a savepoint rolled
    # back takes its event with it, and what follows links to what was kept.
    with database.session(write=True) as session:
        append(session, 1)
        append(session, 2)
        with contextlib.suppress(RuntimeError), session.begin_nested():
            append(session, 3)
            raise RuntimeError("rolled back with its event")
        append(session, 4)
        with session.begin_nested():
            append(session, 5)
        append(session, 6)

    trail = events(database)[-5:]
    assert [e.entity_id for e in trail] == [1, 2, 4, 5, 6]
    assert [e.prev_hash for e in trail[1:]] == [e.hash for e in trail[:-1]]
    with database.session(write=False) as session:
        assert audit.verify_chain(session=session).ok


@pytest.mark.postgresql_only
def test_chain_stays_linear_when_parallel_writes_append_several_events(database):
    start = count_rows(database, AuditEvent)

    def write(n: int) -> None:
        with database.session(write=True) as session:
            append(session, 2 * n)
            append(session, 2 * n + 1)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(40)))

    trail = events(database)
    assert len(trail) == start + 80
    assert len({e.prev_hash for e in trail}) == len(trail)
    with database.session(write=False) as session:
        assert audit.verify_chain(session=session).ok
