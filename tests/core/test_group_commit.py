"""Field teams' POSTs that queue while one is being written are committed together on SQLite,
each in a savepoint of its own (app.core.group_commit): every one is stored with its audit
event, the chain holds, and one that fails fails alone."""

import asyncio
import contextlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import select, text

from app.assessments.models import DamageAssessment
from app.assessments.schemas import AssessmentCreate
from app.assessments.service import record_assessment
from app.audit.models import AuditEvent
from app.audit.service import CHAIN_LOCK_KEY, verify_chain
from app.core import group_commit
from app.core.db import Database
from tests.factories import (
    TEST_ACTOR,
    assessment_fields,
    count_rows,
    create_monument,
    create_site,
    listening,
)

POSTS = 12


@contextmanager
def writes_held(database: Database) -> Iterator[None]:
    """Another writer holds what the service's writes need (SQLite's write lock, PostgreSQL's
    audit chain), so the service's writes queue until the block ends."""
    if database.backend == "sqlite":
        with database.engine.execution_options(sqlite_begin="IMMEDIATE").connect() as holder:
            holder.begin()
            try:
                yield
            finally:
                holder.rollback()
    else:
        with database.engine.connect() as holder:
            holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": CHAIN_LOCK_KEY})
            try:
                yield
            finally:
                # A session lock outlives the transaction: released by hand, always.
                holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": CHAIN_LOCK_KEY})


def writes_arrived(database: Database) -> int:
    """The writes this database's writers hold: queued, or taken into a group."""
    return sum(
        len(writer.queue) + writer.writing
        for writers in list(group_commit._groups.values())
        for writer in writers.values()
        if writer.database is database
    )


def wait_until(condition, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the writes never queued"
        time.sleep(0.01)


def post_at_once(client, auth, database: Database, monument_ids: list[int]) -> list:
    """POST an assessment to each monument at once while the writes are held, and release
    them once every one has reached the writers."""
    with ThreadPoolExecutor(len(monument_ids)) as pool:
        with writes_held(database):
            answers = [
                pool.submit(
                    client.post,
                    f"/api/v1/monuments/{monument_id}/assessments",
                    json=assessment_fields(),
                    headers=auth("field"),
                )
                for monument_id in monument_ids
            ]
            wait_until(lambda: writes_arrived(database) == len(monument_ids))
        return [answer.result() for answer in answers]


@contextmanager
def commits_counted(database: Database) -> Iterator[list[None]]:
    commits: list[None] = []

    def count(connection) -> None:
        commits.append(None)

    with listening(database, "commit", count):
        yield commits


def test_posts_that_queue_together_are_committed_together_each_with_its_event(
    client, auth, database
):
    site_id = create_site(database)
    monument_ids = [create_monument(database, site_id) for _ in range(POSTS)]
    events_before = count_rows(database, AuditEvent)

    with commits_counted(database) as commits:
        answers = post_at_once(client, auth, database, monument_ids)

    assert [answer.status_code for answer in answers] == [201] * POSTS, answers[0].text
    if database.backend == "sqlite":
        # The group taken while the writes were held, then all that queued behind it in one.
        assert len(commits) == 2
    else:
        # A transaction each: grouped, they would take row locks after the chain's.
        assert len(commits) == POSTS
    with database.session(write=False) as session:
        stored = session.scalars(select(DamageAssessment.monument_id)).all()
        created = session.scalars(
            select(AuditEvent.entity_id).where(AuditEvent.entity_type == "damage_assessment")
        ).all()
        assert verify_chain(session=session).ok
    assert sorted(stored) == sorted(monument_ids)
    assert sorted(created) == sorted(answer.json()["id"] for answer in answers)
    assert count_rows(database, AuditEvent) == events_before + POSTS


def test_a_write_that_fails_in_a_group_fails_alone(client, auth, database):
    site_id = create_site(database)
    monument_ids = [create_monument(database, site_id) for _ in range(POSTS)]
    missing = max(monument_ids) + 1000
    monument_ids[-3] = missing  # queued among the others: its write finds no monument

    answers = post_at_once(client, auth, database, monument_ids)

    refused = answers[-3]
    assert refused.status_code == 404
    assert refused.headers["content-type"] == "application/problem+json"
    assert f"no monument with id {missing}" in refused.json()["detail"]
    others = answers[:-3] + answers[-2:]
    assert [answer.status_code for answer in others] == [201] * (POSTS - 1)
    with database.session(write=False) as session:
        stored = session.scalars(select(DamageAssessment.monument_id)).all()
        assert verify_chain(session=session).ok
    assert sorted(stored) == sorted(m for m in monument_ids if m != missing)
    assert count_rows(database, DamageAssessment) == POSTS - 1


def test_a_write_withdrawn_before_its_group_is_taken_is_never_made(database):
    """A field team's POST whose connection drops while it waits for its turn: its write is
    taken out of the queue, and the writes that were taken are made as asked."""
    monument_id = create_monument(database)
    fields = AssessmentCreate(**assessment_fields()).model_dump()

    def record(session):
        return record_assessment(
            session=session, monument_id=monument_id, fields=fields, actor=TEST_ACTOR
        )[0]["id"]

    async def scenario() -> tuple[list[int], bool]:
        writer = group_commit.GroupCommit(database)
        with writes_held(database):
            # Every group this database writes at once, taken one by one and held.
            taken = []
            for _ in range(group_commit._GROUPS_AT_ONCE[database.backend]):
                taken.append(asyncio.create_task(writer.write(record, None)))
                while writer.writing < len(taken):
                    await asyncio.sleep(0.01)
            withdrawn = asyncio.create_task(writer.write(record, None))
            while not writer.queue:
                await asyncio.sleep(0.01)
            withdrawn.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await withdrawn
            left_queued = bool(writer.queue)
        return list(await asyncio.gather(*taken)), left_queued

    written, left_queued = asyncio.run(scenario())

    assert not left_queued
    with database.session(write=False) as session:
        stored = session.scalars(select(DamageAssessment.id)).all()
        assert verify_chain(session=session).ok
    assert sorted(stored) == sorted(written)
    assert len(written) == group_commit._GROUPS_AT_ONCE[database.backend]
