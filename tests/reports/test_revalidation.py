"""A report revalidates like any resource: its ETag is over the data, so an HTTP cache gets
`304` in every format until the registry's record of the property changes."""

import pytest

from app.core.http import render
from app.core.time import TimeAxes
from app.reports import service
from app.sites.models import Site
from tests.factories import create_assessment
from tests.reports.test_api import palmyra, report_url  # noqa: F401  (fixture)

FORMATS = ("json", "csv", "geojson", "html", "pdf")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_answers_304_until_the_data_changes(client, database, palmyra, fmt):  # noqa: F811
    url = report_url(palmyra["site"])
    first = client.get(url, params={"format": fmt})
    again = client.get(url, params={"format": fmt})
    assert first.status_code == again.status_code == 200
    etag = first.headers["etag"]
    assert again.headers["etag"] == etag  # generated_at differs; the data does not

    revalidated = client.get(url, params={"format": fmt}, headers={"If-None-Match": etag})
    assert revalidated.status_code == 304
    assert revalidated.content == b""
    assert revalidated.headers["etag"] == etag
    assert "Accept" in revalidated.headers["vary"]

    create_assessment(database, palmyra["agora"], status="verified", observed_on="2016-01-10")
    changed = client.get(url, params={"format": fmt}, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != etag


def test_each_format_and_each_view_has_its_own_etag(client, auth, palmyra):  # noqa: F811
    url = report_url(palmyra["site"])
    tags = {fmt: client.get(url, params={"format": fmt}).headers["etag"] for fmt in FORMATS}
    assert len(set(tags.values())) == len(FORMATS)
    # Staff see the sensitive tomb's exact position: another representation, another tag.
    staff = client.get(url, params={"format": "csv"}, headers=auth("staff"))
    assert staff.headers["etag"] != tags["csv"]
    public = client.get(url, params={"format": "csv"}, headers={"If-None-Match": tags["csv"]})
    assert public.status_code == 304
    assert (
        client.get(
            url, params={"format": "csv"}, headers={"If-None-Match": tags["csv"], **auth("staff")}
        ).status_code
        == 200
    )


def test_the_json_etag_from_one_serialisation_is_the_data_etag(client, database, palmyra):  # noqa: F811
    with database.session(write=False) as session:
        report = service.state_of_conservation(
            session=session,
            site=session.get(Site, palmyra["site"]),
            axes=TimeAxes(),
            compare_to=None,
            exact_locations=False,
        )
    body, etag = service.json_with_etag(report)
    assert body == render(report)
    assert etag == service.report_etag(report, "json")
    answered = client.get(report_url(palmyra["site"]), params={"format": "json"})
    assert answered.headers["etag"] == etag
