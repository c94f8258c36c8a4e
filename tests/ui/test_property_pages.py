"""The property layer on the web pages: staff record and edit each kind of record of a site,
and the parts of a monument, through forms checked like the API."""

import html
import re

import pytest

from app.property import models
from tests.factories import (
    PROPERTY_TABLES,
    count_rows,
    create_component,
    create_monument,
    create_property_record,
    create_site,
)

# A filled-in form for each kind (the API's fields as a browser sends them).
FORMS = {
    "attributes": {"name": "The colonnaded street", "source_ids": ""},
    "factors": {"code": "war", "status": "current", "since": "2011-03-01", "confirmed": "on"},
    "corrective-measures": {"text": "Consolidate the portico.", "status": "planned"},
    "benchmarks": {"text": "A recovery action plan.", "status": "not_met"},
    "decisions": {"session": "40th session (Istanbul, 2016)", "code": "40 COM 7A.22"},
    "missions": {"type": "advisory", "organisations": "ICOMOS\nICCROM"},
}
ETAG = re.compile(r'name="etag" value="([^"]+)"')


@pytest.mark.parametrize("kind", sorted(FORMS))
def test_staff_record_then_edit_each_kind_through_the_forms(client, database, signed_in, kind):
    site_id = create_site(database)
    create_monument(database, site_id)
    token = signed_in("staff")

    form = client.get(f"/ui/sites/{site_id}/property/{kind}/new")
    assert form.status_code == 200 and 'id="property-form"' in form.text
    posted = client.post(
        f"/ui/sites/{site_id}/property/{kind}",
        data={**FORMS[kind], "csrf_token": token},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    model = getattr(models, PROPERTY_TABLES[kind])
    with database.session(write=False) as session:
        from sqlmodel import select

        (record,) = session.exec(select(model)).all()
    assert posted.headers["location"] == f"/ui/sites/{site_id}/property#{kind}-{record.id}"
    page = client.get(f"/ui/sites/{site_id}/property").text
    assert f'id="{kind}-{record.id}"' in page

    edit = client.get(f"/ui/property/{kind}/{record.id}/edit").text
    etag = html.unescape(ETAG.search(edit).group(1))
    field = "note" if kind == "factors" else ("findings" if kind == "missions" else None)
    field = field or {"attributes": "description", "decisions": "text"}.get(kind, "text")
    changed = {**FORMS[kind], field: "Changed through the page.", "csrf_token": token}
    saved = client.post(
        f"/ui/property/{kind}/{record.id}", data=changed | {"etag": etag}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    read = client.get(f"/api/v1/{kind}/{record.id}").json()
    assert read[field] == "Changed through the page."

    # The form opened before that change is refused, and changes nothing.
    stale = client.post(
        f"/ui/property/{kind}/{record.id}",
        data={**changed, field: "Overwritten.", "etag": etag},
        follow_redirects=False,
    )
    assert stale.status_code == 412
    assert "changed by someone else" in stale.text
    assert client.get(f"/api/v1/{kind}/{record.id}").json()[field] == "Changed through the page."


def test_a_refused_form_is_shown_again_with_its_errors_and_stores_nothing(
    client, database, signed_in
):
    site_id = create_site(database)
    token = signed_in("staff")

    response = client.post(
        f"/ui/sites/{site_id}/property/factors",
        data={"code": "", "status": "current", "source_ids": "12, x", "csrf_token": token},
    )

    assert response.status_code == 422
    assert 'id="error-code"' in response.text
    assert 'id="error-source_ids"' in response.text
    assert count_rows(database, models.PropertyFactor) == 0


def test_staff_add_and_edit_a_monuments_component_and_see_it_on_its_page(
    client, database, signed_in
):
    monument_id = create_monument(database, create_site(database))
    token = signed_in("staff")

    posted = client.post(
        f"/ui/monuments/{monument_id}/components",
        data={"name": "Cella", "description": "", "source_ids": "", "csrf_token": token},
        follow_redirects=False,
    )
    assert posted.status_code == 303, posted.text
    (component,) = client.get(f"/api/v1/monuments/{monument_id}/components").json()["items"]
    assert f'id="component-{component["id"]}"' in client.get(f"/ui/monuments/{monument_id}").text

    etag = html.unescape(
        ETAG.search(client.get(f"/ui/components/{component['id']}/edit").text).group(1)
    )
    saved = client.post(
        f"/ui/components/{component['id']}",
        data={"name": "Cella (naos)", "csrf_token": token, "etag": etag},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert client.get(f"/api/v1/components/{component['id']}").json()["name"] == "Cella (naos)"


def test_field_teams_read_the_property_but_record_nothing(client, database, signed_in):
    site_id = create_site(database)
    create_property_record(database, site_id, "decisions")
    create_component(database, create_monument(database, site_id))
    token = signed_in("field")

    page = client.get(f"/ui/sites/{site_id}/property")
    assert page.status_code == 200 and "37 COM 7B.57" in page.text
    assert "Record a" not in page.text and "/edit" not in page.text
    refused = client.post(
        f"/ui/sites/{site_id}/property/decisions",
        data={**FORMS["decisions"], "csrf_token": token},
        follow_redirects=False,
    )
    assert refused.status_code == 403
