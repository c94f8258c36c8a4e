"""A cursor naming an id beyond the INTEGER columns is refused with 400, not a PostgreSQL
overflow (found by the Schemathesis CLI run on PostgreSQL)."""

from app.core.pagination import encode_cursor
from tests.core.test_errors import assert_problem
from tests.factories import create_assessment, create_monument, create_site


def test_a_cursor_past_the_largest_id_is_a_bad_request(client, database):
    monument_id = create_monument(database, create_site(database))
    create_assessment(database, monument_id, status="verified")
    url = f"/api/v1/monuments/{monument_id}/assessments"

    too_far = client.get(url, params={"cursor": encode_cursor("9999-12-31", 2**31)})
    assert "cursor" in assert_problem(too_far, 400)["detail"]
    last = client.get(url, params={"cursor": encode_cursor("9999-12-31", 2**31 - 1)})
    assert last.status_code == 200 and last.json()["items"] == []
    assert_problem(client.get("/api/v1/sites", params={"cursor": encode_cursor(2**31)}), 400)
