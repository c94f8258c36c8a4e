"""Claims are not plans: a statement about a whole property is recorded once, on its site,
with its claimant and range; a monument's plan of record is its latest approved technical
assessment, never a statement; what a source does not state stays null."""

import pytest

from app.restoration.models import RestorationAssessment
from tests.factories import (
    count_rows,
    create_assessment,
    create_monument,
    create_restoration,
    create_site,
    restoration_fields,
    statement_fields,
)


def site_collection(site_id: int) -> str:
    return f"/api/v1/sites/{site_id}/restoration-assessments"


def monument_collection(monument_id: int) -> str:
    return f"/api/v1/monuments/{monument_id}/restoration-assessments"


def url(restoration_id: int) -> str:
    return f"/api/v1/restoration-assessments/{restoration_id}"


@pytest.fixture
def palmyra(database) -> dict[str, int]:
    """Palmyra with the Temple of Bel and the Arch destroyed (verified), and the Agora not
    yet assessed; Bosra, another property, with its theatre."""
    site_id = create_site(database, whc_id=23)
    bel = create_monument(database, site_id, name="Temple of Bel")
    arch = create_monument(database, site_id, name="Monumental Arch", type="arch")
    agora = create_monument(database, site_id, name="Agora", type="agora")
    for monument_id in (bel, arch):
        create_assessment(database, monument_id, status="verified")
    bosra = create_site(database, name="Ancient City of Bosra", whc_id=22)
    theatre = create_monument(database, bosra, name="Roman theatre", type="theatre")
    create_assessment(database, theatre, status="verified")
    return {
        "site": site_id,
        "bel": bel,
        "arch": arch,
        "agora": agora,
        "bosra": bosra,
        "theatre": theatre,
    }


def test_a_statement_about_the_property_is_recorded_once_on_the_site(client, auth, palmyra):
    # Franklin Lamb: "between 90 and 95 percent of all the damage ... can be restored".
    response = client.post(
        site_collection(palmyra["site"]), json=statement_fields(), headers=auth("staff")
    )

    assert response.status_code == 201, response.text
    lamb = response.json()
    assert response.headers["location"] == url(lamb["id"])
    assert (lamb["site_id"], lamb["monument_id"]) == (palmyra["site"], None)
    assert lamb["kind"] == "public_statement"
    assert lamb["claimant"] == {
        "name": "Franklin Lamb",
        "role": "commentator",
        "organisation": None,
    }
    assert lamb["quote"].startswith("between 90 and 95 percent")
    assert (lamb["restorable_percent_min"], lamb["restorable_percent_max"]) == (90, 95)
    assert lamb["restorable_percent"] is None  # a range is not a single figure
    # He named no approach and judged no feasibility: none is made up for him.
    assert lamb["feasibility"] is None and lamb["approach"] is None
    assert lamb["is_latest_approved"] is False
    assert client.get(url(lamb["id"]), headers=auth("staff")).json() == lamb

    listed = client.get(site_collection(palmyra["site"])).json()["items"]
    assert [item["id"] for item in listed] == [lamb["id"]]
    assert client.get(site_collection(palmyra["bosra"])).json()["items"] == []
    for key in ("bel", "arch", "agora"):
        # Never copied onto the monuments: it is counted among their opinions instead.
        assert client.get(monument_collection(palmyra[key])).json()["items"] == []
        monument = client.get(f"/api/v1/monuments/{palmyra[key]}").json()
        assert monument["latest_restoration"] is None
        assert monument["restoration"]["plan_of_record"] is None
        assert monument["restoration"]["opinions"] == {
            "count": 1,
            "statements": 1,
            "restorable_percent_min": 90,
            "restorable_percent_max": 95,
        }
    theatre = client.get(f"/api/v1/monuments/{palmyra['theatre']}").json()
    assert theatre["restoration"]["opinions"]["count"] == 0


def test_the_plan_of_record_ignores_statements_and_unapproved_assessments(
    client, auth, database, palmyra
):
    bel, site = palmyra["bel"], palmyra["site"]
    create_restoration(database, site_id=site, status="approved", **statement_fields())
    verdict = create_restoration(
        database,
        bel,
        status="approved",
        assessed_on="2016-03-20",
        feasibility="not_feasible",
        approach=None,
        organisation="DGAM",
    )
    proposal = create_restoration(
        database, bel, assessed_on="2016-07-01", feasibility="feasible", approach="anastylosis"
    )
    # Matthiae's "98 %", approved or not, is a claim: never the plan.
    matthiae = create_restoration(
        database,
        bel,
        status="approved",
        **statement_fields(
            assessed_on="2016-08-01",
            claimant={"name": "Paolo Matthiae", "role": "archaeologist"},
            feasibility="feasible",
            restorable_percent_min=None,
            restorable_percent_max=None,
            restorable_percent=98,
        ),
    )

    monument = client.get(f"/api/v1/monuments/{bel}").json()
    plan = monument["restoration"]["plan_of_record"]
    assert plan["id"] == verdict
    assert (plan["kind"], plan["feasibility"], plan["approach"]) == (
        "technical_assessment",
        "not_feasible",
        None,
    )
    assert plan["is_latest_approved"] is True
    assert monument["restoration"]["opinions"] == {
        "count": 4,  # three about the Temple, one about the whole property
        "statements": 2,
        "restorable_percent_min": 90,
        "restorable_percent_max": 98,
    }
    # Still there for older clients: the most recent record, whatever its kind.
    assert monument["latest_restoration"]["id"] == matthiae
    assert monument["latest_restoration"]["kind"] == "public_statement"
    marked = {
        item["id"]: item["is_latest_approved"]
        for item in client.get(monument_collection(bel)).json()["items"]
    }
    assert marked == {verdict: True, proposal: False, matthiae: False}

    etag = client.get(url(proposal), headers=auth("staff")).headers["etag"]
    approved = client.patch(
        url(proposal), json={"status": "approved"}, headers=auth("staff") | {"If-Match": etag}
    )
    assert approved.status_code == 200
    plan = client.get(f"/api/v1/monuments/{bel}").json()["restoration"]["plan_of_record"]
    assert (plan["id"], plan["approach"]) == (proposal, "anastylosis")


def test_old_single_figure_input_still_works(client, auth, database, palmyra):
    arch = palmyra["arch"]
    created = client.post(
        monument_collection(arch),
        json=restoration_fields(restorable_percent=25, organisation="Grabar Centre"),
        headers=auth("staff"),
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["restorable_percent"], body["restorable_percent_min"]) == (25, 25)
    assert body["restorable_percent_max"] == 25
    assert body["kind"] == "technical_assessment"
    assert body["organisation"] == body["claimant"]["organisation"] == "Grabar Centre"

    def patch(changes):
        etag = client.get(url(body["id"]), headers=auth("staff")).headers["etag"]
        response = client.patch(
            url(body["id"]), json=changes, headers=auth("staff") | {"If-Match": etag}
        )
        assert response.status_code == 200, response.text
        return response.json()

    widened = patch({"restorable_percent_max": 40})
    assert (widened["restorable_percent"], widened["restorable_percent_min"]) == (None, 25)
    assert widened["restorable_percent_max"] == 40
    single = patch({"restorable_percent": 30})
    assert (single["restorable_percent_min"], single["restorable_percent_max"]) == (30, 30)
    cleared = patch({"restorable_percent": None})
    assert (cleared["restorable_percent_min"], cleared["restorable_percent_max"]) == (None, None)
    claimed = patch({"claimant": {"name": "Alexei Lesovoi", "organisation": "Grabar Centre"}})
    assert claimed["claimant"]["name"] == "Alexei Lesovoi"
    assert patch({"organisation": "Hermitage"})["claimant"] == {
        "name": "Alexei Lesovoi",
        "role": None,
        "organisation": "Hermitage",
    }


def test_fields_a_source_does_not_state_stay_null(client, auth, palmyra):
    # Abdelkarim (DGAM): "rebuild with the stones that remain": no figure, no feasibility.
    dgam = client.post(
        site_collection(palmyra["site"]),
        json={
            "kind": "public_statement",
            "assessed_on": "2016-03-27",
            "claimant": {
                "name": "Maamoun Abdelkarim",
                "role": "Director-General",
                "organisation": "DGAM",
            },
            "quote": "rebuild with the stones that remain",
        },
        headers=auth("staff"),
    )
    assert dgam.status_code == 201, dgam.text
    stated = dgam.json()
    for field in (
        "feasibility",
        "approach",
        "restorable_percent",
        "restorable_percent_min",
        "priority",
        "estimated_cost",
        "original_material_percent",
    ):
        assert stated[field] is None, field
    assert stated["prerequisites"] == stated["prerequisite_status"] == []
    assert stated["organisation"] == "DGAM"

    technical = client.post(
        monument_collection(palmyra["arch"]),
        json={"assessed_on": "2016-04-18"},
        headers=auth("staff"),
    )
    assert technical.status_code == 201, technical.text
    assert technical.json()["feasibility"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"restorable_percent_min": 95, "restorable_percent_max": 90}, "restorable_percent_min"),
        ({"restorable_percent_min": 90, "restorable_percent_max": None}, "restorable_percent_max"),
        ({"restorable_percent_min": None, "restorable_percent_max": 90}, "restorable_percent_min"),
        ({"restorable_percent_max": 101}, "restorable_percent_max"),
        ({"restorable_percent": 90}, "restorable_percent_max"),  # 90 beside a 90–95 range
        ({"kind": "claim"}, "kind"),
        ({"claimant": None}, "claimant"),  # a public statement is attributed
        ({"claimant": {"role": "expert"}}, "claimant"),
        ({"claimant": {"name": ""}}, "claimant"),
        (
            {"claimant": {"organisation": "UNESCO"}, "organisation": "DGAM"},
            "organisation",
        ),
        ({"quote": "a\x00b"}, "quote"),
        ({"feasibility": "likely"}, "feasibility"),
    ],
)
def test_invalid_statements_are_refused_and_nothing_is_stored(
    client, auth, database, palmyra, body, field
):
    response = client.post(
        site_collection(palmyra["site"]), json=statement_fields(**body), headers=auth("staff")
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in response.json()["errors"][0]["loc"]
    assert count_rows(database, RestorationAssessment) == 0


def test_a_figure_about_the_property_needs_verified_damage_on_the_site(client, auth, database):
    untouched = create_site(database, name="Ancient City of Aleppo", whc_id=21)
    create_monument(database, untouched, name="Citadel", type="fortification")

    refused = client.post(
        site_collection(untouched), json=statement_fields(), headers=auth("staff")
    )
    assert refused.status_code == 422
    assert "no monument of this site has a verified damage assessment" in refused.json()["detail"]
    unfigured = statement_fields(restorable_percent_min=None, restorable_percent_max=None)
    accepted = client.post(site_collection(untouched), json=unfigured, headers=auth("staff"))
    assert accepted.status_code == 201, accepted.text


def test_a_site_statement_may_answer_any_verified_assessment_of_its_monuments(
    client, auth, database, palmyra
):
    on_site = create_assessment(database, palmyra["arch"], status="verified")
    elsewhere = create_assessment(database, palmyra["theatre"], status="verified")

    accepted = client.post(
        site_collection(palmyra["site"]),
        json=statement_fields(based_on_assessment_id=on_site),
        headers=auth("staff"),
    )
    assert accepted.status_code == 201, accepted.text
    refused = client.post(
        site_collection(palmyra["site"]),
        json=statement_fields(based_on_assessment_id=elsewhere),
        headers=auth("staff"),
    )
    assert refused.status_code == 422
    assert f"a monument of site {palmyra['site']}" in refused.json()["detail"]


def test_site_statements_are_paginated_and_an_unknown_site_is_404(client, auth, database, palmyra):
    ids = [
        create_restoration(
            database, site_id=palmyra["site"], **statement_fields(assessed_on=f"2016-0{m}-01")
        )
        for m in (3, 4, 5)
    ]
    first = client.get(site_collection(palmyra["site"]), params={"limit": 2})
    assert [item["id"] for item in first.json()["items"]] == ids[:2]
    rest = client.get(first.links["next"]["url"]).json()["items"]
    assert [item["id"] for item in rest] == ids[2:]

    missing = client.get(site_collection(424242))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    refused = client.post(site_collection(424242), json=statement_fields(), headers=auth("staff"))
    assert refused.status_code == 404


def test_site_statements_are_published_with_no_monument(client, auth, palmyra):
    created = client.post(
        site_collection(palmyra["site"]), json=statement_fields(), headers=auth("staff")
    ).json()

    changes = client.get("/api/v1/changes", headers=auth("partner")).json()["items"]
    published = [c for c in changes if c["entity_type"] == "restoration_assessment"]
    assert [(c["entity_id"], c["action"], c["monument_id"]) for c in published] == [
        (created["id"], "create", None)
    ]
    assert published[0]["href"] == url(created["id"])
    assert published[0]["etag"] == client.get(url(created["id"])).headers["etag"]
