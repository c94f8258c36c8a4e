"""Evidence cites sources: damage assessments, restoration assessments and photos take
`source_ids`, refuse unknown ones naming them, and show the sources they cite."""

import base64

import pytest
from sqlmodel import select

from app.assessments.models import DamageAssessment, DamageAssessmentSource
from app.audit.models import AuditEvent
from app.photos.models import Photo
from app.restoration.models import RestorationAssessment
from tests.factories import (
    assessment_fields,
    count_rows,
    create_assessment,
    create_monument,
    create_source,
    restoration_fields,
)
from tests.photos.pictures import jpeg_bytes


def history_url(monument_id: int) -> str:
    return f"/api/v1/monuments/{monument_id}/assessments"


@pytest.fixture
def cited(database) -> list[int]:
    """Two sources: a satellite analysis and a news report."""
    return [
        create_source(database),
        create_source(
            database,
            kind="news_report",
            title="Palmyra's Temple of Bel destroyed, says UN",
            publisher="BBC News",
            url="https://example.org/bbc/bel",
        ),
    ]


def test_an_assessment_cites_sources_and_its_reads_show_them(client, auth, database, cited):
    monument_id = create_monument(database)
    body = assessment_fields(source_ids=[cited[1], cited[0]])

    created = client.post(history_url(monument_id), json=body, headers=auth("staff"))

    assert created.status_code == 201, created.text
    shown = created.json()
    assert shown["source_ids"] == [cited[1], cited[0]]  # in the order given
    assert [(s["id"], s["kind"], s["url"]) for s in shown["sources"]] == [
        (cited[1], "news_report", "https://example.org/bbc/bel"),
        (
            cited[0],
            "satellite_image_analysis",
            "https://example.org/unosat/palmyra-temple-of-bel-2015",
        ),
    ]
    assert set(shown["sources"][0]) == {"id", "kind", "title", "url"}
    assert shown["source"] == body["source"]  # the free-text field stays as given
    read = client.get(f"/api/v1/assessments/{shown['id']}", headers=auth("staff"))
    assert read.json() == shown
    listed = client.get(history_url(monument_id), headers=auth("staff")).json()["items"]
    assert listed == [shown]


def test_an_assessment_needs_a_source_of_either_kind(client, auth, database, cited):
    monument_id = create_monument(database)
    only_records = assessment_fields(source_ids=[cited[0]])
    del only_records["source"]

    created = client.post(history_url(monument_id), json=only_records, headers=auth("staff"))
    neither = assessment_fields()
    del neither["source"]
    refused = client.post(history_url(monument_id), json=neither, headers=auth("staff"))

    assert created.status_code == 201, created.text
    # The free-text field is written from the records, so it stays readable for every reader.
    assert "'Satellite imagery analysis of the Temple of Bel, Palmyra'" in created.json()["source"]
    assert "UNITAR-UNOSAT" in created.json()["source"]
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "source"]
    assert count_rows(database, DamageAssessment) == 1


@pytest.mark.parametrize(
    ("bad_id", "fragment"), [(999_999, "no source with id 999999"), (0, "greater than or equal")]
)
def test_an_unknown_source_is_refused_by_its_id_and_nothing_is_stored(
    client, auth, database, cited, bad_id, fragment
):
    monument_id = create_monument(database)
    events = count_rows(database, AuditEvent)

    response = client.post(
        history_url(monument_id),
        json=assessment_fields(source_ids=[cited[0], bad_id]),
        headers=auth("field"),
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", "source_ids", 1]
    assert fragment in problem["detail"]
    assert count_rows(database, DamageAssessment) == 0
    assert count_rows(database, DamageAssessmentSource) == 0
    assert count_rows(database, AuditEvent) == events


def test_the_same_source_twice_is_refused(client, auth, database, cited):
    monument_id = create_monument(database)
    response = client.post(
        history_url(monument_id),
        json=assessment_fields(source_ids=[cited[0], cited[0]]),
        headers=auth("staff"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "source_ids"]


def test_a_draft_changes_its_sources_and_the_trail_records_them(client, auth, database, cited):
    assessment_id = create_assessment(database, create_monument(database), source_ids=[cited[0]])
    url = f"/api/v1/assessments/{assessment_id}"

    unknown = client.patch(
        url, json={"source_ids": [424242]}, headers=auth("staff") | {"If-Match": "*"}
    )
    cleared = client.patch(
        url, json={"source_ids": None}, headers=auth("staff") | {"If-Match": "*"}
    )
    changed = client.patch(
        url, json={"source_ids": [cited[1]]}, headers=auth("staff") | {"If-Match": "*"}
    )

    assert unknown.status_code == 422 and "424242" in unknown.json()["detail"]
    assert cleared.status_code == 422
    assert changed.status_code == 200, changed.text
    assert changed.json()["source_ids"] == [cited[1]]
    with database.session(write=False) as session:
        states = session.exec(
            select(AuditEvent.state)
            .where(AuditEvent.entity_type == "damage_assessment")
            .order_by(AuditEvent.id)
        ).all()
    assert [state["source_ids"] for state in states] == [[cited[0]], [cited[1]]]


def test_a_verified_assessment_keeps_its_sources(client, auth, database, cited):
    assessment_id = create_assessment(
        database, create_monument(database), status="verified", source_ids=[cited[0]]
    )
    response = client.patch(
        f"/api/v1/assessments/{assessment_id}",
        json={"source_ids": [cited[1]]},
        headers=auth("staff") | {"If-Match": "*"},
    )
    assert response.status_code == 409
    shown = client.get(f"/api/v1/assessments/{assessment_id}").json()
    assert shown["source_ids"] == [cited[0]]


def test_a_restoration_assessment_cites_sources(client, auth, database, cited):
    monument_id = create_monument(database)
    url = f"/api/v1/monuments/{monument_id}/restoration-assessments"
    body = restoration_fields(source_ids=[cited[0]])
    del body["source"]

    refused = client.post(
        url, json=restoration_fields(source_ids=[cited[0], 31337]), headers=auth("staff")
    )
    created = client.post(url, json=body, headers=auth("staff"))

    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "source_ids", 1]
    assert "31337" in refused.json()["detail"]
    assert created.status_code == 201, created.text
    shown = created.json()
    assert shown["source_ids"] == [cited[0]]
    assert (
        shown["sources"][0]["title"] == "Satellite imagery analysis of the Temple of Bel, Palmyra"
    )
    assert "UNITAR-UNOSAT" in shown["source"]
    assert count_rows(database, RestorationAssessment) == 1

    changed = client.patch(
        f"/api/v1/restoration-assessments/{shown['id']}",
        json={"source_ids": [cited[1], cited[0]]},
        headers=auth("staff") | {"If-Match": created.headers["etag"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["source_ids"] == [cited[1], cited[0]]
    assert client.get(url).json()["items"][0]["source_ids"] == [cited[1], cited[0]]


def test_a_photo_cites_sources_given_as_a_form_field(client, auth, database, cited):
    monument_id = create_monument(database)
    url = f"/api/v1/monuments/{monument_id}/photos"

    def send(source_ids: str, data: bytes):
        return client.post(
            url,
            files={"file": ("bel.jpg", data, "image/jpeg")},
            data={"source_ids": source_ids},
            headers=auth("field"),
        )

    unknown = send(f"{cited[0]}, 777777", jpeg_bytes())
    not_ids = send("Reuters", jpeg_bytes())
    created = send(f"{cited[1]}, {cited[0]}", jpeg_bytes())

    assert unknown.status_code == 422 and "777777" in unknown.json()["detail"]
    assert not_ids.status_code == 422
    assert not_ids.json()["errors"][0]["loc"][:2] == ["body", "source_ids"]
    assert created.status_code == 201, created.text
    assert created.json()["source_ids"] == [cited[1], cited[0]]
    photo_id = created.json()["id"]
    assert client.get(f"/api/v1/photos/{photo_id}").json()["source_ids"] == [cited[1], cited[0]]
    assert client.get(url).json()["items"][0]["sources"][0]["id"] == cited[1]
    assert count_rows(database, Photo) == 1

    deleted = client.delete(f"/api/v1/photos/{photo_id}", headers=auth("staff"))
    assert deleted.status_code == 204


def test_a_resumable_upload_cites_sources_and_checks_them_first(client, auth, database, cited):
    monument_id = create_monument(database)
    data = jpeg_bytes()

    def create(source_ids: str):
        values = {"monument_id": str(monument_id), "source_ids": source_ids}
        encoded = ",".join(
            f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items()
        )
        return client.post(
            "/api/v1/uploads",
            headers=auth("field")
            | {
                "Tus-Resumable": "1.0.0",
                "Upload-Length": str(len(data)),
                "Upload-Metadata": encoded,
            },
        )

    refused = create("123456")
    created = create(f"{cited[0]},{cited[1]}")
    assert refused.status_code == 422 and "123456" in refused.json()["detail"]
    assert created.status_code == 201, created.text
    url = created.headers["location"]
    head = client.head(url, headers=auth("field") | {"Tus-Resumable": "1.0.0"})
    assert (
        base64.b64encode(f"{cited[0]},{cited[1]}".encode()).decode()
        in head.headers["Upload-Metadata"]
    )
    done = client.patch(
        url,
        content=data,
        headers=auth("field")
        | {
            "Tus-Resumable": "1.0.0",
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
    )
    assert done.status_code == 204, done.text
    with database.session(write=False) as session:
        photo = session.exec(select(Photo).where(Photo.monument_id == monument_id)).one()
    assert client.get(f"/api/v1/photos/{photo.id}").json()["source_ids"] == cited


def test_the_changes_feed_etags_match_reads_of_citing_records(client, auth, database, cited):
    monument_id = create_monument(database)
    assessment_id = create_assessment(database, monument_id, status="verified", source_ids=cited)

    items = client.get("/api/v1/changes", params={"entity": "damage_assessment"}).json()["items"]

    assert items[-1]["etag"] == client.get(f"/api/v1/assessments/{assessment_id}").headers["etag"]
