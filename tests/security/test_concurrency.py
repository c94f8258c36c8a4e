"""Optimistic concurrency under real parallelism (PostgreSQL): of several PATCHes sent with
the same `If-Match`, exactly one wins, the others get 412, and no update is lost."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from app.audit.models import AuditEvent
from tests.factories import (
    count_rows,
    create_assessment,
    create_monument,
    create_restoration,
    create_site,
)

WRITERS = 8


def _draft_assessment(database) -> int:
    return create_assessment(database, create_monument(database))


# Each resource, how to make one, and a field every writer sets to its own value.
RESOURCES = {
    "site": ("/api/v1/sites/{}", create_site, "description"),
    "monument": ("/api/v1/monuments/{}", create_monument, "period"),
    "draft assessment": ("/api/v1/assessments/{}", _draft_assessment, "notes"),
    "restoration assessment": (
        "/api/v1/restoration-assessments/{}",
        lambda database: create_restoration(database, create_monument(database)),
        "notes",
    ),
}


@pytest.mark.postgresql_only
@pytest.mark.parametrize("resource", RESOURCES)
def test_parallel_patches_with_one_etag_let_exactly_one_writer_win(
    client, auth, database, resource
):
    template, create, field = RESOURCES[resource]
    url = template.format(create(database))
    etag = client.get(url, headers=auth("staff")).headers["etag"]
    events_before = count_rows(database, AuditEvent)

    def patch(writer: int):
        return client.patch(
            url,
            json={field: f"written by writer {writer}"},
            headers=auth("staff") | {"If-Match": etag},
        )

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        responses = list(pool.map(patch, range(WRITERS)))

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] + [412] * (WRITERS - 1), [r.text for r in responses]
    winner = next(response for response in responses if response.status_code == 200)
    # No lost update: what is stored is the winner's write, and the one audit event says so.
    stored = client.get(url, headers=auth("staff"))
    assert stored.json()[field] == winner.json()[field]
    assert stored.headers["etag"] == winner.headers["etag"]
    assert count_rows(database, AuditEvent) == events_before + 1
    # A loser that reads again and retries with the new ETag succeeds.
    retry = client.patch(
        url,
        json={field: "written after reading again"},
        headers=auth("staff") | {"If-Match": stored.headers["etag"]},
    )
    assert retry.status_code == 200
    assert client.get(url, headers=auth("staff")).json()[field] == "written after reading again"
