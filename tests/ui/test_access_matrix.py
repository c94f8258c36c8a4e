"""The web pages' role matrix: every /ui/ route × every kind of visitor, against the README.

Pages are HTML and stay out of /openapi.json, so tests/test_access_matrix.py cannot see them;
this matrix covers them instead, and a page that stands for an API route must admit exactly
the roles that route admits. A new route anywhere fails `test_every_route_has_a_matrix`
until it is in one of the two matrices.

One test per page visits it as every kind of visitor in turn, each with a fresh cookie jar
and rows arranged for it, and a failure lists what each visitor got.
"""

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from app.keys import service as keys
from app.keys.models import Role
from tests.factories import (
    TEST_ACTOR,
    assessment_fields,
    create_assessment,
    create_component,
    create_monument,
    create_photo,
    create_property_record,
    create_restoration,
    create_site,
    restoration_fields,
)
from tests.test_access_matrix import (
    ANYONE,
    ASSESSORS,
    POLICY,
    STAFF,
    UPLOADERS,
    _photo_upload,
    admitted,
    key_caller,
)
from tests.ui.conftest import csrf_token, new_key, sign_in

UI_POLICY: dict[tuple[str, str], frozenset] = {
    ("GET", "/ui/"): ANYONE,
    ("GET", "/ui/sign-in"): ANYONE,
    ("POST", "/ui/sign-in"): ANYONE,
    ("POST", "/ui/sign-out"): ANYONE,
    ("GET", "/ui/monuments"): ANYONE,
    ("GET", "/ui/sites/{site_id}"): ANYONE,
    ("GET", "/ui/sites/{site_id}/report"): ANYONE,
    ("GET", "/ui/monuments/{monument_id}"): ANYONE,
    ("GET", "/ui/photos/{photo_id}"): ANYONE,
    ("GET", "/ui/monuments/{monument_id}/assessments/new"): ASSESSORS,
    ("POST", "/ui/monuments/{monument_id}/assessments"): ASSESSORS,
    ("POST", "/ui/assessments/{assessment_id}/submit"): ASSESSORS,
    ("GET", "/ui/review"): STAFF,
    ("POST", "/ui/assessments/{assessment_id}/review"): STAFF,
    ("GET", "/ui/monuments/{monument_id}/restoration-assessments/new"): STAFF,
    ("POST", "/ui/monuments/{monument_id}/restoration-assessments"): STAFF,
    ("GET", "/ui/monuments/{monument_id}/photos/upload"): UPLOADERS,
    ("POST", "/ui/monuments/{monument_id}/photos"): UPLOADERS,
    ("GET", "/ui/sites/{site_id}/property"): ANYONE,
    ("GET", "/ui/sites/{site_id}/property/{kind}/new"): STAFF,
    ("POST", "/ui/sites/{site_id}/property/{kind}"): STAFF,
    ("GET", "/ui/property/{kind}/{record_id}/edit"): STAFF,
    ("POST", "/ui/property/{kind}/{record_id}"): STAFF,
    ("GET", "/ui/monuments/{monument_id}/components/new"): STAFF,
    ("POST", "/ui/monuments/{monument_id}/components"): STAFF,
    ("GET", "/ui/components/{component_id}/edit"): STAFF,
    ("POST", "/ui/components/{component_id}"): STAFF,
}

# Pages that do what an API route does, and that route: both must admit the same roles.
SAME_RULE_AS = {
    ("GET", "/ui/monuments"): ("GET", "/api/v1/monuments"),
    ("GET", "/ui/sites/{site_id}"): ("GET", "/api/v1/sites/{site_id}"),
    ("GET", "/ui/sites/{site_id}/report"): (
        "GET",
        "/api/v1/reports/sites/{site_id}/state-of-conservation",
    ),
    ("GET", "/ui/monuments/{monument_id}"): ("GET", "/api/v1/monuments/{monument_id}"),
    ("GET", "/ui/photos/{photo_id}"): ("GET", "/api/v1/photos/{photo_id}"),
    ("GET", "/ui/monuments/{monument_id}/assessments/new"): (
        "POST",
        "/api/v1/monuments/{monument_id}/assessments",
    ),
    ("POST", "/ui/monuments/{monument_id}/assessments"): (
        "POST",
        "/api/v1/monuments/{monument_id}/assessments",
    ),
    ("POST", "/ui/assessments/{assessment_id}/submit"): (
        "POST",
        "/api/v1/assessments/{assessment_id}/submit",
    ),
    ("GET", "/ui/review"): ("POST", "/api/v1/assessments/{assessment_id}/review"),
    ("POST", "/ui/assessments/{assessment_id}/review"): (
        "POST",
        "/api/v1/assessments/{assessment_id}/review",
    ),
    ("GET", "/ui/monuments/{monument_id}/restoration-assessments/new"): (
        "POST",
        "/api/v1/monuments/{monument_id}/restoration-assessments",
    ),
    ("POST", "/ui/monuments/{monument_id}/restoration-assessments"): (
        "POST",
        "/api/v1/monuments/{monument_id}/restoration-assessments",
    ),
    ("GET", "/ui/monuments/{monument_id}/photos/upload"): (
        "POST",
        "/api/v1/monuments/{monument_id}/photos",
    ),
    ("POST", "/ui/monuments/{monument_id}/photos"): (
        "POST",
        "/api/v1/monuments/{monument_id}/photos",
    ),
    ("GET", "/ui/sites/{site_id}/property"): ("GET", "/api/v1/sites/{site_id}/factors"),
    ("POST", "/ui/sites/{site_id}/property/{kind}"): ("POST", "/api/v1/sites/{site_id}/factors"),
    ("POST", "/ui/property/{kind}/{record_id}"): ("PATCH", "/api/v1/factors/{factor_id}"),
    ("POST", "/ui/monuments/{monument_id}/components"): (
        "POST",
        "/api/v1/monuments/{monument_id}/components",
    ),
    ("POST", "/ui/components/{component_id}"): ("PATCH", "/api/v1/components/{component_id}"),
}
# FastAPI's own documentation routes, and the pages' static files.
NOT_IN_A_MATRIX = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
CALLERS = [None, "admin", "staff", "field", "partner", "revoked"]


def app_routes(app) -> set[tuple[str, str]]:
    """Every (method, path) the application's routers answer (mounts such as the pages'
    static files are not routes)."""
    return {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.route, APIRoute) and context.path not in NOT_IN_A_MATRIX
        for method in context.methods
    }


def ui_routes(app) -> set[tuple[str, str]]:
    """Every (method, path) the pages answer."""
    return {(method, path) for method, path in app_routes(app) if path.startswith("/ui")}


def test_every_route_has_a_matrix(app):
    assert ui_routes(app) == set(UI_POLICY)
    documented = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    assert not documented & set(UI_POLICY), "pages must stay out of /openapi.json"
    assert app_routes(app) == set(POLICY) | set(UI_POLICY)


@pytest.mark.parametrize(("page", "api_route"), sorted(SAME_RULE_AS.items()), ids=str)
def test_a_page_admits_the_roles_of_the_api_route_it_stands_for(page, api_route):
    assert UI_POLICY[page] == POLICY[api_route]


# The state an assessment must be in for each route to succeed for an allowed caller.
ASSESSMENT_STATE = {("POST", "/ui/assessments/{assessment_id}/review"): "submitted"}


def ui_request_for(method: str, path: str, database, storage, token: str, field_author) -> dict:
    """A request that would succeed for an allowed visitor (drafts belong to the field key)."""
    site_id = create_site(database)
    monument_id = create_monument(database, site_id)
    assessment_id = create_assessment(
        database,
        monument_id,
        status=ASSESSMENT_STATE.get((method, path), "draft"),
        author=field_author,
    )
    create_restoration(database, monument_id)
    photo_id = create_photo(database, storage, monument_id) if "{photo_id}" in path else None
    factor_id = create_property_record(database, site_id, "factors")
    component_id = create_component(database, monument_id)
    url = path.format(
        site_id=site_id,
        monument_id=monument_id,
        assessment_id=assessment_id,
        photo_id=photo_id,
        kind="factors",
        record_id=factor_id,
        component_id=component_id,
    )
    if method == "GET":
        return {"method": method, "url": url}
    if path == "/ui/monuments/{monument_id}/photos":
        return {
            "method": method,
            "url": url,
            "files": _photo_upload(),
            "headers": {"X-CSRF-Token": token, "Accept": "application/json"},
        }
    form = {
        "/ui/sign-in": {"api_key": "", "next": "/ui/"},
        "/ui/monuments/{monument_id}/assessments": {**assessment_fields(), "action": "submit"},
        "/ui/assessments/{assessment_id}/review": {"action": "verify", "note": "Checked."},
        "/ui/monuments/{monument_id}/restoration-assessments": {
            key: value for key, value in restoration_fields().items() if key != "estimated_cost"
        },
        "/ui/sites/{site_id}/property/{kind}": {"code": "war", "status": "current"},
        "/ui/property/{kind}/{record_id}": {
            "code": "war",
            "status": "current",
            "etag": _current_etag(database, "factors", factor_id),
        },
        "/ui/monuments/{monument_id}/components": {"name": "Gateway"},
        "/ui/components/{component_id}": {
            "name": "Cella",
            "etag": _current_etag(database, "components", component_id),
        },
    }.get(path, {})
    return {"method": method, "url": url, "data": {**form, "csrf_token": token}}


def _current_etag(database, kind: str, record_id: int) -> str:
    """The ETag a record's edit form carries, as its page would compute it."""
    from app.core.http import etag_for, render
    from app.property import service as property_records
    from app.property.models import MonumentComponent

    model = MonumentComponent if kind == "components" else property_records.SITE_RECORDS[kind]
    with database.session(write=False) as session:
        return etag_for(render(property_records.present(session.get(model, record_id))))


def unexpected(
    allowed: frozenset, method: str, path: str, caller: str | None, response
) -> str | None:
    """What is wrong with the answer to `caller` under the rule `allowed` (None: nothing)."""
    status = response.status_code
    visitor = None if caller == "revoked" else caller  # a revoked key's session is anonymous
    if visitor in allowed:
        expected = {"GET": 200, "POST": 303}[method]
        if path == "/ui/monuments/{monument_id}/photos":
            expected = 201
        right = status == expected
    elif visitor is None and method == "GET":
        expected = "303 to the sign-in page"
        right = status == 303 and response.headers.get("location", "").startswith(
            "/ui/sign-in?next="
        )
    elif visitor is None:
        expected = 401
        right = status == 401
    else:
        expected = 403
        right = status == 403
    return None if right else f"expected {expected}: {' '.join(response.text.split())[:300]}"


@pytest.mark.parametrize(("method", "path"), sorted(UI_POLICY), ids=lambda x: x)
def test_page_answers_each_visitor_as_documented(client, api_keys, database, method, path):
    """Every kind of visitor in CALLERS, one after the other, each in a browser of its own
    (a fresh cookie jar) and on rows arranged for it; a failure lists each visitor's answer."""
    allowed = UI_POLICY[(method, path)]
    field_author = key_caller(database, api_keys["field"])
    secrets = api_keys | {"revoked": new_key(database, Role.staff, "test revoked")[1]}
    answers, wrong = [], 0
    for caller in CALLERS:
        client.cookies.clear()
        if caller is None:
            token = csrf_token(client.get("/ui/sign-in").text)
        else:
            token = sign_in(client, secrets[caller])
        if caller == "revoked":
            with database.session(write=True) as session:
                key = keys.find_active_key(session=session, secret=secrets["revoked"])
                keys.revoke_key(session=session, key_id=key.id, actor=TEST_ACTOR)
        request = ui_request_for(
            method, path, database, client.app.state.storage, token, field_author
        )
        if (method, path) == ("POST", "/ui/sign-in"):
            request["data"]["api_key"] = api_keys["partner"]

        response = client.request(**request, follow_redirects=False)

        problem = unexpected(allowed, method, path, caller, response)
        wrong += problem is not None
        answers.append(f"{caller or 'anonymous':>10}: {response.status_code} {problem or 'ok'}")
    client.cookies.clear()
    assert not wrong, f"{method} {path} admits {admitted(allowed)}:\n" + "\n".join(answers)
