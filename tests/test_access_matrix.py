"""The role matrix: every route × every kind of caller, against the documented policy.

The policy below is the README's table. A new route fails `test_every_route_has_a_policy`
until it is added here, so no route can ship without its access rule being tested.
"""

import pytest

from tests.factories import (
    TEST_ACTOR,
    create_monument,
    create_site,
    monument_fields,
    site_fields,
)

ANYONE = frozenset({None, "admin", "staff", "field", "partner"})
STAFF = frozenset({"admin", "staff"})
ADMIN = frozenset({"admin"})
OPEN = "open"  # probes: no authentication at all

POLICY: dict[tuple[str, str], frozenset | str] = {
    ("GET", "/healthz"): OPEN,
    ("GET", "/readyz"): OPEN,
    ("GET", "/api/v1/sites"): ANYONE,
    ("POST", "/api/v1/sites"): STAFF,
    ("GET", "/api/v1/sites/{site_id}"): ANYONE,
    ("PATCH", "/api/v1/sites/{site_id}"): STAFF,
    ("GET", "/api/v1/monuments"): ANYONE,
    ("POST", "/api/v1/monuments"): STAFF,
    ("GET", "/api/v1/monuments/{monument_id}"): ANYONE,
    ("PATCH", "/api/v1/monuments/{monument_id}"): STAFF,
    ("DELETE", "/api/v1/monuments/{monument_id}"): ADMIN,
    ("GET", "/api/v1/audit"): STAFF,
    ("GET", "/api/v1/audit/verify"): STAFF,
}
CALLERS = [None, "admin", "staff", "field", "partner", "revoked", "malformed"]


def documented_routes(app) -> set[tuple[str, str]]:
    """Every (method, path) in the app's OpenAPI document."""
    return {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }


def test_every_route_has_a_policy(app):
    assert documented_routes(app) == set(POLICY)


def request_for(method: str, path: str, database) -> dict:
    """A request that would succeed for an allowed caller."""
    site_id = create_site(database)
    monument_id = create_monument(database, site_id)
    url = path.format(site_id=site_id, monument_id=monument_id)
    body = {
        ("POST", "/api/v1/sites"): site_fields(name="Bosra"),
        ("PATCH", "/api/v1/sites/{site_id}"): {"description": "Updated."},
        ("POST", "/api/v1/monuments"): monument_fields(site_id, name="Arch"),
        ("PATCH", "/api/v1/monuments/{monument_id}"): {"period": "32 AD"},
    }.get((method, path))
    return {"method": method, "url": url, "json": body, "headers": {"If-Match": "*"}}


@pytest.mark.parametrize("caller", CALLERS, ids=lambda c: c or "anonymous")
@pytest.mark.parametrize(("method", "path"), sorted(POLICY), ids=lambda x: x)
def test_route_answers_each_caller_as_documented(client, api_keys, database, method, path, caller):
    allowed = POLICY[(method, path)]
    request = request_for(method, path, database)
    if caller == "revoked":
        from app.keys import service as keys

        with database.session(write=True) as session:
            key = keys.find_active_key(session=session, secret=api_keys["staff"])
            keys.revoke_key(session=session, key_id=key.id, actor=TEST_ACTOR)
        request["headers"]["Authorization"] = f"Bearer {api_keys['staff']}"
    elif caller == "malformed":
        request["headers"]["Authorization"] = "Token abc"
    elif caller is not None:
        request["headers"]["Authorization"] = f"Bearer {api_keys[caller]}"

    response = client.request(**request)

    if allowed == OPEN:
        assert response.status_code == 200
    elif caller in ("revoked", "malformed"):
        assert response.status_code == 401
    elif caller in allowed:
        assert response.status_code in (200, 201, 204), response.text
    elif caller is None:
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    else:
        assert response.status_code == 403
