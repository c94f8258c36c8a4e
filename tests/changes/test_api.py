"""The changes feed: every change in commit order, per role, with cursors and 304s."""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlmodel import select

from app.audit import service as audit_service
from app.audit.models import AuditEvent
from app.keys import service as keys
from app.keys.models import Role
from app.sites import service as sites
from tests.factories import (
    TEST_ACTOR,
    create_assessment,
    create_monument,
    create_site,
    monument_fields,
    site_fields,
)

FEED = "/api/v1/changes"


def poll(client, headers: dict, since: str | None = None, **params) -> dict:
    if since is not None:
        params["since"] = since
    response = client.get(FEED, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def harvest(client, headers: dict, since: str | None = None, **params) -> tuple[list[dict], str]:
    """Every change after `since`, following `has_more`; and the cursor to poll from next."""
    items: list[dict] = []
    while True:
        page = poll(client, headers, since, **params)
        items += page["items"]
        since = page["next_cursor"]
        if not page["has_more"]:
            return items, since


def summary(items: list[dict]) -> list[tuple[str, str]]:
    return [(item["entity_type"], item["action"]) for item in items]


def test_feed_shows_each_change_in_order_with_its_link_and_current_etag(client, auth, database):
    site = client.post("/api/v1/sites", json=site_fields(), headers=auth("staff")).json()
    monument = client.post(
        "/api/v1/monuments", json=monument_fields(site["id"]), headers=auth("staff")
    ).json()
    client.patch(
        f"/api/v1/monuments/{monument['id']}",
        json={"period": "32 AD"},
        headers=auth("staff") | {"If-Match": "*"},
    )

    items, _ = harvest(client, auth("partner"))

    assert summary(items) == [("site", "create"), ("monument", "create"), ("monument", "update")]
    assert [item["href"] for item in items] == [
        f"/api/v1/sites/{site['id']}",
        f"/api/v1/monuments/{monument['id']}",
        f"/api/v1/monuments/{monument['id']}",
    ]
    assert items[0]["id"] < items[1]["id"] < items[2]["id"]
    assert items[1]["monument_id"] == monument["id"] and items[0]["monument_id"] is None
    for item in items:
        assert set(item) == {
            "id",
            "cursor",
            "occurred_at",
            "entity_type",
            "entity_id",
            "action",
            "href",
            "monument_id",
            "etag",
        }
        # The ETag the partner would get now: equal ETags mean nothing to fetch.
        assert client.get(item["href"], headers=auth("partner")).headers["etag"] == item["etag"]


def test_partners_and_the_public_never_see_keys_drafts_or_exact_coordinates(client, auth, database):
    site_id = create_site(database)
    secret = create_monument(database, site_id, sensitive=True, lat=34.54738, lon=38.27393)
    create_assessment(database, secret, status="draft")
    create_assessment(database, secret, status="submitted")
    create_assessment(database, secret, status="rejected")
    verified = create_assessment(database, secret, status="verified")

    for role in (None, "partner", "field"):
        response = client.get(FEED, headers=auth(role))
        assert summary(response.json()["items"]) == [
            ("site", "create"),
            ("monument", "create"),
            ("damage_assessment", "verify"),
        ], role
        assert "34.54738" not in response.text and "38.27393" not in response.text
        assert "api_key" not in response.text and "state" not in response.text
        items = response.json()["items"]
        assert items[2]["entity_id"] == verified and items[2]["monument_id"] == secret
        # The monument's ETag is the one of its generalised view, as this caller reads it.
        read = client.get(f"/api/v1/monuments/{secret}", headers=auth(role))
        assert read.json()["location_generalised"] is (role != "field")
        assert items[1]["etag"] == read.headers["etag"]


def test_staff_see_the_whole_workflow_but_never_keys(client, auth, database):
    monument_id = create_monument(database)
    create_assessment(database, monument_id, status="rejected")

    items, _ = harvest(client, auth("staff"))

    assert summary(items) == [
        ("site", "create"),
        ("monument", "create"),
        ("damage_assessment", "create"),
        ("damage_assessment", "submit"),
        ("damage_assessment", "reject"),
    ]
    staff_etag = client.get(items[-1]["href"], headers=auth("staff")).headers["etag"]
    assert items[-1]["etag"] == staff_etag


def test_the_cursor_pages_through_everything_once_and_then_waits(client, auth, database):
    for n in range(5):
        create_site(database, name=f"Site {n}")

    first = client.get(FEED, params={"limit": 2}, headers=auth("partner"))
    assert first.json()["has_more"] is True
    assert 'rel="next"' in first.headers["link"] and "since=" in first.headers["link"]
    items, cursor = harvest(client, auth("partner"), limit=2)

    assert [item["entity_id"] for item in items] == sorted({i["entity_id"] for i in items})
    assert len(items) == 5
    assert cursor == items[-1]["cursor"]
    again = poll(client, auth("partner"), cursor)
    assert again == {"items": [], "next_cursor": cursor, "has_more": False}

    create_site(database, name="Site 5")
    assert [i["action"] for i in poll(client, auth("partner"), cursor)["items"]] == ["create"]
    # Each item's own cursor resumes right after it.
    assert poll(client, auth("partner"), items[3]["cursor"])["items"][0]["id"] == items[4]["id"]


def test_an_idle_feed_answers_304_until_something_changes(client, auth, database):
    create_site(database)
    _, cursor = harvest(client, auth("partner"))
    idle = client.get(FEED, params={"since": cursor}, headers=auth("partner"))
    etag = idle.headers["etag"]

    conditional = auth("partner") | {"If-None-Match": etag}
    response = client.get(FEED, params={"since": cursor}, headers=conditional)
    assert response.status_code == 304 and response.content == b""
    assert response.headers["etag"] == etag

    # A change the partner may not see (a new API key) leaves its feed idle.
    with database.session(write=True) as session:
        keys.create_key(session=session, name="another", role=Role.field, actor=TEST_ACTOR)
    assert client.get(FEED, params={"since": cursor}, headers=conditional).status_code == 304

    create_monument(database)
    changed = client.get(FEED, params={"since": cursor}, headers=conditional)
    assert changed.status_code == 200
    assert summary(changed.json()["items"]) == [("site", "create"), ("monument", "create")]


def test_entity_filter(client, auth, database):
    monument_id = create_monument(database)
    create_assessment(database, monument_id, status="verified")

    only_sites = poll(client, auth("partner"), entity="site")["items"]
    assert summary(only_sites) == [("site", "create")]
    both = client.get(
        f"{FEED}?entity=monument&entity=damage_assessment", headers=auth("partner")
    ).json()["items"]
    assert summary(both) == [("monument", "create"), ("damage_assessment", "verify")]


def test_a_withdrawn_monument_shows_its_deletion_without_an_etag(client, auth, database):
    monument_id = create_monument(database)
    client.delete(f"/api/v1/monuments/{monument_id}", headers=auth("admin"))

    items, _ = harvest(client, auth("partner"), entity="monument")

    assert summary(items) == [("monument", "create"), ("monument", "delete")]
    assert [item["etag"] for item in items] == [None, None]
    assert client.get(items[-1]["href"]).status_code == 410


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"since": "not-a-cursor"}, 400),
        ({"entity": "api_key"}, 422),
        ({"limit": 0}, 422),
        ({"limit": 201}, 422),
    ],
)
def test_bad_requests_are_problems(client, database, params, status):
    response = client.get(FEED, params=params)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.postgresql_only
def test_a_harvester_polling_during_concurrent_writes_sees_every_change_exactly_once(
    client, auth, database, monkeypatch
):
    """Writers commit concurrently while a partner polls: the feed must neither skip a change
    committed late with a lower id nor repeat one. A random pause between appending the
    audit event and committing widens the window in which commits could cross."""
    real_record = audit_service.record

    def slow_record(**kwargs):
        event = real_record(**kwargs)
        time.sleep(random.uniform(0, 0.01))
        return event

    monkeypatch.setattr(audit_service, "record", slow_record)
    staff, partner = auth("staff"), auth("partner")
    writers_done = threading.Event()
    seen: list[int] = []

    def write(n: int) -> None:
        site = client.post("/api/v1/sites", json=site_fields(name=f"S{n}"), headers=staff)
        assert site.status_code == 201, site.text
        patched = client.patch(
            f"/api/v1/sites/{site.json()['id']}",
            json={"description": f"Edited {n}"},
            headers=staff | {"If-Match": "*"},
        )
        assert patched.status_code == 200, patched.text

    def poll_until_writers_are_done() -> None:
        cursor = None
        while True:
            finished = writers_done.is_set()  # read before polling: the last poll is complete
            page = poll(client, partner, cursor, limit=7)
            seen.extend(item["id"] for item in page["items"])
            cursor = page["next_cursor"]
            if finished and not page["has_more"]:
                return

    harvester = threading.Thread(target=poll_until_writers_are_done)
    harvester.start()
    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(write, range(60)))
    writers_done.set()
    harvester.join(timeout=120)

    with database.session(write=False) as session:
        committed = session.exec(
            select(AuditEvent.id).where(AuditEvent.entity_type == "site").order_by(AuditEvent.id)
        ).all()
    assert len(committed) == 120
    assert len(seen) == len(set(seen)), "a change was delivered twice"
    assert sorted(set(committed) - set(seen)) == [], "changes were missed"
    assert seen == list(committed)


@pytest.mark.postgresql_only
def test_an_append_waits_for_the_previous_one_to_commit(client, auth, database):
    """The mechanism behind the feed's guarantee: a second writer cannot even get its event
    id while the first one's transaction is open, so ids are handed out in commit order."""
    second_done = threading.Event()

    def second_writer() -> None:
        create_site(database, name="Second")
        second_done.set()

    with database.session(write=True) as first:
        first_site = sites.create_site(
            session=first, fields=site_fields(name="First"), actor=TEST_ACTOR
        )
        writer = threading.Thread(target=second_writer)
        writer.start()
        assert not second_done.wait(0.5), "the second append did not wait for the first commit"
        assert poll(client, auth("partner"))["items"] == []  # nothing committed yet
    writer.join(timeout=10)
    assert second_done.is_set()

    items = poll(client, auth("partner"))["items"]
    assert items[0]["entity_id"] == first_site.id
    assert len(items) == 2 and items[0]["id"] < items[1]["id"]


def test_restoration_and_photo_changes_are_published_with_current_etags(client, auth, database):
    from tests.factories import create_restoration, restoration_fields
    from tests.photos.pictures import jpeg_bytes

    monument_id = create_monument(database)
    _, start = harvest(client, {})
    restoration = client.post(
        f"/api/v1/monuments/{monument_id}/restoration-assessments",
        json=restoration_fields(),
        headers=auth("staff"),
    ).json()
    client.patch(
        f"/api/v1/restoration-assessments/{restoration['id']}",
        json={"status": "approved"},
        headers=auth("staff") | {"If-Match": "*"},
    )
    photo = client.post(
        f"/api/v1/monuments/{monument_id}/photos",
        files={"file": ("bel.jpg", jpeg_bytes(), "image/jpeg")},
        headers=auth("field"),
    ).json()
    create_restoration(database, monument_id)

    items, _ = harvest(client, auth("partner"), start)

    assert summary(items) == [
        ("restoration_assessment", "create"),
        ("restoration_assessment", "status:approved"),
        ("photo", "create"),
        ("evidence_item", "create"),  # what kind of evidence the photo is
        ("restoration_assessment", "create"),
    ]
    assert all(item["monument_id"] == monument_id for item in items)
    approved, uploaded, kind = items[1], items[2], items[3]
    assert kind["href"] == f"/api/v1/evidence/{photo['evidence_id']}"
    assert kind["etag"] == client.get(kind["href"], headers=auth("partner")).headers["etag"]
    assert approved["href"] == f"/api/v1/restoration-assessments/{restoration['id']}"
    assert approved["etag"] == client.get(approved["href"]).headers["etag"]
    assert uploaded["href"] == f"/api/v1/photos/{photo['id']}"
    assert uploaded["etag"] == client.get(uploaded["href"], headers=auth("partner")).headers["etag"]


def test_an_entity_type_repeated_a_thousand_times_is_one_filter(client, database):
    create_site(database)
    once = client.get("/api/v1/changes", params={"entity": "site"})
    repeated = client.get("/api/v1/changes", params=[("entity", "site")] * 1000)

    assert repeated.status_code == 200, repeated.text
    assert repeated.json() == once.json()
