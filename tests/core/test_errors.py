"""Every failure is an RFC 9457 problem document that says what to fix."""

import pytest

from app.monuments.models import Monument
from tests.factories import TEST_ACTOR, count_rows, create_site, monument_fields

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("https://")
    assert problem["title"]
    assert len(problem["detail"]) > 10
    return problem


def test_unknown_route_is_a_problem(client):
    problem = assert_problem(client.get("/api/v1/nowhere"), 404)
    assert "/api/v1/nowhere" in problem["detail"]


def test_unknown_method_is_a_problem(client):
    problem = assert_problem(client.put("/api/v1/sites"), 405)
    assert "PUT" in problem["detail"]


def test_malformed_json_is_400(client, auth):
    response = client.post(
        "/api/v1/sites",
        content=b'{"name": "Palmyra",',
        headers=auth("staff") | {"Content-Type": "application/json"},
    )
    assert "not valid JSON" in assert_problem(response, 400)["detail"]


def test_invalid_utf8_is_refused(client, auth):
    response = client.post(
        "/api/v1/sites",
        content=b'{"name": "\xff\xfe", "country": "SY"}',
        headers=auth("staff") | {"Content-Type": "application/json"},
    )
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code)


def test_wrong_content_type_is_415(client, auth, database):
    body = monument_fields(create_site(database))
    response = client.post(
        "/api/v1/monuments",
        content=str(body),
        headers=auth("staff") | {"Content-Type": "text/plain"},
    )
    assert "application/json" in assert_problem(response, 415)["detail"]
    assert count_rows(database, Monument) == 0


def test_oversized_body_is_413(client, auth, settings):
    huge = {"name": "x", "country": "SY", "description": "a" * settings.max_json_body_bytes}
    response = client.post("/api/v1/sites", json=huge, headers=auth("staff"))
    assert_problem(response, 413)


def test_validation_problem_lists_every_invalid_field(client, auth):
    response = client.post(
        "/api/v1/sites", json={"name": "", "country": "ZZ", "lat": 91}, headers=auth("staff")
    )
    problem = assert_problem(response, 422)
    assert {tuple(e["loc"]) for e in problem["errors"]} == {
        ("body", "name"),
        ("body", "country"),
        ("body", "lat"),
    }
    assert "3 invalid field(s)" in problem["detail"]


@pytest.mark.parametrize(
    "header", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer not-a-key", "bearer hr_forged"]
)
def test_bad_credentials_are_401_even_on_public_routes(client, header):
    response = client.get("/api/v1/sites", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_revoked_key_is_401(client, auth, database, api_keys):
    from app.keys import service as keys
    from app.keys.models import ApiKey

    with database.session(write=True) as session:
        key = keys.find_active_key(session=session, secret=api_keys["staff"])
        keys.revoke_key(session=session, key_id=key.id, actor=TEST_ACTOR)
        assert session.get(ApiKey, key.id).revoked_at is not None
    problem = assert_problem(client.get("/api/v1/sites", headers=auth("staff")), 401)
    assert "revoked" in problem["detail"]


def test_wrong_role_is_403_naming_the_roles_needed(client, auth, database):
    response = client.post(
        "/api/v1/monuments", json=monument_fields(create_site(database)), headers=auth("partner")
    )
    problem = assert_problem(response, 403)
    assert "partner" in problem["detail"] and "staff" in problem["detail"]
    assert count_rows(database, Monument) == 0


def test_path_ids_out_of_range_are_422_not_500(client):
    assert_problem(client.get("/api/v1/monuments/99999999999999999999"), 422)
    assert_problem(client.get("/api/v1/monuments/-1"), 422)
    assert_problem(client.get("/api/v1/sites/abc"), 422)


def test_oversized_chunked_body_is_413(client, auth, settings):
    def chunks():
        for _ in range(settings.max_json_body_bytes // 65536 + 2):
            yield b" " * 65536

    response = client.post(
        "/api/v1/sites",
        content=chunks(),
        headers=auth("staff") | {"Content-Type": "application/json"},
    )
    assert_problem(response, 413)
