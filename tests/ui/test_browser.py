"""The web pages in headless Chromium: sign-in per role, phone uploads with retries, posting
and reviewing an assessment, previews, right-to-left names, screenshots at 360 and 1280 px.

Screenshots go to the test's temporary folder (`screenshots/<page>-<width>.png`).
"""

import hashlib
from pathlib import Path

import pytest
from sqlmodel import select

from app.assessments.models import AssessmentStatus, DamageAssessment
from app.keys.models import Role
from app.photos.models import Photo
from tests.factories import (
    create_assessment,
    create_monument,
    create_photo,
    create_restoration,
    create_site,
)
from tests.photos.pictures import DAMASCUS, exif, jpeg_bytes, two_colour_image, write
from tests.ui.conftest import new_key

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def palmyra(database, app):
    """A site with the Temple of Bel (destroyed, with a photo and a restoration opinion), the
    Arch (severely damaged, with an Arabic name) and the Agora (unassessed)."""
    site_id = create_site(database)
    bel = create_monument(database, site_id)
    arch = create_monument(
        database,
        site_id,
        name="Monumental Arch",
        alt_names=["قوس النصر", "Arc monumental"],
        type="arch",
        lat=34.5508,
        lon=38.2703,
    )
    agora = create_monument(database, site_id, name="Agora", type="agora", lat=34.5505, lon=38.2665)
    create_assessment(database, bel, status="verified", damage_level="destroyed")
    create_assessment(
        database, arch, status="verified", damage_level="severe_damage", observed_on="2015-10-05"
    )
    create_restoration(database, arch)
    photo = create_photo(database, app.state.storage, bel)
    return {"site": site_id, "bel": bel, "arch": arch, "agora": agora, "photo": photo}


def sign_in(page, base_url: str, secret: str) -> None:
    page.goto(f"{base_url}/ui/sign-in")
    page.fill("#api-key", secret)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#signed-in-as")


def sign_out(page) -> None:
    page.click("#sign-out")
    page.wait_for_selector("#sign-in")


def shoot(page, tmp_path: Path, name: str) -> Path:
    """A full-page screenshot at the current width, after checking nothing overflows it."""
    width = page.viewport_size["width"]
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"{name} is {overflow} px wide on a {width} px screen"
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}-{width}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000
    return path


def test_each_role_signs_in_and_is_offered_what_it_may_do(
    live_server, browser_page, api_keys, palmyra
):
    page = browser_page
    offered = {}
    for role in ["partner", "field", "staff", "admin"]:
        sign_in(page, live_server, api_keys[role])
        assert page.inner_text("#signed-in-as").endswith(role)
        page.goto(f"{live_server}/ui/monuments/{palmyra['agora']}")
        offered[role] = {
            action
            for action in ("post-assessment", "upload-photos", "post-restoration", "nav-review")
            if page.locator(f"#{action}").count()
        }
        sign_out(page)
    page.goto(f"{live_server}/ui/monuments/{palmyra['agora']}")
    offered["anonymous"] = {
        a for a in ("post-assessment", "nav-review") if page.locator(f"#{a}").count()
    }

    assert offered == {
        "partner": set(),
        "field": {"post-assessment", "upload-photos"},
        "staff": {"post-assessment", "upload-photos", "post-restoration", "nav-review"},
        "admin": {"post-assessment", "upload-photos", "post-restoration", "nav-review"},
        "anonymous": set(),
    }
    # A page that needs a role sends a visitor to sign in and back.
    page.goto(f"{live_server}/ui/review")
    assert page.url.startswith(f"{live_server}/ui/sign-in?next=")
    page.fill("#api-key", api_keys["staff"])
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_selector("#review-queue, #queue-empty")
    assert page.url == f"{live_server}/ui/review"


def test_a_field_team_uploads_three_photos_from_a_phone(
    live_server, browser_page, api_keys, app, database, palmyra, tmp_path
):
    page = browser_page
    page.set_viewport_size(PHONE)
    monument = palmyra["bel"]
    with database.session(write=False) as session:
        existing = session.get(Photo, palmyra["photo"])
    # The same bytes as the photo the monument already has, under another name.
    already_there = write(tmp_path, "IMG_0042.jpg", original_bytes(app, database, existing.id))
    fresh_bytes = jpeg_bytes(two_colour_image((640, 480)), exif_data=exif(gps=DAMASCUS))
    files = [
        write(tmp_path, "east-gate.jpg", fresh_bytes),
        already_there,
        write(tmp_path, "field-notes.jpg", b"Notes from the visit, not a photo."),
    ]
    # The connection drops after the first upload reached the server: the page must send it
    # again with the same Idempotency-Key and get the first answer, not a second photo.
    sent: list[dict] = []

    def drop_first_answer(route):
        sent.append(route.request.headers)
        if len(sent) == 1:
            route.fetch()
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(f"**/ui/monuments/{monument}/photos", drop_first_answer)
    sign_in(page, live_server, api_keys["field"])
    page.goto(f"{live_server}/ui/monuments/{monument}/photos/upload")
    assert page.get_attribute("#camera-input", "capture") == "environment"
    assert page.get_attribute("#camera-input", "accept") == "image/*"

    page.set_input_files("#files-input", [str(path) for path in files])
    assert page.inner_text("#upload-button") == "Upload 3 photos"
    shoot(page, tmp_path, "upload-chosen")
    page.click("#upload-button")
    page.wait_for_selector("#upload-summary[data-done=true]", timeout=30_000)

    items = page.locator("#upload-queue li")
    states = [items.nth(i).get_attribute("data-state") for i in range(3)]
    assert states == ["accepted", "duplicate", "refused"]
    outcomes = [items.nth(i).inner_text() for i in range(3)]
    assert "Accepted as photo" in outcomes[0]
    assert "km from the monument" in outcomes[0]  # the camera was in Damascus
    assert f"already photo {existing.id}" in outcomes[1]
    assert "Refused" in outcomes[2] and "JPEG, PNG" in outcomes[2]
    assert items.nth(0).get_attribute("data-attempts") == "2"
    assert items.nth(0).locator("progress").evaluate("p => p.value") == 100
    assert page.inner_text("#upload-summary") == "Done: 1 accepted, 1 duplicate, 1 refused."
    first_try, retry = sent[0], sent[1]
    assert first_try["idempotency-key"] == retry["idempotency-key"]
    keys = {headers["idempotency-key"] for headers in sent}
    assert len(keys) == 3  # one key per file, kept across that file's retries
    shoot(page, tmp_path, "upload-done")

    with database.session(write=False) as session:
        stored = session.exec(select(Photo).where(Photo.monument_id == monument)).all()
    assert len(stored) == 2
    fresh = next(photo for photo in stored if photo.id != existing.id)
    assert fresh.sha256 == hashlib.sha256(fresh_bytes).hexdigest()
    assert fresh.location_mismatch is True
    assert fresh.uploaded_by.startswith("field:test field")


def original_bytes(app, database, photo_id: int) -> bytes:
    """The stored original of a photo, byte for byte."""
    with database.session(write=False) as session:
        photo = session.get(Photo, photo_id)
    with app.state.storage.open(photo.original_key) as stored:
        return stored.read()


def test_an_assessment_is_posted_then_verified_by_another_staff_member(
    live_server, browser_page, database, palmyra, tmp_path
):
    page = browser_page
    arch = palmyra["arch"]
    author, author_secret = new_key(database, Role.staff, "Amira")
    _, reviewer_secret = new_key(database, Role.staff, "Khaled")

    sign_in(page, live_server, author_secret)
    page.goto(f"{live_server}/ui/monuments/{arch}")
    assert "severe damage" in page.inner_text("#current-condition")
    page.click("#post-assessment")
    # Sent half-filled: the errors appear beside their fields, and nothing is stored.
    page.fill("#f-observed_on", "2016-03-27")
    page.fill("#f-extent_percent", "140")
    page.click("#save-and-submit")
    for field in ("method", "source", "damage_level", "extent_percent", "confidence"):
        assert page.locator(f"#error-{field}").is_visible(), field
    assert page.get_attribute("#f-extent_percent", "aria-invalid") == "true"
    assert page.input_value("#f-observed_on") == "2016-03-27"
    shoot(page, tmp_path, "assessment-form-errors")
    page.set_viewport_size(PHONE)
    shoot(page, tmp_path, "assessment-form-errors")
    page.set_viewport_size(DESKTOP)

    page.select_option("#f-method", "field_survey")
    page.fill("#f-source", "DGAM field survey after the recapture, 27 March 2016")
    page.select_option("#f-damage_level", "destroyed")
    page.fill("#f-extent_percent", "85")
    page.check("input[name=causes][value=explosives]")
    page.check("input[name=causes][value=deliberate_destruction]")
    page.select_option("#f-confidence", "high")
    page.click("#save-and-submit")
    page.wait_for_selector(".notice")
    submitted = page.locator(".timeline li[data-status=submitted]")
    assert submitted.count() == 1
    assessment_id = int(submitted.get_attribute("data-assessment-id"))

    # The author sees it waiting, without the means to review it; forcing it is refused.
    page.goto(f"{live_server}/ui/review")
    item = page.locator(f"#review-{assessment_id}")
    assert "You wrote this assessment" in item.inner_text()
    assert item.locator("button.verify").count() == 0
    forced = page.evaluate(
        """async (id) => {
            const token = document.querySelector('input[name=csrf_token]').value;
            const body = new URLSearchParams({csrf_token: token, action: "verify"});
            const answer = await fetch(`/ui/assessments/${id}/review`, {method: "POST", body});
            return answer.status;
        }""",
        assessment_id,
    )
    assert forced == 403
    sign_out(page)

    sign_in(page, live_server, reviewer_secret)
    page.goto(f"{live_server}/ui/review")
    shoot(page, tmp_path, "review")
    page.set_viewport_size(PHONE)
    shoot(page, tmp_path, "review")
    page.set_viewport_size(DESKTOP)
    page.fill(f"#note-{assessment_id}", "Consistent with the UNOSAT imagery of March 2016.")
    page.click(f"#review-{assessment_id} button.verify")
    page.wait_for_selector(".notice")

    page.goto(f"{live_server}/ui/monuments/{arch}")
    condition = page.inner_text("#current-condition")
    assert "destroyed · 85 %" in condition and "2016-03-27" in condition
    with database.session(write=False) as session:
        stored = session.get(DamageAssessment, assessment_id)
    assert stored.status == AssessmentStatus.verified
    assert stored.author_key_id == author.key_id and stored.reviewer_key_id != author.key_id


def test_main_pages_at_phone_and_desktop_widths(
    live_server, browser_page, api_keys, palmyra, tmp_path
):
    page = browser_page
    pages = {
        "home": "/ui/",
        "monuments": "/ui/monuments?damage_level=severe_damage",
        "site": f"/ui/sites/{palmyra['site']}",
        "monument": f"/ui/monuments/{palmyra['arch']}",
        "monument-with-photo": f"/ui/monuments/{palmyra['bel']}",
        "photo": f"/ui/photos/{palmyra['photo']}",
        "sign-in": "/ui/sign-in",
    }
    staff_pages = {
        "restoration-form": f"/ui/monuments/{palmyra['arch']}/restoration-assessments/new",
        "assessment-form": f"/ui/monuments/{palmyra['arch']}/assessments/new",
        "upload": f"/ui/monuments/{palmyra['arch']}/photos/upload",
    }
    saved = []
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        for name, path in pages.items():
            page.goto(f"{live_server}{path}")
            saved.append(shoot(page, tmp_path, name))
        sign_in(page, live_server, api_keys["staff"])
        for name, path in staff_pages.items():
            page.goto(f"{live_server}{path}")
            saved.append(shoot(page, tmp_path, name))
        sign_out(page)

    assert len(saved) == 2 * (len(pages) + len(staff_pages))
    assert {path.name for path in saved} >= {"site-360.png", "site-1280.png", "upload-360.png"}


def test_the_site_map_and_the_gallery_preview_work_in_the_browser(
    live_server, browser_page, palmyra, tmp_path
):
    page = browser_page
    page.goto(f"{live_server}/ui/sites/{palmyra['site']}")
    dots = page.locator("#site-map circle.monument")
    assert dots.count() == 3
    assert all(dots.nth(i).is_visible() for i in range(3))
    colours = {
        dots.nth(i).get_attribute("data-level"): dots.nth(i).get_attribute("fill") for i in range(3)
    }
    assert colours == {"destroyed": "#a50026", "severe_damage": "#f46d43", "unassessed": "#9e9e9e"}
    page.locator(f"#site-map circle[data-monument-id='{palmyra['bel']}']").click()
    page.wait_for_url(f"**/ui/monuments/{palmyra['bel']}")

    # A click on a thumbnail opens the preview in place, with the photo's facts.
    page.click(f"#photo-{palmyra['photo']} a.thumb")
    dialog = page.locator("#photo-dialog")
    dialog.wait_for(state="visible")
    # Polled by Playwright's own script: a predicate given as text is evaluated in the page,
    # which its Content-Security-Policy (no 'unsafe-eval') refuses once polling starts.
    from playwright.sync_api import expect

    image = page.locator("#photo-dialog-image")
    expect(image).to_have_js_property("complete", True)
    expect(image).not_to_have_js_property("naturalWidth", 0)
    assert "64 × 48 px" in dialog.inner_text()
    shoot(page, tmp_path, "photo-preview")
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")

    # Arabic names run right to left, inside left-to-right pages.
    page.goto(f"{live_server}/ui/monuments/{palmyra['arch']}")
    arabic = page.locator("bdi.alt-name", has_text="قوس النصر")
    french = page.locator("bdi.alt-name", has_text="Arc monumental")
    assert arabic.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert french.evaluate("e => getComputedStyle(e).direction") == "ltr"
