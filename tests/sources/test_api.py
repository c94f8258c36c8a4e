"""Sources over HTTP: create, read, update with If-Match, list, validation, the audit trail
and the changes feed."""

import pytest
from sqlmodel import select

from app.audit.models import AuditEvent
from app.sources.models import Source
from tests.factories import count_rows, create_source, source_fields

URL = "/api/v1/sources"


def test_staff_record_a_source_and_anyone_reads_it(client, auth, database):
    body = source_fields(language="AR", title="تقرير المديرية العامة للآثار والمتاحف")
    response = client.post(URL, json=body, headers=auth("staff"))

    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"{URL}/{created['id']}"
    assert created["title"] == "تقرير المديرية العامة للآثار والمتاحف"
    assert created["language"] == "ar"  # the tag's standard form
    assert created["kind"] == "satellite_image_analysis"
    assert (created["published_on"], created["accessed_on"]) == ("2015-09-01", "2026-11-30")
    read = client.get(f"{URL}/{created['id']}")
    assert read.status_code == 200
    assert read.json() == created
    assert read.headers["etag"] == response.headers["etag"]
    with database.session(write=False) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.entity_type == "source")).one()
    assert (event.action, event.entity_id) == ("create", created["id"])


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("kind", "rumour", "satellite_image_analysis"),
        ("title", "   ", "empty"),
        ("title", "x" * 2001, "2000"),
        ("language", "english", "BCP 47"),
        ("language", "xx-YY-zzzzzzzzz", "BCP 47"),
        ("url", "ftp://example.org/report.pdf", "http"),
        ("url", "https://example.org/a report", "white space"),
        ("archived_url", "web.archive.org/web/2016/x", "http"),
        ("published_on", "2999-01-01", "future"),
        ("accessed_on", "2999-01-01", "future"),
        ("licence", "x" * 101, "100"),
    ],
)
def test_invalid_sources_are_refused_naming_the_field(
    client, auth, database, field, value, fragment
):
    response = client.post(URL, json=source_fields(**{field: value}), headers=auth("staff"))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["errors"][0]["loc"] == ["body", field]
    assert fragment in problem["detail"]
    assert count_rows(database, Source) == 0


def test_an_old_source_may_be_centuries_old(client, auth):
    body = source_fields(
        kind="academic_publication",
        title="The Ruins of Palmyra, otherwise Tedmor, in the Desart",
        author="Robert Wood",
        published_on="1753-01-01",
        url=None,
    )
    response = client.post(URL, json=body, headers=auth("staff"))
    assert response.status_code == 201, response.text


def test_unknown_fields_are_refused(client, auth):
    response = client.post(URL, json=source_fields(reliability="high"), headers=auth("staff"))
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["body", "reliability"]


def test_update_needs_the_current_etag_and_is_audited(client, auth, database):
    source_id = create_source(database)
    etag = client.get(f"{URL}/{source_id}").headers["etag"]

    missing = client.patch(f"{URL}/{source_id}", json={"language": "fr"}, headers=auth("staff"))
    assert missing.status_code == 428

    updated = client.patch(
        f"{URL}/{source_id}",
        json={"language": "fr", "archived_url": "https://web.archive.org/web/2016/x"},
        headers=auth("staff") | {"If-Match": etag},
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["language"] == "fr"
    assert updated.headers["etag"] != etag

    stale = client.patch(
        f"{URL}/{source_id}", json={"language": "en"}, headers=auth("staff") | {"If-Match": etag}
    )
    assert stale.status_code == 412
    cleared = client.patch(
        f"{URL}/{source_id}", json={"title": None}, headers=auth("staff") | {"If-Match": "*"}
    )
    assert cleared.status_code == 422
    with database.session(write=False) as session:
        assert session.get(Source, source_id).language == "fr"
        actions = session.exec(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "source")
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["create", "update"]


def test_list_filters_by_kind_and_url_and_pages(client, database):
    ids = [
        create_source(database, url=f"https://example.org/report/{n}", kind=kind)
        for n, kind in enumerate(["news_report", "field_survey", "news_report"])
    ]
    news = client.get(URL, params={"kind": "news_report"}).json()["items"]
    assert [s["id"] for s in news] == [ids[0], ids[2]]
    by_url = client.get(URL, params={"url": "https://example.org/report/1"}).json()["items"]
    assert [s["id"] for s in by_url] == [ids[1]]

    first = client.get(URL, params={"limit": 2})
    assert [s["id"] for s in first.json()["items"]] == ids[:2]
    assert 'rel="next"' in first.headers["link"]
    rest = client.get(URL, params={"limit": 2, "cursor": first.json()["next_cursor"]}).json()
    assert [s["id"] for s in rest["items"]] == ids[2:]
    assert rest["next_cursor"] is None


def test_unknown_source_is_404(client):
    response = client.get(f"{URL}/999999")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert "999999" in response.json()["detail"]


def test_sources_are_published_in_the_changes_feed(client, auth, database):
    source_id = create_source(database)
    client.patch(
        f"{URL}/{source_id}",
        json={"licence": "CC-BY-4.0"},
        headers=auth("staff") | {"If-Match": "*"},
    )

    items = client.get("/api/v1/changes", params={"entity": "source"}).json()["items"]

    assert [(i["entity_type"], i["action"]) for i in items] == [
        ("source", "create"),
        ("source", "update"),
    ]
    assert items[-1]["href"] == f"{URL}/{source_id}"
    assert items[-1]["etag"] == client.get(f"{URL}/{source_id}").headers["etag"]
