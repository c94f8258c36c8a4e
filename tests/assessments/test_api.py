"""Damage assessments: the review workflow, immutability, and the condition it yields."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from app.assessments.models import DamageAssessment
from app.audit.models import AuditEvent
from app.core.actors import Caller
from app.core.time import today_utc
from app.keys import service as keys
from app.keys.models import Role
from tests.factories import (
    assessment_fields,
    count_rows,
    create_assessment,
    create_monument,
)


def url(assessment_id: int, action: str = "") -> str:
    return f"/api/v1/assessments/{assessment_id}" + (f"/{action}" if action else "")


def history_url(monument_id: int) -> str:
    return f"/api/v1/monuments/{monument_id}/assessments"


def key_actor(database, api_keys, role: str) -> Caller:
    """The actor behind one of the test keys, to author assessments as that key."""
    with database.session(write=False) as session:
        key = keys.find_active_key(session=session, secret=api_keys[role])
    return Caller(role=Role(role), key_id=key.id, name=key.name)


@pytest.fixture
def monument_id(database):
    return create_monument(database)


def test_field_team_records_a_draft_that_the_public_cannot_see(client, auth, database, monument_id):
    response = client.post(
        history_url(monument_id), json=assessment_fields(), headers=auth("field")
    )

    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["status"] == "draft"
    # Named to staff only; the team itself (like any non-staff reader) sees role and key.
    assert re.fullmatch(r"field \(key \d+\)", draft["author"])
    staff_view = client.get(url(draft["id"]), headers=auth("staff")).json()
    assert staff_view["author"].startswith("field:test field")
    assert response.headers["location"] == url(draft["id"])
    assert client.get(url(draft["id"]), headers=auth("field")).status_code == 200
    assert client.get(url(draft["id"])).status_code == 404
    assert client.get(url(draft["id"]), headers=auth("partner")).status_code == 404
    assert client.get(history_url(monument_id)).json()["items"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("observed_on", (today_utc() + timedelta(days=1)).isoformat()),
        ("observed_on", "0000-01-01"),
        ("observed_on", "1799-12-31"),
        ("observed_on", "31/08/2015"),
        ("extent_percent", 101),
        ("extent_percent", -1),
        ("extent_percent", 12.5),
        ("causes", ["aliens"]),
        ("causes", ["looting", "looting"]),
        ("damage_level", "Destroyed"),
        ("method", "rumour"),
        ("confidence", "certain"),
        ("source", "  "),
        ("source", "x" * 2001),
    ],
)
def test_invalid_assessments_are_refused(client, auth, database, monument_id, field, value):
    body = assessment_fields(**{field: value})
    response = client.post(history_url(monument_id), json=body, headers=auth("staff"))
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"][0]["loc"]
    assert count_rows(database, DamageAssessment) == 0


def test_controlled_causes_are_documented_in_the_api(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    assert "deliberate_destruction" in schema["DamageCause"]["enum"]
    assert "looting" in schema["DamageCause"]["enum"]


class TestWorkflow:
    """draft → submitted → verified | rejected, each step by the right people only."""

    EXPECTED = {
        # state: (PATCH by author, submit by author, review by another staff member)
        "draft": (200, 200, 409),
        "submitted": (409, 409, 200),
        "verified": (409, 409, 409),
        "rejected": (409, 409, 409),
    }

    @pytest.mark.parametrize("state", list(EXPECTED))
    @pytest.mark.parametrize("action", ["patch", "submit", "review"])
    def test_transition(self, client, auth, database, api_keys, monument_id, state, action):
        author = key_actor(database, api_keys, "field")
        assessment_id = create_assessment(database, monument_id, status=state, author=author)
        stored_before = client.get(url(assessment_id), headers=auth("staff")).json()

        if action == "patch":
            response = client.patch(
                url(assessment_id),
                json={"notes": "Corrected."},
                headers=auth("field") | {"If-Match": "*"},
            )
        elif action == "submit":
            response = client.post(url(assessment_id, "submit"), headers=auth("field"))
        else:
            response = client.post(
                url(assessment_id, "review"), json={"decision": "verify"}, headers=auth("staff")
            )

        expected = self.EXPECTED[state][["patch", "submit", "review"].index(action)]
        assert response.status_code == expected, response.text
        stored_after = client.get(url(assessment_id), headers=auth("staff")).json()
        if expected == 409:
            assert stored_after == stored_before
            if state in ("verified", "rejected"):
                assert "supersedes" in response.json()["detail"]

    def test_the_author_can_never_review_their_own_assessment(
        self, client, auth, database, api_keys, monument_id
    ):
        author = key_actor(database, api_keys, "staff")
        assessment_id = create_assessment(database, monument_id, status="submitted", author=author)
        response = client.post(
            url(assessment_id, "review"), json={"decision": "verify"}, headers=auth("staff")
        )
        assert response.status_code == 403
        assert "never the author" in response.json()["detail"]
        assert client.get(url(assessment_id), headers=auth("admin")).json()["status"] == "submitted"

    def test_field_teams_cannot_review(self, client, auth, database, monument_id):
        assessment_id = create_assessment(database, monument_id, status="submitted")
        response = client.post(
            url(assessment_id, "review"), json={"decision": "verify"}, headers=auth("field")
        )
        assert response.status_code == 403

    def test_another_field_team_cannot_see_or_touch_a_draft(
        self, client, auth, database, monument_id
    ):
        someone_else = Caller(role=Role.field, key_id=None, name="team B")
        assessment_id = create_assessment(database, monument_id, author=someone_else)
        assert client.get(url(assessment_id), headers=auth("field")).status_code == 404
        patch = client.patch(
            url(assessment_id), json={"notes": "x"}, headers=auth("field") | {"If-Match": "*"}
        )
        assert patch.status_code == 404

    def test_staff_may_edit_anyones_draft_with_if_match(self, client, auth, database, monument_id):
        assessment_id = create_assessment(database, monument_id)
        etag = client.get(url(assessment_id), headers=auth("staff")).headers["etag"]
        assert (
            client.patch(url(assessment_id), json={"extent_percent": 80}, headers=auth("staff"))
        ).status_code == 428
        edited = client.patch(
            url(assessment_id),
            json={"extent_percent": 80},
            headers=auth("staff") | {"If-Match": etag},
        )
        assert edited.status_code == 200
        assert edited.json()["extent_percent"] == 80
        stale = client.patch(
            url(assessment_id),
            json={"extent_percent": 70},
            headers=auth("staff") | {"If-Match": etag},
        )
        assert stale.status_code == 412

    def test_rejecting_needs_a_note(self, client, auth, database, monument_id):
        assessment_id = create_assessment(database, monument_id, status="submitted")
        bare = client.post(
            url(assessment_id, "review"), json={"decision": "reject"}, headers=auth("staff")
        )
        assert bare.status_code == 422
        rejected = client.post(
            url(assessment_id, "review"),
            json={"decision": "reject", "note": "The image shows the theatre, not the temple."},
            headers=auth("staff"),
        )
        assert rejected.status_code == 200
        assert rejected.json()["status"] == "rejected"
        assert rejected.json()["reviewer"].startswith("staff:test staff")

    def test_every_step_is_audited(self, client, auth, database, api_keys, monument_id):
        created = client.post(
            history_url(monument_id), json=assessment_fields(), headers=auth("field")
        ).json()
        client.post(url(created["id"], "submit"), headers=auth("field"))
        client.post(
            url(created["id"], "review"), json={"decision": "verify"}, headers=auth("staff")
        )
        trail = client.get(
            "/api/v1/audit",
            params={"entity_type": "damage_assessment", "entity_id": created["id"]},
            headers=auth("staff"),
        ).json()["items"]
        assert [(e["action"], e["actor_role"]) for e in trail] == [
            ("create", "field"),
            ("submit", "field"),
            ("verify", "staff"),
        ]


def condition(client, monument_id, **params):
    response = client.get(f"/api/v1/monuments/{monument_id}", params=params)
    assert response.status_code == 200, response.text
    return response.json()["current_condition"]


def test_current_condition_follows_the_latest_observation_not_the_latest_review(
    client, database, monument_id
):
    assert condition(client, monument_id) is None
    destroyed = create_assessment(
        database, monument_id, status="verified", observed_on="2015-09-01", damage_level="destroyed"
    )
    assert condition(client, monument_id) == {
        "damage_level": "destroyed",
        "extent_percent": 90,
        "observed_on": "2015-09-01",
        "assessment_id": destroyed,
    }
    # An older observation verified later does not overwrite the newer one.
    create_assessment(
        database,
        monument_id,
        status="verified",
        observed_on="2015-08-20",
        damage_level="possible_damage",
    )
    assert condition(client, monument_id)["assessment_id"] == destroyed
    # Drafts, submitted and rejected work never count.
    for status in ("draft", "submitted", "rejected"):
        create_assessment(database, monument_id, status=status, observed_on="2016-01-01")
    assert condition(client, monument_id)["assessment_id"] == destroyed


def test_same_day_observations_the_one_verified_last_wins(client, database, monument_id):
    create_assessment(database, monument_id, status="verified", damage_level="severe_damage")
    later = create_assessment(database, monument_id, status="verified", damage_level="destroyed")
    assert condition(client, monument_id)["assessment_id"] == later


def test_a_verified_correction_supersedes_the_original(client, auth, database, monument_id):
    original = create_assessment(database, monument_id, status="verified", extent_percent=90)
    correction = client.post(
        history_url(monument_id),
        json=assessment_fields(extent_percent=60, supersedes=original),
        headers=auth("staff"),
    ).json()
    assert correction["supersedes"] == original
    assert condition(client, monument_id)["assessment_id"] == original  # not verified yet

    client.post(url(correction["id"], "submit"), headers=auth("staff"))
    client.post(url(correction["id"], "review"), json={"decision": "verify"}, headers=auth("admin"))

    assert condition(client, monument_id)["assessment_id"] == correction["id"]
    history = [a["id"] for a in client.get(history_url(monument_id)).json()["items"]]
    assert history == [original, correction["id"]]  # history keeps both


def test_supersedes_must_name_a_verified_assessment_of_the_same_monument(
    client, auth, database, monument_id
):
    draft = create_assessment(database, monument_id)
    elsewhere = create_assessment(database, create_monument(database), status="verified")
    for target in (draft, elsewhere, 999999):
        response = client.post(
            history_url(monument_id),
            json=assessment_fields(supersedes=target),
            headers=auth("staff"),
        )
        assert response.status_code == 422
        assert "supersedes" in response.json()["detail"]
    assert count_rows(database, DamageAssessment) == 2


def backdate_review(database, assessment_id: int, day: str) -> None:
    """Arrange history: say an assessment was verified on `day` (noon UTC)."""
    reviewed_at = datetime.fromisoformat(day).replace(hour=12, tzinfo=UTC)
    with database.session(write=True) as session:
        session.execute(
            update(DamageAssessment)
            .where(DamageAssessment.id == assessment_id)
            .values(reviewed_at=reviewed_at)
        )


def test_as_of_gives_the_condition_as_it_was_known_on_each_date(client, database, monument_id):
    # Observed 27 Aug (severe, verified 1 Sep); observed 31 Aug (destroyed, verified 10 Sep);
    # observed 20 Aug (moderate, verified 20 Sep: older news, learned later).
    timeline = [
        ("2015-08-27", "severe_damage", "2015-09-01"),
        ("2015-08-31", "destroyed", "2015-09-10"),
        ("2015-08-20", "moderate_damage", "2015-09-20"),
    ]
    ids = []
    for observed_on, level, verified_on in timeline:
        ids.append(
            create_assessment(
                database,
                monument_id,
                status="verified",
                observed_on=observed_on,
                damage_level=level,
            )
        )
        backdate_review(database, ids[-1], verified_on)

    expected = {
        "2015-08-30": None,
        "2015-09-01": ids[0],
        "2015-09-09": ids[0],
        "2015-09-10": ids[1],
        "2015-09-25": ids[1],
    }
    for as_of, assessment_id in expected.items():
        found = condition(client, monument_id, as_of=as_of)
        assert (found and found["assessment_id"]) == assessment_id, as_of
    assert condition(client, monument_id)["assessment_id"] == ids[1]
    assert (
        client.get(f"/api/v1/monuments/{monument_id}", params={"as_of": "2999-01-01"}).status_code
        == 422
    )

    def destroyed_on(as_of):
        params = {"damage_level": "destroyed", "as_of": as_of}
        return [m["id"] for m in client.get("/api/v1/monuments", params=params).json()["items"]]

    assert destroyed_on("2015-09-05") == []
    assert destroyed_on("2015-09-15") == [monument_id]


def test_monument_list_filters_by_current_damage_level(client, database):
    bel = create_monument(database, name="Temple of Bel")
    arch = create_monument(database, name="Monumental Arch", type="arch")
    create_monument(database, name="Agora", type="agora")
    create_assessment(database, bel, status="verified", damage_level="destroyed")
    create_assessment(database, arch, status="verified", damage_level="severe_damage")
    create_assessment(database, arch, status="submitted", damage_level="destroyed")

    def ids(level):
        params = {"damage_level": level}
        return [m["id"] for m in client.get("/api/v1/monuments", params=params).json()["items"]]

    assert ids("destroyed") == [bel]
    assert ids("severe_damage") == [arch]
    assert ids("no_visible_damage") == []
    assert client.get("/api/v1/monuments", params={"damage_level": "DESTROYED"}).status_code == 422


def test_verification_changes_the_monuments_etag(client, auth, database, monument_id):
    etag = client.get(f"/api/v1/monuments/{monument_id}").headers["etag"]
    create_assessment(database, monument_id, status="verified")
    refreshed = client.get(f"/api/v1/monuments/{monument_id}", headers={"If-None-Match": etag})
    assert refreshed.status_code == 200
    assert refreshed.json()["current_condition"]["damage_level"] == "destroyed"


def test_history_is_in_observed_order_filterable_and_paged(client, auth, database, monument_id):
    days = ["2017-01-10", "2015-08-27", "2016-03-27", "2015-08-31", "2015-10-04"]
    ids = {
        day: create_assessment(database, monument_id, status="verified", observed_on=day)
        for day in days
    }
    rejected = create_assessment(database, monument_id, status="rejected", observed_on="2015-09-01")

    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get(history_url(monument_id), params=params).json()
        seen += [a["id"] for a in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [ids[day] for day in sorted(days)]  # the public: verified only

    staff_rejected = client.get(
        history_url(monument_id), params={"status": "rejected"}, headers=auth("staff")
    ).json()["items"]
    assert [a["id"] for a in staff_rejected] == [rejected]


@pytest.mark.postgresql_only
def test_parallel_reviews_make_exactly_one_transition(client, auth, database, monument_id):
    assessment_id = create_assessment(database, monument_id, status="submitted")
    before = count_rows(database, AuditEvent)

    def review(decision):
        body = {"decision": decision, "note": "parallel reviewer"}
        return client.post(url(assessment_id, "review"), json=body, headers=auth("staff"))

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(review, ["verify", "reject"] * 4))

    assert sorted(r.status_code for r in responses) == [200] + [409] * 7
    assert count_rows(database, AuditEvent) == before + 1
