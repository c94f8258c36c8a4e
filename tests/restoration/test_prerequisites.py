"""Prerequisites until met: a monument waits on a prerequisite while any open restoration
record about it, or about its whole site, lists it as open; recording it met (when, and on
what source) releases the monuments."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from app.monuments.models import Monument
from app.restoration.models import RestorationAssessment
from tests.factories import (
    create_assessment,
    create_monument,
    create_restoration,
    create_site,
    statement_fields,
)

BOCCARDI = statement_fields(
    assessed_on="2016-04-01",
    claimant={"name": "Giovanni Boccardi", "organisation": "UNESCO"},
    quote="a total assessment as soon as the security conditions allow",
    restorable_percent_min=None,
    restorable_percent_max=None,
    prerequisites=["demining", "security_clearance"],
)


def url(restoration_id: int) -> str:
    return f"/api/v1/restoration-assessments/{restoration_id}"


@pytest.fixture
def palmyra(database) -> dict[str, int]:
    """Palmyra (Bel and the Arch destroyed, the Agora unassessed) and Bosra."""
    site_id = create_site(database, whc_id=23)
    bel = create_monument(database, site_id, name="Temple of Bel")
    arch = create_monument(database, site_id, name="Monumental Arch", type="arch")
    agora = create_monument(database, site_id, name="Agora", type="agora")
    for monument_id in (bel, arch):
        create_assessment(database, monument_id, status="verified")
    bosra = create_site(database, name="Ancient City of Bosra", whc_id=22)
    theatre = create_monument(database, bosra, name="Roman theatre", type="theatre")
    return {"site": site_id, "bel": bel, "arch": arch, "agora": agora, "theatre": theatre}


def waiting(client, prerequisite: str) -> list[int]:
    response = client.get("/api/v1/monuments", params={"prerequisite": prerequisite})
    assert response.status_code == 200, response.text
    return [monument["id"] for monument in response.json()["items"]]


def report_waits(client, site_id: int, **params) -> dict[str, int]:
    report = client.get(
        f"/api/v1/reports/sites/{site_id}/state-of-conservation", params=params
    ).json()
    needs = report["summary"]["restoration_needs"]["prerequisites"]
    return {need["prerequisite"]: need["monuments_waiting"] for need in needs}


def patch(client, auth, restoration_id: int, changes: dict) -> dict:
    etag = client.get(url(restoration_id), headers=auth("staff")).headers["etag"]
    response = client.patch(
        url(restoration_id), json=changes, headers=auth("staff") | {"If-Match": etag}
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_open_demining_on_a_site_statement_holds_every_monument_until_recorded_met(
    client, auth, database, palmyra
):
    site = palmyra["site"]
    everyone = [palmyra["bel"], palmyra["arch"], palmyra["agora"]]
    assert waiting(client, "demining") == []

    statement = client.post(
        f"/api/v1/sites/{site}/restoration-assessments", json=BOCCARDI, headers=auth("staff")
    ).json()

    assert statement["prerequisite_status"] == [
        {"prerequisite": "demining", "status": "open", "met_on": None, "source_id": None},
        {"prerequisite": "security_clearance", "status": "open", "met_on": None, "source_id": None},
    ]
    assert waiting(client, "demining") == everyone  # Bosra's theatre is not held
    assert waiting(client, "security_clearance") == everyone
    assert report_waits(client, site) == {"demining": 3, "security_clearance": 3}
    agora = client.get(f"/api/v1/monuments/{palmyra['agora']}").json()
    assert agora["restoration"]["waiting_on"] == ["demining", "security_clearance"]

    # Cleared, as the source with id 12 reports: recorded on the statement that asked for it.
    met = patch(
        client,
        auth,
        statement["id"],
        {
            "prerequisites": [
                {
                    "prerequisite": "demining",
                    "status": "met",
                    "met_on": "2016-05-12",
                    "source_id": 12,
                },
                "security_clearance",
            ]
        },
    )

    assert met["prerequisites"] == ["demining", "security_clearance"]
    assert met["prerequisite_status"][0] == {
        "prerequisite": "demining",
        "status": "met",
        "met_on": "2016-05-12",
        "source_id": 12,
    }
    assert waiting(client, "demining") == []
    assert waiting(client, "security_clearance") == everyone
    assert report_waits(client, site) == {"security_clearance": 3}
    html = client.get(
        f"/api/v1/reports/sites/{site}/state-of-conservation", params={"format": "html"}
    ).text
    assert "demining (met 2016-05-12)" in html
    assert "security clearance (open)" in html

    # As of a day before it was met, the report still counts demining (the monuments and
    # the statement dated as entered back then: the report judges as the registry knew).
    with database.session(write=True) as session:
        session.execute(update(Monument).values(created_at=datetime(2010, 1, 1, tzinfo=UTC)))
        session.execute(
            update(RestorationAssessment)
            .where(RestorationAssessment.id == statement["id"])
            .values(created_at=datetime(2016, 4, 2, tzinfo=UTC))
        )
    assert report_waits(client, site, as_of="2016-05-11") == {
        "demining": 3,
        "security_clearance": 3,
    }


def test_a_monument_waits_only_on_its_own_and_its_sites_open_records(
    client, auth, database, palmyra
):
    bel, arch = palmyra["bel"], palmyra["arch"]
    done = create_restoration(database, bel, status="in_progress", prerequisites=["funding"])
    held = create_restoration(database, arch, status="on_hold", prerequisites=["funding"])
    assert waiting(client, "funding") == [bel, arch]
    assert waiting(client, "demining") == []

    patch(client, auth, done, {"status": "completed", "completed_on": "2020-06-30"})
    assert waiting(client, "funding") == [arch]  # completed work waits on nothing
    patch(
        client,
        auth,
        held,
        {"prerequisites": [{"prerequisite": "funding", "status": "met", "met_on": "2019-01-01"}]},
    )
    assert waiting(client, "funding") == []
    assert report_waits(client, palmyra["site"]) == {}


def test_words_still_work_and_an_edit_in_words_keeps_what_was_met(client, auth, database, palmyra):
    restoration_id = create_restoration(
        database, palmyra["arch"], prerequisites=["demining", "security_clearance"]
    )
    read = client.get(url(restoration_id)).json()
    assert read["prerequisites"] == ["demining", "security_clearance"]
    assert {item["status"] for item in read["prerequisite_status"]} == {"open"}

    patch(
        client,
        auth,
        restoration_id,
        {
            "prerequisites": [
                {"prerequisite": "demining", "status": "met", "met_on": "2016-05-12"},
                "security_clearance",
            ]
        },
    )
    # An older client sends words back, adding funding: demining stays met.
    words = patch(
        client,
        auth,
        restoration_id,
        {"prerequisites": ["demining", "security_clearance", "funding"]},
    )
    assert [(p["prerequisite"], p["status"]) for p in words["prerequisite_status"]] == [
        ("demining", "met"),
        ("security_clearance", "open"),
        ("funding", "open"),
    ]
    # Reopened only when someone says so.
    reopened = patch(
        client,
        auth,
        restoration_id,
        {"prerequisites": [{"prerequisite": "demining", "status": "open"}]},
    )
    assert reopened["prerequisite_status"] == [
        {"prerequisite": "demining", "status": "open", "met_on": None, "source_id": None}
    ]


@pytest.mark.parametrize(
    "prerequisites",
    [
        [{"prerequisite": "demining", "status": "met"}],  # met needs met_on
        [{"prerequisite": "demining", "status": "open", "met_on": "2016-05-12"}],
        [{"prerequisite": "demining", "status": "met", "met_on": "2999-01-01"}],
        [{"prerequisite": "demining", "status": "cleared"}],
        [{"prerequisite": "demining", "source_id": 0}],
        [{"prerequisite": "demining", "note": "by the army"}],
        ["demining", {"prerequisite": "demining"}],
        ["prayer"],
        [42],
    ],
)
def test_invalid_prerequisites_are_refused(client, auth, database, palmyra, prerequisites):
    response = client.post(
        f"/api/v1/monuments/{palmyra['arch']}/restoration-assessments",
        json={"assessed_on": "2016-04-18", "prerequisites": prerequisites},
        headers=auth("staff"),
    )
    assert response.status_code == 422, response.text
    assert "prerequisites" in response.json()["errors"][0]["loc"]
