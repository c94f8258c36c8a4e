"""The pages' defences: CSRF tokens on every post, the session cookie's flags and contents,
safe redirects, security headers, and sensitive positions kept from anonymous visitors."""

import re
from http.cookies import SimpleCookie

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.core.browser_sessions import COOKIE_NAME
from app.tables import metadata
from tests.factories import TEST_ACTOR, create_assessment, create_monument, create_site
from tests.photos.pictures import exif, jpeg_bytes
from tests.ui.conftest import csrf_token, sign_in
from tests.ui.test_access_matrix import UI_POLICY, ui_request_for

POST_ROUTES = sorted(path for method, path in UI_POLICY if method == "POST")


def row_counts(database) -> dict[str, int]:
    """How many rows every table holds: a refused request must change none of them."""
    with database.session(write=False) as session:
        return {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in metadata.sorted_tables
        }


def session_cookie(response) -> SimpleCookie:
    header = next(value for name, value in response.headers.multi_items() if name == "set-cookie")
    cookie = SimpleCookie()
    cookie.load(header)
    assert COOKIE_NAME in cookie
    return cookie


@pytest.mark.parametrize("forgery", ["no token", "wrong token", "another session's token"])
@pytest.mark.parametrize("path", POST_ROUTES)
def test_a_forged_post_is_refused_and_stores_nothing(
    app, client, api_keys, database, path, forgery
):
    # Signed in as admin, who may do everything: the only thing wrong is the token.
    token = sign_in(client, api_keys["admin"])
    with TestClient(app) as other_browser:
        their_token = sign_in(other_browser, api_keys["admin"])
    request = ui_request_for(
        "POST", path, database, client.app.state.storage, token, field_author=TEST_ACTOR
    )
    if path == "/ui/sign-in":
        request["data"]["api_key"] = api_keys["staff"]
    sent = {
        "no token": None,
        "wrong token": token[:-4] + "AAAA",
        "another session's token": their_token,
    }[forgery]
    if "data" in request:
        request["data"].pop("csrf_token")
        if sent is not None:
            request["data"]["csrf_token"] = sent
    else:
        request["headers"].pop("X-CSRF-Token")
        if sent is not None:
            request["headers"]["X-CSRF-Token"] = sent
    before = row_counts(database)

    response = client.request(**request, follow_redirects=False)

    assert response.status_code == 403, response.text
    assert "security token" in response.text
    assert "set-cookie" not in response.headers  # a forged sign-in or sign-out changes nothing
    assert row_counts(database) == before


def test_a_post_from_a_browser_without_a_session_is_refused(client, database):
    monument_id = create_monument(database)
    before = row_counts(database)

    response = client.post(
        f"/ui/monuments/{monument_id}/assessments", data={"csrf_token": "guessed"}
    )

    assert response.status_code == 403
    assert row_counts(database) == before


def test_the_session_cookie_is_httponly_strict_and_holds_no_key(client, api_keys):
    token = csrf_token(client.get("/ui/sign-in").text)

    response = client.post(
        "/ui/sign-in",
        data={"csrf_token": token, "api_key": api_keys["staff"], "next": "/ui/"},
        follow_redirects=False,
    )

    morsel = session_cookie(response)[COOKIE_NAME]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "strict"
    assert morsel["path"] == "/ui"  # never sent to the JSON API
    assert morsel["secure"] == ""  # plain http (127.0.0.1): a Secure cookie would be dropped
    assert int(morsel["max-age"]) == 12 * 3600
    secret = api_keys["staff"]
    assert secret not in morsel.value and secret[3:] not in morsel.value
    # Signing in starts a new session: the token seen before it is no longer valid.
    assert csrf_token(client.get("/ui/sign-in").text) != token


def test_the_session_cookie_is_secure_over_https(app, api_keys, database):
    with TestClient(app, base_url="https://registry.example") as browser:
        token = csrf_token(browser.get("/ui/sign-in").text)
        response = browser.post(
            "/ui/sign-in",
            data={"csrf_token": token, "api_key": api_keys["staff"], "next": "/ui/"},
            follow_redirects=False,
        )

    assert session_cookie(response)[COOKIE_NAME]["secure"] is True


def test_a_tampered_cookie_is_no_session(client, api_keys, database):
    sign_in(client, api_keys["field"])
    value = client.cookies.get(COOKIE_NAME)
    payload, dot, signature = value.partition(".")
    client.cookies.clear()
    # Claim key 1 (whoever that is) with the original signature.
    client.cookies.set(COOKIE_NAME, payload[:-2] + "xx" + dot + signature, path="/ui")

    page = client.get("/ui/", follow_redirects=False).text

    assert 'id="signed-in-as"' not in page and 'id="sign-in"' in page


def test_the_api_ignores_the_session_cookie(client, api_keys, database):
    monument_id = create_monument(database)
    sign_in(client, api_keys["staff"])
    cookie = client.cookies.get(COOKIE_NAME)

    response = client.post(
        f"/api/v1/monuments/{monument_id}/assessments",
        json={},
        headers={"Cookie": f"{COOKIE_NAME}={cookie}"},
    )

    assert response.status_code == 401


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/ui/", "/ui\\@evil.example", "/api/v1/audit", "ui/"],
)
def test_sign_in_returns_only_to_a_page_of_this_site(client, api_keys, target):
    token = csrf_token(client.get("/ui/sign-in").text)

    response = client.post(
        "/ui/sign-in",
        data={"csrf_token": token, "api_key": api_keys["staff"], "next": target},
        follow_redirects=False,
    )

    assert response.headers["location"] == "/ui/"


def test_pages_forbid_framing_inline_scripts_and_caching(client):
    response = client.get("/ui/")

    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["cache-control"] == "no-store"
    assert "<script>" not in response.text and "style=" not in response.text


def test_an_anonymous_visitor_gets_no_cookie_until_a_form_needs_one(client, database):
    create_monument(database)

    assert "set-cookie" not in client.get("/ui/").headers
    assert "set-cookie" not in client.get("/ui/monuments").headers
    assert COOKIE_NAME in client.get("/ui/sign-in").headers["set-cookie"]


# A sensitive monument whose exact position has digits found nowhere else, and a photo whose
# camera recorded a position with digits of its own.
SECRET_LAT, SECRET_LON = 34.5873619, 38.2718457
CAMERA_LAT, CAMERA_LON = 34.5861357, 38.2694213
SECRET_DIGITS = ("5873619", "2718457", "58736", "27184", "86135", "69421")


def pages_of(client, site_id: int, monument_id: int, photo_id: int) -> dict[str, str]:
    """The HTML of every page a visitor can reach that may concern the monument."""
    paths = [
        "/ui/",
        "/ui/monuments",
        f"/ui/monuments?site_id={site_id}",
        "/ui/monuments?q=hidden",
        "/ui/monuments?damage_level=destroyed",
        f"/ui/sites/{site_id}",
        f"/ui/sites/{site_id}/report?format=html",
        f"/ui/monuments/{monument_id}",
        f"/ui/photos/{photo_id}",
        "/ui/sign-in",
    ]
    return {path: client.get(path).text for path in paths}


def test_an_anonymous_visitor_sees_no_sensitive_coordinates_on_any_page(client, database, api_keys):
    site_id = create_site(database)
    create_monument(database, site_id)  # an ordinary neighbour
    hidden = create_monument(
        database,
        site_id,
        name="Hidden tomb",
        type="tomb",
        lat=SECRET_LAT,
        lon=SECRET_LON,
        location_precision_m=5,
        sensitive=True,
    )
    create_assessment(database, hidden, status="verified")
    uploaded = client.post(
        f"/api/v1/monuments/{hidden}/photos",
        files={
            "file": (
                f"IMG_{CAMERA_LAT}_{CAMERA_LON}.jpg",
                jpeg_bytes(exif_data=exif(gps=(CAMERA_LAT, CAMERA_LON))),
                "image/jpeg",
            )
        },
        headers={"Authorization": f"Bearer {api_keys['field']}"},
    )
    assert uploaded.status_code == 201
    photo_id = uploaded.json()["id"]

    for path, html in pages_of(client, site_id, hidden, photo_id).items():
        assert "Hidden tomb" in html or path in ("/ui/sign-in", "/ui/")
        for digits in SECRET_DIGITS:
            assert digits not in html, f"{digits} shown to an anonymous visitor on {path}"

    # The check can fail: a field team signed in sees the exact position and the GPS.
    sign_in(client, api_keys["field"])
    staff_pages = pages_of(client, site_id, hidden, photo_id)
    assert "5873619" in staff_pages[f"/ui/monuments/{hidden}"]
    assert "86135" in staff_pages[f"/ui/photos/{photo_id}"]


def test_the_map_places_a_sensitive_monument_only_at_its_generalised_position(
    client, database, api_keys
):
    site_id = create_site(database)
    create_monument(database, site_id, lat=34.55, lon=38.27)
    hidden = create_monument(
        database, site_id, name="Hidden tomb", lat=SECRET_LAT, lon=SECRET_LON, sensitive=True
    )

    def position(html: str) -> tuple[str, str]:
        found = re.search(rf'data-monument-id="{hidden}"[^>]* cx="([\d.]+)" cy="([\d.]+)"', html)
        return found.groups()

    public = position(client.get(f"/ui/sites/{site_id}").text)
    sign_in(client, api_keys["staff"])
    exact = position(client.get(f"/ui/sites/{site_id}").text)

    assert public != exact
    assert 'stroke-dasharray="3 2"' not in client.get(f"/ui/sites/{site_id}").text


def test_signing_out_ends_the_session_for_a_copied_cookie_too(app, client, api_keys, database):
    token = sign_in(client, api_keys["staff"])
    copied = client.cookies.get("heritage_session")
    assert client.get("/ui/review", follow_redirects=False).status_code == 200

    signed_out = client.post("/ui/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert signed_out.status_code == 303

    # Someone who copied the cookie before sign-out (a shared computer, a stolen laptop)
    # is anonymous with it now, though it is genuine and far from its 12-hour age limit.
    with TestClient(app) as thief:
        thief.cookies.set("heritage_session", copied, path="/ui")
        assert thief.get("/ui/review", follow_redirects=False).status_code == 303
    # Other sessions of the same key are not affected.
    with TestClient(app) as colleague:
        sign_in(colleague, api_keys["staff"])
        assert colleague.get("/ui/review", follow_redirects=False).status_code == 200
