"""The web pages over HTTP: browsing, forms with errors beside fields, review, uploads."""

import re

import pytest
from sqlmodel import select

from app.assessments.models import AssessmentStatus, DamageAssessment
from app.audit.models import AuditEvent
from app.core.pagination import encode_cursor
from app.keys import service as keys
from app.keys.models import Role
from app.photos.models import Photo
from app.restoration.models import RestorationAssessment
from tests.factories import (
    TEST_ACTOR,
    assessment_fields,
    count_rows,
    create_assessment,
    create_monument,
    create_photo,
    create_restoration,
    create_site,
    create_source,
    statement_fields,
)
from tests.photos.pictures import BEL, DAMASCUS, exif, jpeg_bytes
from tests.ui.conftest import csrf_token, new_key, sign_in


def monument_ids_in(html: str) -> list[int]:
    return [
        int(found) for found in re.findall(r'class="card monument" data-monument-id="(\d+)"', html)
    ]


@pytest.fixture
def palmyra(database):
    """A site with three monuments in three conditions (one unassessed)."""
    site_id = create_site(database)
    bel = create_monument(database, site_id)
    arch = create_monument(
        database,
        site_id,
        name="Monumental Arch",
        alt_names=["قوس النصر"],
        type="arch",
        lat=34.5508,
        lon=38.2703,
    )
    agora = create_monument(database, site_id, name="Agora", type="agora", lat=34.5505, lon=38.2665)
    create_assessment(database, bel, status="verified", damage_level="destroyed")
    create_assessment(database, arch, status="verified", damage_level="severe_damage")
    return {"site": site_id, "bel": bel, "arch": arch, "agora": agora}


def test_anyone_browses_sites_and_filters_monuments(client, database, palmyra):
    home = client.get("/ui/")
    assert home.status_code == 200
    assert home.headers["content-type"].startswith("text/html")
    assert f'href="/ui/sites/{palmyra["site"]}"' in home.text
    assert "3 monuments" in home.text

    everything = client.get("/ui/monuments")
    assert sorted(monument_ids_in(everything.text)) == sorted(
        [palmyra["bel"], palmyra["arch"], palmyra["agora"]]
    )
    by_level = client.get("/ui/monuments", params={"damage_level": "severe_damage"})
    assert monument_ids_in(by_level.text) == [palmyra["arch"]]
    by_type = client.get("/ui/monuments", params={"type": "agora", "site_id": palmyra["site"]})
    assert monument_ids_in(by_type.text) == [palmyra["agora"]]
    # Any name, any script: the Arch's Arabic name finds it.
    by_arabic = client.get("/ui/monuments", params={"q": "النصر"})
    assert monument_ids_in(by_arabic.text) == [palmyra["arch"]]
    # A GET form sends its empty fields: they mean "any".
    blank = client.get(
        "/ui/monuments", params={"site_id": "", "type": "", "damage_level": "", "q": ""}
    )
    assert len(monument_ids_in(blank.text)) == 3


def test_a_wrong_filter_is_shown_beside_its_field(client, palmyra):
    response = client.get("/ui/monuments", params={"damage_level": "flattened", "site_id": "x"})

    assert response.status_code == 422
    assert re.search(r'id="f-damage_level" name="damage_level" aria-invalid="true"', response.text)
    assert 'id="error-damage_level"' in response.text and 'id="error-site_id"' in response.text
    assert monument_ids_in(response.text) == []


def test_arabic_names_are_isolated_right_to_left(client, palmyra):
    page = client.get(f"/ui/monuments/{palmyra['arch']}").text

    assert '<bdi dir="auto" class="alt-name" lang="ar">قوس النصر</bdi>' in page


def test_the_site_map_colours_each_monument_by_its_condition(client, palmyra):
    page = client.get(f"/ui/sites/{palmyra['site']}").text

    dots = dict(re.findall(r'data-monument-id="(\d+)" data-level="(\w+)"', page))
    assert dots == {
        str(palmyra["bel"]): "destroyed",
        str(palmyra["arch"]): "severe_damage",
        str(palmyra["agora"]): "unassessed",
    }
    assert 'fill="#a50026"' in page  # destroyed, the report's colour
    assert f'href="/ui/sites/{palmyra["site"]}/report?format=html"' in page


def test_each_card_shows_its_condition_and_unassessed_before_any_verified_assessment(
    client, palmyra
):
    def badge_of(html: str, monument_id: int) -> str:
        card = html.split(f'class="card monument" data-monument-id="{monument_id}"', 1)[1]
        return re.search(r'<span class="badge level-([a-z_]+)">', card).group(1)

    for page in (f"/ui/sites/{palmyra['site']}", "/ui/monuments"):
        html = client.get(page).text
        shown = {name: badge_of(html, palmyra[name]) for name in ("bel", "arch", "agora")}
        assert shown == {"bel": "destroyed", "arch": "severe_damage", "agora": "unassessed"}


def test_a_monument_page_shows_its_condition_and_unassessed_before_any_verified_assessment(
    client, palmyra
):
    def condition_of(name: str) -> tuple[str, bool]:
        page = client.get(f"/ui/monuments/{palmyra[name]}").text
        section = page.split('id="current-condition"', 1)[1].split("</section>", 1)[0]
        level = re.search(r'<span class="badge level-([a-z_]+)">', section).group(1)
        return level, "No verified damage assessment yet." in section

    assert condition_of("bel") == ("destroyed", False)
    assert condition_of("agora") == ("unassessed", True)


def test_the_site_date_control_redraws_the_map_and_counts_as_of_that_date(client, database):
    site_id = create_site(database)
    bel = create_monument(database, site_id)
    create_assessment(
        database, bel, status="verified", observed_on="2010-05-01", damage_level="no_visible_damage"
    )
    create_assessment(
        database, bel, status="verified", observed_on="2015-08-31", damage_level="destroyed"
    )

    def dots_and_counts(**params):
        page = client.get(f"/ui/sites/{site_id}", params=params)
        assert page.status_code == 200, page.text
        dots = dict(re.findall(r'data-monument-id="(\d+)" data-level="(\w+)"', page.text))
        counts = dict(
            re.findall(r'<li data-level="(\w+)">[^:]+: <strong>(\d+)</strong>', page.text)
        )
        return dots[str(bel)], counts, page.text

    level, counts, page = dots_and_counts()
    assert level == "destroyed" and counts["destroyed"] == "1"
    assert 'id="date-control"' in page
    level, counts, page = dots_and_counts(as_of="2015-01-01")
    assert level == "no_visible_damage"
    assert counts["destroyed"] == "0" and counts["no_visible_damage"] == "1"
    assert 'value="2015-01-01"' in page and "as_of=2015-01-01" in page  # the report link too
    # The form's empty field means "now", not an error.
    assert dots_and_counts(as_of="", known_at="")[0] == "destroyed"
    assert client.get(f"/ui/sites/{site_id}", params={"as_of": "2015-13-01"}).status_code == 422


def test_the_monument_page_shows_when_the_damage_happened_and_any_dispute(client, database):
    bel = create_monument(database, create_site(database))
    intact = create_assessment(
        database, bel, status="verified", observed_on="2015-08-27", damage_level="no_visible_damage"
    )
    standing = create_assessment(
        database, bel, status="verified", observed_on="2015-08-31", damage_level="moderate_damage"
    )
    gone = create_assessment(
        database, bel, status="verified", observed_on="2015-08-31", damage_level="destroyed"
    )

    page = client.get(f"/ui/monuments/{bel}").text

    window = re.search(r'<p id="damage-window">(.*?)</p>', page, re.S).group(1)
    assert "by 2015-08-31" in window and f"#assessment-{gone}" in window
    disputed = re.search(r'<p id="condition-disputed"[^>]*>(.*?)</p>', page, re.S).group(1)
    assert f"#assessment-{standing}" in disputed and f"#assessment-{gone}" in disputed
    earlier = client.get(f"/ui/monuments/{bel}", params={"as_of": "2015-08-28"}).text
    assert "Condition on 2015-08-28" in earlier and f"assessment {intact}" in earlier
    assert 'id="condition-disputed"' not in earlier


def test_the_site_report_is_linked_as_html_and_pdf(client, palmyra):
    html = client.get(f"/ui/sites/{palmyra['site']}/report", params={"format": "html"})
    pdf = client.get(f"/ui/sites/{palmyra['site']}/report", params={"format": "pdf"})

    assert html.status_code == 200 and "State of conservation" in html.text
    assert 'id="site-map"' in html.text
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


def test_the_monument_page_shows_timeline_gallery_and_restoration(client, database, palmyra):
    storage = client.app.state.storage
    photo_id = create_photo(database, storage, palmyra["bel"])
    create_restoration(database, palmyra["bel"], notes="Rebuild with the stones that remain.")
    draft = create_assessment(database, palmyra["bel"], damage_level="moderate_damage")

    page = client.get(f"/ui/monuments/{palmyra['bel']}").text

    assert 'id="current-condition"' in page and "destroyed · 90 %" in page
    assert 'data-status="verified"' in page
    assert f'id="assessment-{draft}"' not in page  # drafts are not public
    assert f'href="/ui/photos/{photo_id}" data-preview="/api/v1/photos/{photo_id}/preview"' in page
    assert f'src="/api/v1/photos/{photo_id}/thumbnail"' in page
    assert "Rebuild with the stones that remain." in page
    assert "Post a damage assessment" not in page  # anonymous visitors post nothing
    assert client.get(f"/ui/photos/{photo_id}").status_code == 200


def test_a_photo_far_from_its_monument_is_flagged_in_the_gallery(client, api_keys, palmyra):
    client.post(
        f"/api/v1/monuments/{palmyra['bel']}/photos",
        files={"file": ("far.jpg", jpeg_bytes(exif_data=exif(gps=DAMASCUS)), "image/jpeg")},
        headers={"Authorization": f"Bearer {api_keys['field']}"},
    )
    client.post(
        f"/api/v1/monuments/{palmyra['bel']}/photos",
        files={
            "file": ("near.jpg", jpeg_bytes(exif_data=exif(gps=BEL, model="Pixel")), "image/jpeg")
        },
        headers={"Authorization": f"Bearer {api_keys['field']}"},
    )

    page = client.get(f"/ui/monuments/{palmyra['bel']}").text

    assert page.count('class="warning location-mismatch"') == 1
    assert "GPS position is 2" in page and "km from the monument" in page
    assert "Canon EOS 5D Mark III" in page


def test_unknown_pages_and_records_are_html_error_pages(client):
    for path in ("/ui/monuments/999999", "/ui/sites/999999", "/ui/photos/999999", "/ui/nowhere"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html"), path
        assert 'id="error-detail"' in response.text


def test_pages_for_signed_in_roles_send_anonymous_visitors_to_sign_in(client, palmyra):
    response = client.get("/ui/review", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"] == "/ui/sign-in?next=%2Fui%2Freview"


def test_a_field_team_posts_an_assessment_and_sees_errors_beside_the_fields(
    client, database, signed_in, palmyra
):
    token = signed_in("field")
    events = count_rows(database, AuditEvent)
    before = count_rows(database, DamageAssessment)
    url = f"/ui/monuments/{palmyra['agora']}/assessments"

    refused = client.post(
        url,
        data={
            "csrf_token": token,
            "observed_on": "2999-01-01",
            "method": "drone",
            "source": "  ",
            "damage_level": "flattened",
            "extent_percent": "140",
            "causes": ["looting", "looting"],
            "confidence": "high",
            "action": "submit",
        },
    )

    assert refused.status_code == 422
    page = refused.text
    for field in ("observed_on", "source", "damage_level", "extent_percent", "causes"):
        assert f'id="error-{field}"' in page, field
    assert 'id="error-method"' not in page and 'id="error-confidence"' not in page
    assert "must not be in the future" in page
    # What was typed is shown again.
    assert 'value="140"' in page and '<option value="drone" selected>' in page
    assert count_rows(database, DamageAssessment) == before
    assert count_rows(database, AuditEvent) == events

    fields = assessment_fields(observed_on="2016-03-27", damage_level="severe_damage")
    accepted = client.post(
        url,
        data={**fields, "causes": fields["causes"], "csrf_token": token, "action": "submit"},
        follow_redirects=False,
    )

    assert accepted.status_code == 303
    assert accepted.headers["location"].startswith(f"/ui/monuments/{palmyra['agora']}?notice=")
    with database.session(write=False) as session:
        stored = session.exec(
            select(DamageAssessment).where(DamageAssessment.monument_id == palmyra["agora"])
        ).one()
    assert stored.status == AssessmentStatus.submitted
    assert stored.author.startswith("field:test field")
    assert stored.causes == ["deliberate_destruction", "explosives"]
    assert count_rows(database, AuditEvent) == events + 2  # create, submit


def test_a_draft_is_saved_then_submitted_by_its_author(client, database, signed_in, palmyra):
    token = signed_in("field")
    fields = assessment_fields()
    client.post(
        f"/ui/monuments/{palmyra['agora']}/assessments",
        data={**fields, "csrf_token": token, "action": "draft"},
    )
    with database.session(write=False) as session:
        draft = session.exec(
            select(DamageAssessment).where(DamageAssessment.monument_id == palmyra["agora"])
        ).one()
    assert draft.status == AssessmentStatus.draft
    page = client.get(f"/ui/monuments/{palmyra['agora']}").text
    assert f'action="/ui/assessments/{draft.id}/submit"' in page

    client.post(f"/ui/assessments/{draft.id}/submit", data={"csrf_token": token})

    with database.session(write=False) as session:
        assert session.get(DamageAssessment, draft.id).status == AssessmentStatus.submitted


def test_a_correction_must_name_a_verified_assessment_of_this_monument(
    client, database, signed_in, palmyra
):
    token = signed_in("staff")
    other = create_assessment(database, palmyra["arch"], status="verified")
    fields = assessment_fields()

    response = client.post(
        f"/ui/monuments/{palmyra['agora']}/assessments",
        data={**fields, "supersedes": str(other), "csrf_token": token, "action": "draft"},
    )

    # The service's refusal lands beside the field it names.
    assert response.status_code == 422
    assert 'id="error-supersedes"' in response.text
    assert count_rows(database, DamageAssessment) == 3  # the two of the fixture, and `other`


def test_the_author_cannot_review_and_another_staff_member_verifies(client, database, palmyra):
    author, author_secret = new_key(database, Role.staff, "Amira")
    reviewer, reviewer_secret = new_key(database, Role.staff, "Khaled")
    submitted = create_assessment(
        database, palmyra["agora"], status="submitted", author=author, damage_level="destroyed"
    )
    storage = client.app.state.storage
    create_photo(database, storage, palmyra["agora"])
    with database.session(write=True) as session:
        photo = session.exec(select(Photo)).one()
        photo.assessment_id = submitted
        session.add(photo)

    token = sign_in(client, author_secret)
    queue = client.get("/ui/review").text
    assert f'id="review-{submitted}"' in queue
    assert "You wrote this assessment" in queue
    assert f'action="/ui/assessments/{submitted}/review"' not in queue
    assert f'src="/api/v1/photos/{photo.id}/thumbnail"' in queue  # its evidence
    refused = client.post(
        f"/ui/assessments/{submitted}/review", data={"csrf_token": token, "action": "verify"}
    )
    assert refused.status_code == 403
    assert "A reviewer is never the author" in refused.text
    with database.session(write=False) as session:
        assert session.get(DamageAssessment, submitted).status == AssessmentStatus.submitted

    token = sign_in(client, reviewer_secret)
    no_note = client.post(
        f"/ui/assessments/{submitted}/review", data={"csrf_token": token, "action": "reject"}
    )
    assert no_note.status_code == 422
    assert f'id="note-error-{submitted}"' in no_note.text
    verified = client.post(
        f"/ui/assessments/{submitted}/review",
        data={"csrf_token": token, "action": "verify", "note": "Matches the imagery."},
        follow_redirects=False,
    )
    assert verified.status_code == 303
    assert "was verified" in client.get(verified.headers["location"]).text

    with database.session(write=False) as session:
        stored = session.get(DamageAssessment, submitted)
    assert stored.status == AssessmentStatus.verified
    assert (stored.reviewer, stored.reviewer_key_id) == (reviewer.label, reviewer.key_id)
    assert stored.review_note == "Matches the imagery."
    page = client.get(f"/ui/monuments/{palmyra['agora']}").text
    condition = page[page.index('id="current-condition"') :][:600]
    assert "level-destroyed" in condition
    assert "Nothing is waiting for review." in client.get("/ui/review").text


def test_staff_record_a_restoration_assessment_through_the_form(
    client, database, signed_in, palmyra
):
    token = signed_in("staff")
    url = f"/ui/monuments/{palmyra['agora']}/restoration-assessments"
    base = {
        "csrf_token": token,
        "assessed_on": "2016-04-18",
        "feasibility": "partially_feasible",
        "approach": "anastylosis",
        "prerequisites": ["demining", "funding"],
    }

    # Money is checked by the API's schema; restorable_percent by the service (the Agora
    # has no verified damage assessment): both errors land beside their fields.
    bad_money = client.post(
        url, data={**base, "estimated_cost.amount": "lots", "estimated_cost.currency": "XYZ"}
    )
    assert bad_money.status_code == 422
    assert 'id="error-estimated_cost-amount"' in bad_money.text
    assert 'id="error-estimated_cost-currency"' in bad_money.text
    no_damage = client.post(url, data={**base, "restorable_percent": "90"})
    assert no_damage.status_code == 422
    assert 'id="error-restorable_percent"' in no_damage.text
    assert count_rows(database, RestorationAssessment) == 0

    accepted = client.post(
        url,
        data={**base, "estimated_cost.amount": "1500000.00", "estimated_cost.currency": "usd"},
        follow_redirects=False,
    )

    assert accepted.status_code == 303
    with database.session(write=False) as session:
        stored = session.exec(select(RestorationAssessment)).one()
    assert stored.estimated_cost_thousandths == 1_500_000_000
    assert stored.estimated_cost_currency == "USD"
    assert [(p["prerequisite"], p["status"]) for p in stored.prerequisites] == [
        ("demining", "open"),
        ("funding", "open"),
    ]
    assert "1500000.00 USD" in client.get(f"/ui/monuments/{palmyra['agora']}").text


def test_the_monument_page_shows_the_plan_of_record_and_the_spread_of_opinions(
    client, database, palmyra
):
    bel = palmyra["bel"]
    create_restoration(database, site_id=palmyra["site"], **statement_fields())
    plan = create_restoration(
        database, bel, status="approved", feasibility="not_feasible", approach=None
    )
    create_restoration(
        database,
        bel,
        **statement_fields(
            claimant={"name": "Paolo Matthiae"},
            restorable_percent_min=98,
            restorable_percent_max=98,
            feasibility="feasible",
        ),
    )

    page = client.get(f"/ui/monuments/{bel}").text

    outlook = page[page.index('id="restoration-outlook"') :].split("</section>")[0]
    assert "plan of record</span> not feasible" in outlook
    assert f'href="#restoration-{plan}"' in outlook
    assert "3 opinions on record, 2 of them public statements" in outlook
    assert "restorable shares stated: 90–98 %" in outlook
    assert "1 about the whole site" in outlook
    assert "Waiting on: demining, security clearance" in outlook
    cards = page[page.index('id="restorations"') :]
    assert cards.count('class="card restoration') == 2  # the site statement is not copied
    assert "Paolo Matthiae" in cards and "Franklin Lamb" not in cards
    site_page = client.get(f"/ui/sites/{palmyra['site']}").text
    statements = site_page[site_page.index('id="property-statements"') :]
    assert "Franklin Lamb" in statements and "90–95 %" in statements
    assert "between 90 and 95 percent" in statements


def test_staff_record_a_public_statement_with_its_claimant_and_range(
    client, database, signed_in, palmyra
):
    token = signed_in("staff")
    url = f"/ui/monuments/{palmyra['bel']}/restoration-assessments"
    form = client.get(f"{url}/new").text
    for field in ("kind", "claimant.name", "claimant.role", "claimant.organisation", "quote"):
        assert f'name="{field}"' in form
    base = {
        "csrf_token": token,
        "kind": "public_statement",
        "assessed_on": "2016-08-01",
        "quote": "98% of the site might be restored",
        "restorable_percent_min": "95",
        "restorable_percent_max": "98",
    }

    unattributed = client.post(url, data=base)
    assert unattributed.status_code == 422
    assert 'id="error-claimant"' in unattributed.text
    reversed_range = client.post(
        url, data={**base, "claimant.name": "Paolo Matthiae", "restorable_percent_min": "99"}
    )
    assert reversed_range.status_code == 422
    assert 'id="error-restorable_percent_min"' in reversed_range.text
    assert count_rows(database, RestorationAssessment) == 0

    accepted = client.post(
        url,
        data={**base, "claimant.name": "Paolo Matthiae", "claimant.role": "archaeologist"},
        follow_redirects=False,
    )
    assert accepted.status_code == 303, accepted.text
    with database.session(write=False) as session:
        stored = session.exec(select(RestorationAssessment)).one()
    assert (stored.kind, stored.claimant_name, stored.claimant_role) == (
        "public_statement",
        "Paolo Matthiae",
        "archaeologist",
    )
    assert (stored.restorable_percent_min, stored.restorable_percent_max) == (95, 98)
    assert stored.feasibility is None and stored.approach is None
    page = client.get(f"/ui/monuments/{palmyra['bel']}").text
    assert "No plan of record" in page and "95–98 %" in page


def upload(client, monument_id, token, name, data, key=None):
    headers = {"Accept": "application/json"}
    if token is not None:
        headers["X-CSRF-Token"] = token
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(
        f"/ui/monuments/{monument_id}/photos",
        files={"file": (name, data, "image/jpeg")},
        headers=headers,
    )


def test_the_upload_page_posts_like_the_api(client, database, signed_in, palmyra):
    token = signed_in("field")
    photo = jpeg_bytes(exif_data=exif(gps=BEL))

    first = upload(client, palmyra["bel"], token, "gate.jpg", photo, key="k-1")
    replay = upload(client, palmyra["bel"], token, "gate.jpg", photo, key="k-1")
    duplicate = upload(client, palmyra["bel"], token, "gate-again.jpg", photo, key="k-2")
    refused = upload(client, palmyra["bel"], token, "notes.jpg", b"not an image at all")

    assert first.status_code == 201 and first.json()["duplicate"] is False
    assert first.json()["camera"]["gps_lat"] == pytest.approx(BEL[0], abs=1e-4)
    assert (replay.status_code, replay.json()["id"]) == (201, first.json()["id"])
    assert duplicate.status_code == 200 and duplicate.json()["duplicate"] is True
    assert refused.status_code == 415
    assert refused.headers["content-type"] == "application/problem+json"
    assert "JPEG, PNG" in refused.json()["detail"]
    with database.session(write=False) as session:
        stored = session.exec(select(Photo)).one()
    assert stored.uploaded_by.startswith("field:test field")


def test_the_upload_page_offers_only_assessments_still_in_review(
    client, database, signed_in, palmyra
):
    signed_in("staff")
    draft = create_assessment(database, palmyra["bel"])
    submitted = create_assessment(database, palmyra["bel"], status="submitted")

    page = client.get(f"/ui/monuments/{palmyra['bel']}/photos/upload").text
    offered = {int(v) for v in re.findall(r'<option value="(\d+)"', page)}

    # The verified assessment of the fixture is not offered: it can no longer take evidence.
    assert offered == {draft, submitted}


@pytest.mark.parametrize("role", ["partner", None])
def test_only_uploaders_may_upload_from_the_page(client, signed_in, palmyra, role, database):
    token = signed_in(role) if role else csrf_token(client.get("/ui/sign-in").text)

    response = upload(client, palmyra["bel"], token, "gate.jpg", jpeg_bytes())

    assert response.status_code == (403 if role else 401)
    assert count_rows(database, Photo) == 0


def test_a_revoked_key_ends_its_web_session(client, database, api_keys, palmyra):
    sign_in(client, api_keys["staff"])
    assert client.get("/ui/review").status_code == 200
    with database.session(write=True) as session:
        key = keys.find_active_key(session=session, secret=api_keys["staff"])
        keys.revoke_key(session=session, key_id=key.id, actor=TEST_ACTOR)

    response = client.get("/ui/review", follow_redirects=False)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/ui/sign-in")


def test_a_wrong_key_is_refused_at_sign_in(client):
    token = csrf_token(client.get("/ui/sign-in").text)

    response = client.post(
        "/ui/sign-in", data={"csrf_token": token, "api_key": "hr_not-a-key", "next": "/ui/"}
    )

    assert response.status_code == 401
    assert 'id="sign-in-error"' in response.text
    assert "heritage_session" not in response.headers.get("set-cookie", "")


def test_signing_out_forgets_the_session(client, signed_in):
    token = signed_in("staff")

    response = client.post("/ui/sign-out", data={"csrf_token": token}, follow_redirects=False)

    assert response.status_code == 303
    assert 'heritage_session=""' in response.headers["set-cookie"]
    assert "Max-Age=0" in response.headers["set-cookie"]
    assert client.get("/ui/review", follow_redirects=False).status_code == 303


def test_a_forged_review_cursor_is_a_clear_refusal(client, signed_in):
    signed_in("staff")

    response = client.get("/ui/review", params={"cursor": encode_cursor("yesterday", 3)})

    assert response.status_code == 400
    assert "cursor" in response.text


def test_the_monument_page_names_the_sources_of_each_record(client, database):
    bel = create_monument(database, create_site(database))
    unosat = create_source(database, title="UNOSAT analysis of the Temple of Bel")
    seen = create_assessment(
        database, bel, status="verified", damage_level="destroyed", source_ids=[unosat]
    )
    lesovoi = create_source(database, title="Lesovoi to TASS", url="https://example.org/tass")
    opinion = create_restoration(database, bel, source_ids=[lesovoi])

    page = client.get(f"/ui/monuments/{bel}").text

    timeline = page.split(f'id="assessment-{seen}"')[1].split('id="photos-heading"')[0]
    assert "UNOSAT analysis of the Temple of Bel" in timeline
    card = page.split(f'id="restoration-{opinion}"')[1]
    link = '<a href="https://example.org/tass" rel="noreferrer"><bdi dir="auto">Lesovoi to TASS'
    assert link in card
