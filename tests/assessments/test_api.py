"""Damage assessments: the review workflow, immutability, and the condition it yields."""

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import update

from app.assessments.models import DamageAssessment
from app.audit.models import AuditEvent
from app.core.actors import Caller
from app.core.time import today_utc
from app.keys import service as keys
from app.keys.models import Role
from app.monuments.models import Monument
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
        "damage_window": {
            "level": "destroyed",
            "after": None,
            "after_assessment_id": None,
            "by": "2015-09-01",
            "by_assessment_id": destroyed,
            "event_from": None,
            "event_to": None,
            "image_pair_id": None,
        },
        "disputed": False,
        "disputed_assessment_ids": [],
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


@pytest.fixture
def learned_late(database, monument_id) -> list[int]:
    """Observed 27 Aug (severe, verified 1 Sep), 31 Aug (destroyed, verified 10 Sep) and
    20 Aug (moderate, verified 20 Sep: older news, learned later)."""
    timeline = [
        ("2015-08-27", "severe_damage", "2015-09-01"),
        ("2015-08-31", "destroyed", "2015-09-10"),
        ("2015-08-20", "moderate_damage", "2015-09-20"),
    ]
    with database.session(write=True) as session:  # recorded before all of it
        session.execute(
            update(Monument)
            .where(Monument.id == monument_id)
            .values(created_at=datetime(2015, 1, 1, tzinfo=UTC))
        )
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
    return ids


def condition_id(client, monument_id, **params) -> int | None:
    found = condition(client, monument_id, **params)
    return found and found["assessment_id"]


def test_as_of_is_the_date_the_condition_held_judged_on_everything_verified_now(
    client, monument_id, learned_late
):
    severe, destroyed, moderate = learned_late
    expected = {
        "2015-08-19": None,
        "2015-08-20": moderate,  # learned on 20 Sep, but it held on 20 Aug
        "2015-08-27": severe,
        "2015-08-30": severe,
        "2015-08-31": destroyed,
        "2016-01-01": destroyed,
    }
    for as_of, assessment_id in expected.items():
        assert condition_id(client, monument_id, as_of=as_of) == assessment_id, as_of
    assert condition_id(client, monument_id) == destroyed
    assert (
        client.get(f"/api/v1/monuments/{monument_id}", params={"as_of": "2999-01-01"}).status_code
        == 422
    )


def test_known_at_is_the_registry_as_it_knew_things_then(client, monument_id, learned_late):
    severe, destroyed, _moderate = learned_late
    expected = {
        "2015-08-30": None,
        "2015-09-01": severe,
        "2015-09-09": severe,
        "2015-09-10": destroyed,
        "2015-09-10T11:59:59Z": severe,  # verified at noon
        "2015-09-10T12:00:00Z": destroyed,
        "2015-09-25": destroyed,
    }
    for known_at, assessment_id in expected.items():
        assert condition_id(client, monument_id, known_at=known_at) == assessment_id, known_at


def test_both_axes_together(client, monument_id, learned_late):
    severe, _destroyed, moderate = learned_late
    assert condition_id(client, monument_id, as_of="2015-08-28", known_at="2015-09-05") == severe
    # The 20 August observation was not known until 20 September.
    assert condition_id(client, monument_id, as_of="2015-08-25", known_at="2015-09-05") is None
    assert condition_id(client, monument_id, as_of="2015-08-25", known_at="2015-09-25") == moderate


def test_damage_window_runs_from_the_last_lesser_observation_to_the_first_that_showed_it(
    client, monument_id, learned_late
):
    severe, destroyed, moderate = learned_late
    assert condition(client, monument_id)["damage_window"] == {
        "level": "destroyed",
        "after": "2015-08-27",
        "after_assessment_id": severe,
        "by": "2015-08-31",
        "by_assessment_id": destroyed,
        "event_from": None,
        "event_to": None,
        "image_pair_id": None,
    }
    window = condition(client, monument_id, as_of="2015-08-30")["damage_window"]
    assert (window["after_assessment_id"], window["by_assessment_id"]) == (moderate, severe)


def test_the_damage_level_filter_follows_both_axes(client, monument_id, learned_late):
    def destroyed(**params):
        params["damage_level"] = "destroyed"
        return [m["id"] for m in client.get("/api/v1/monuments", params=params).json()["items"]]

    assert destroyed(as_of="2015-08-30") == []
    assert destroyed(as_of="2015-08-31") == [monument_id]
    assert destroyed(known_at="2015-09-05") == []
    assert destroyed(known_at="2015-09-15") == [monument_id]


def test_a_monument_is_listed_under_any_as_of_and_hidden_only_by_known_at(
    client, database, monument_id
):
    def listed(**params):
        return [m["id"] for m in client.get("/api/v1/monuments", params=params).json()["items"]]

    assert listed(as_of="1900-01-01") == [monument_id]
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    assert listed(known_at=yesterday) == []
    hidden = client.get(f"/api/v1/monuments/{monument_id}", params={"known_at": yesterday})
    assert hidden.status_code == 404
    assert "known_at" in hidden.json()["detail"]


@pytest.mark.parametrize(
    "known_at", ["0", "2015-9-1", "yesterday", "2015-02-30", "2015-09-01T25:00Z", "2999-01-01"]
)
def test_known_at_refuses_anything_but_a_past_date_or_date_time(client, monument_id, known_at):
    response = client.get(f"/api/v1/monuments/{monument_id}", params={"known_at": known_at})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "known_at" in response.text


def test_observations_of_the_same_time_that_disagree_are_disputed(client, database, monument_id):
    standing = create_assessment(
        database,
        monument_id,
        status="verified",
        observed_on="2015-08-31",
        damage_level="moderate_damage",
    )
    gone = create_assessment(
        database,
        monument_id,
        status="verified",
        observed_on="2015-08-31",
        damage_level="destroyed",
        event_from="2015-08-27",
        event_to="2015-08-31",
    )
    found = condition(client, monument_id)
    assert found["assessment_id"] == gone
    assert found["disputed"] is True
    assert found["disputed_assessment_ids"] == sorted([standing, gone])
    assert (found["damage_window"]["event_from"], found["damage_window"]["event_to"]) == (
        "2015-08-27",
        "2015-08-31",
    )
    # One level apart is a difference of judgement, not a dispute.
    other = create_monument(database)
    create_assessment(database, other, status="verified", damage_level="severe_damage")
    create_assessment(database, other, status="verified", damage_level="destroyed")
    assert condition(client, other)["disputed"] is False


def test_an_event_window_must_end_by_the_observation(client, auth, monument_id):
    for window, field in (
        ({"event_from": "2015-08-30", "event_to": "2015-08-27"}, "event_to"),
        ({"event_from": "2015-09-02"}, "event_from"),
        ({"event_to": "2015-09-02"}, "event_to"),
    ):
        response = client.post(
            history_url(monument_id),
            json=assessment_fields(observed_on="2015-09-01", **window),
            headers=auth("field"),
        )
        assert response.status_code == 422, window
        assert response.json()["errors"][0]["loc"] == ["body", field]
    accepted = client.post(
        history_url(monument_id),
        json=assessment_fields(
            observed_on="2015-09-01", event_from="2015-08-27", event_to="2015-08-31"
        ),
        headers=auth("field"),
    )
    assert accepted.status_code == 201
    assert accepted.json()["event_from"] == "2015-08-27"


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
