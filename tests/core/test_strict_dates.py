"""Dates in query strings are read only as ISO 8601: `0` is no date (pydantic's lax
parsing would take it for 1970-01-01)."""

import pytest

from tests.core.test_errors import assert_problem
from tests.factories import create_site

REPORT = "/api/v1/reports/sites/{}/state-of-conservation"


@pytest.mark.parametrize(
    ("path", "parameter", "value"),
    [
        (REPORT, "as_of", "0"),
        (REPORT, "compare_to", "0"),
        (REPORT, "known_at", "0"),
        (REPORT, "as_of", "1700000000"),
        (REPORT, "as_of", "2016-3-1"),
        ("/api/v1/monuments", "as_of", "0"),
        ("/api/v1/monuments", "updated_since", "0"),
        ("/api/v1/monuments", "updated_since", "1700000000.5"),
        ("/api/v1/reports/summary", "as_of", "0"),
    ],
)
def test_a_date_not_written_as_a_date_is_refused(client, database, path, parameter, value):
    site_id = create_site(database)
    response = client.get(path.format(site_id), params={parameter: value})
    problem = assert_problem(response, 422)
    assert parameter in problem["detail"]
    assert "YYYY-MM-DD" in problem["detail"]


def test_iso_dates_and_times_are_read(client, database):
    site_id = create_site(database)
    report = client.get(
        REPORT.format(site_id), params={"as_of": "2016-03-01", "compare_to": "2015-08-01"}
    )
    assert report.status_code == 200, report.text
    assert report.json()["as_of"] == "2016-03-01"
    for moment in ("2016-03-01T12:00:00Z", "2016-03-01T12:00:00+02:00", "2016-03-01T12:00"):
        listed = client.get("/api/v1/monuments", params={"updated_since": moment})
        assert listed.status_code == 200, (moment, listed.text)
