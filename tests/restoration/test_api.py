"""Restoration assessments: validation, status transitions, exact money, filters, audit."""

from datetime import timedelta

import pytest

from app.audit.models import AuditEvent
from app.core.time import today_utc
from app.restoration.models import RestorationAssessment
from tests.factories import (
    count_rows,
    create_assessment,
    create_monument,
    create_restoration,
    restoration_fields,
)


def collection(monument_id: int) -> str:
    return f"/api/v1/monuments/{monument_id}/restoration-assessments"


def url(restoration_id: int) -> str:
    return f"/api/v1/restoration-assessments/{restoration_id}"


@pytest.fixture
def arch(database) -> int:
    """The Monumental Arch, with its verified destruction recorded."""
    monument_id = create_monument(database, name="Monumental Arch", type="arch")
    create_assessment(database, monument_id, status="verified", observed_on="2015-10-04")
    return monument_id


def test_staff_record_an_opinion_and_the_monument_shows_it(client, auth, database, arch):
    body = restoration_fields(restorable_percent=25)
    response = client.post(collection(arch), json=body, headers=auth("staff"))

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "proposed"
    assert created["estimated_cost"] == {"amount": "1500000.00", "currency": "USD"}
    assert created["prerequisites"] == ["demining", "security_clearance"]
    assert created["is_latest_approved"] is False
    monument = client.get(f"/api/v1/monuments/{arch}").json()
    assert monument["latest_restoration"]["id"] == created["id"]
    assert monument["current_condition"]["damage_level"] == "destroyed"


@pytest.mark.parametrize(
    "amount",
    ["0.00", "1500000.00", "0.125", "999999999999999.999", "12.5", "2500000000"],
)
def test_money_round_trips_exactly(client, auth, database, arch, amount):
    from decimal import Decimal

    body = restoration_fields(estimated_cost={"amount": amount, "currency": "syp"})
    created = client.post(collection(arch), json=body, headers=auth("staff")).json()
    read = client.get(url(created["id"])).json()["estimated_cost"]

    assert Decimal(read["amount"]) == Decimal(amount)
    assert read["currency"] == "SYP"
    with database.session(write=False) as session:
        stored = session.get(RestorationAssessment, created["id"])
        assert stored.estimated_cost_thousandths == int(Decimal(amount) * 1000)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"original_material_percent": 101}, "original_material_percent"),
        ({"restorable_percent": -5}, "restorable_percent"),
        ({"estimated_cost": {"amount": "1.0001", "currency": "USD"}}, "estimated_cost"),
        ({"estimated_cost": {"amount": "-1", "currency": "USD"}}, "estimated_cost"),
        ({"estimated_cost": {"amount": "NaN", "currency": "USD"}}, "estimated_cost"),
        ({"estimated_cost": {"amount": "10", "currency": "XYZ"}}, "estimated_cost"),
        ({"estimated_cost": {"amount": "10"}}, "estimated_cost"),
        ({"priority": "URGENT"}, "priority"),
        ({"prerequisites": ["demining", "demining"]}, "prerequisites"),
        ({"prerequisites": ["prayer"]}, "prerequisites"),
        ({"approach": "rebuild"}, "approach"),
        ({"assessed_on": (today_utc() + timedelta(days=1)).isoformat()}, "assessed_on"),
        ({"estimated_duration_months": -1}, "estimated_duration_months"),
        ({"status": "approved"}, "status"),
    ],
)
def test_invalid_opinions_are_refused(client, auth, database, arch, body, field):
    response = client.post(collection(arch), json=restoration_fields(**body), headers=auth("staff"))
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"][0]["loc"]
    assert count_rows(database, RestorationAssessment) == 0


def test_restorable_share_needs_a_verified_damage_assessment(client, auth, database):
    untouched = create_monument(database, name="Agora", type="agora")
    create_assessment(database, untouched, status="submitted")
    response = client.post(
        collection(untouched), json=restoration_fields(restorable_percent=90), headers=auth("staff")
    )
    assert response.status_code == 422
    assert "no verified damage assessment" in response.json()["detail"]
    ok = client.post(collection(untouched), json=restoration_fields(), headers=auth("staff"))
    assert ok.status_code == 201


def test_based_on_must_be_a_verified_assessment_of_the_monument(client, auth, database, arch):
    draft = create_assessment(database, arch)
    other = create_assessment(database, create_monument(database), status="verified")
    for basis in (draft, other, 424242):
        response = client.post(
            collection(arch),
            json=restoration_fields(based_on_assessment_id=basis),
            headers=auth("staff"),
        )
        assert response.status_code == 422
        assert "based_on_assessment_id" in response.json()["detail"]


def patch(client, auth, restoration_id, body):
    etag = client.get(url(restoration_id), headers=auth("staff")).headers["etag"]
    return client.patch(url(restoration_id), json=body, headers=auth("staff") | {"If-Match": etag})


def test_an_edit_naming_a_missing_basis_is_refused_and_changes_nothing(
    client, auth, database, arch
):
    restoration_id = create_restoration(database, arch)
    before = client.get(url(restoration_id), headers=auth("staff")).json()

    response = patch(client, auth, restoration_id, {"based_on_assessment_id": 424242})

    assert response.status_code == 422
    assert "based_on_assessment_id" in response.json()["detail"]
    assert client.get(url(restoration_id), headers=auth("staff")).json() == before


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        (["approved"], True),
        (["on_hold"], True),
        (["in_progress"], False),
        (["completed"], False),
        (["approved", "in_progress"], True),
        (["approved", "in_progress", "on_hold", "in_progress"], True),
        (["approved", "proposed"], False),
        (["on_hold", "approved"], True),
    ],
)
def test_status_transitions(client, auth, database, arch, path, allowed):
    restoration_id = create_restoration(database, arch)
    for step, status in enumerate(path):
        response = patch(client, auth, restoration_id, {"status": status})
        if step < len(path) - 1:
            assert response.status_code == 200, (status, response.text)
    if allowed:
        assert response.status_code == 200
        assert response.json()["status"] == path[-1]
    else:
        assert response.status_code == 409
        assert "may become" in response.json()["detail"]
        assert client.get(url(restoration_id)).json()["status"] == (
            path[-2] if len(path) > 1 else "proposed"
        )


def test_completion_needs_a_date_and_then_nothing_changes(client, auth, database, arch):
    restoration_id = create_restoration(database, arch)
    patch(client, auth, restoration_id, {"status": "approved"})
    patch(client, auth, restoration_id, {"status": "in_progress"})

    undated = patch(client, auth, restoration_id, {"status": "completed"})
    assert undated.status_code == 422
    assert "completed_on" in undated.json()["detail"]
    early = patch(
        client, auth, restoration_id, {"status": "completed", "completed_on": "2016-01-01"}
    )
    assert early.status_code == 422
    done = patch(
        client, auth, restoration_id, {"status": "completed", "completed_on": "2020-06-30"}
    )
    assert done.status_code == 200
    assert done.json()["completed_on"] == "2020-06-30"

    frozen = patch(client, auth, restoration_id, {"notes": "one more thing"})
    assert frozen.status_code == 409


def test_opinions_coexist_and_the_latest_approved_is_marked(client, auth, database, arch):
    dgam = create_restoration(database, arch, assessed_on="2016-03-26", organisation="DGAM")
    lamb = create_restoration(
        database, arch, assessed_on="2016-03-27", organisation="F. Lamb", restorable_percent=90
    )
    hermitage = create_restoration(
        database, arch, assessed_on="2016-07-26", organisation="Hermitage"
    )
    patch(client, auth, dgam, {"status": "approved"})
    patch(client, auth, hermitage, {"status": "on_hold"})

    items = client.get(collection(arch)).json()["items"]
    assert [i["id"] for i in items] == [dgam, lamb, hermitage]
    assert [i["is_latest_approved"] for i in items] == [True, False, False]
    assert client.get(f"/api/v1/monuments/{arch}").json()["latest_restoration"]["id"] == hermitage


def test_monument_list_filters_by_latest_restoration(client, database, arch):
    theatre = create_monument(database, name="Roman theatre", type="theatre")
    create_assessment(database, theatre, status="verified")
    create_monument(database, name="Agora", type="agora")
    create_restoration(database, arch, priority="urgent", prerequisites=["demining"])
    create_restoration(database, theatre, priority="low", prerequisites=["funding"])

    def ids(**params):
        response = client.get("/api/v1/monuments", params=params)
        assert response.status_code == 200, response.text
        return [m["id"] for m in response.json()["items"]]

    assert ids(priority="urgent") == [arch]
    assert ids(prerequisite="demining") == [arch]
    assert ids(prerequisite="funding") == [theatre]
    assert ids(prerequisite="security_clearance") == []
    assert ids(restoration_status="proposed") == [arch, theatre]
    assert ids(restoration_status="completed") == []
    assert client.get("/api/v1/monuments", params={"prerequisite": "luck"}).status_code == 422


def test_every_write_is_audited(client, auth, database, arch):
    created = client.post(collection(arch), json=restoration_fields(), headers=auth("staff")).json()
    patch(client, auth, created["id"], {"notes": "Revised."})
    patch(client, auth, created["id"], {"status": "approved"})
    trail = client.get(
        "/api/v1/audit",
        params={"entity_type": "restoration_assessment", "entity_id": created["id"]},
        headers=auth("admin"),
    ).json()["items"]
    assert [e["action"] for e in trail] == ["create", "update", "status:approved"]
    assert trail[0]["state"]["estimated_cost_thousandths"] == 1_500_000_000


def test_refused_changes_leave_no_trace(client, auth, database, arch):
    restoration_id = create_restoration(database, arch)
    events = count_rows(database, AuditEvent)
    assert patch(client, auth, restoration_id, {"status": "completed"}).status_code == 409
    assert patch(client, auth, restoration_id, {"restorable_percent": 120}).status_code == 422
    assert count_rows(database, AuditEvent) == events
    assert client.get(url(restoration_id)).json()["status"] == "proposed"
