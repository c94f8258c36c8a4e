"""The web pages under /ui/: browse, post assessments, review, upload photos from a phone.

Each page authorises with the API's role check (the user comes from the session cookie),
calls the same services as the API and renders a template. Pages are HTML and stay out of
/openapi.json (`include_in_schema=False`); tests/ui/test_access_matrix.py holds their role
matrix. Every POST carries the session's CSRF token.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlmodel import Session

from app.assessments import service as assessments
from app.assessments.models import (
    AssessmentMethod,
    AssessmentStatus,
    Confidence,
    DamageCause,
    DamageLevel,
)
from app.assessments.schemas import AssessmentCreate, ReviewDecision
from app.core.actors import ANONYMOUS, Caller
from app.core.auth import client_address, limit_anonymous_report
from app.core.dependencies import SessionDep, SettingsDep, StorageDep
from app.core.errors import Conflict, Forbidden, Unprocessable
from app.core.http import link_to, resource_response
from app.core.pagination import CursorParam, decode_cursor, decode_key_cursor, encode_cursor
from app.core.ratelimit import RateLimits
from app.core.schemas import AsOf
from app.core.sessions import new_session
from app.core.time import today_utc
from app.keys import service as keys
from app.monuments import service as monuments
from app.monuments.dependencies import MonumentDep
from app.monuments.models import Monument, MonumentType
from app.photos import service as photos
from app.photos.dependencies import IdempotencyKey, ImageRulesDep, PhotoDep
from app.photos.images import ACCEPTED
from app.reports import service as reports
from app.reports.formats import REPORT_CSP
from app.restoration import service as restorations
from app.restoration.models import Approach, Feasibility, Prerequisite, Priority
from app.restoration.schemas import RestorationCreate
from app.sites import service as sites
from app.sites.dependencies import SiteDep
from app.ui import forms, views
from app.ui.dependencies import (
    BrowserSessionDep,
    CheckedFormDep,
    UiAssessmentDep,
    UiAssessorDep,
    UiCallerDep,
    UiPhotoUploadDep,
    UiStaffDep,
    UiUploaderDep,
    end_session,
)
from app.ui.pages import clear_session_cookie, render, safe_next, set_session_cookie
from app.ui.schemas import MonumentListFilters

router = APIRouter(prefix="/ui", include_in_schema=False)

PAGE_SIZE = 50
SITE_LIMIT = 200
MAP_LIMIT = 500
HISTORY_LIMIT = 200
PHOTO_PAGE = 48
RESTORATION_LIMIT = 50
EVIDENCE_PER_ASSESSMENT = 12

CHOICES = {
    "monument_types": list(MonumentType),
    "damage_levels": list(DamageLevel),
    "methods": list(AssessmentMethod),
    "causes": list(DamageCause),
    "confidences": list(Confidence),
    "feasibilities": list(Feasibility),
    "approaches": list(Approach),
    "priorities": list(Priority),
    "prerequisites": list(Prerequisite),
}


def _redirect(url: str) -> Response:
    # 303: the browser follows with a GET, so reloading the next page posts nothing again.
    return RedirectResponse(url, status_code=303)


# --- signing in and out --------------------------------------------------------------------


@router.get("/sign-in")
def sign_in_form(request: Request, caller: UiCallerDep, next: str | None = None) -> Response:
    """The sign-in form: an API key, as the command line issues them."""
    return render(request, "sign_in.html", next=safe_next(next), error=None)


@router.post("/sign-in")
def sign_in(request: Request, form: CheckedFormDep, session: SessionDep) -> Response:
    """Start a session for a valid, unrevoked key; the cookie never holds the key itself."""
    sent = form.get("api_key")
    secret = sent.strip() if isinstance(sent, str) else ""
    target = safe_next(form.get("next") if isinstance(form.get("next"), str) else None)
    # Keys guessed through this form count against the same limit as on the API.
    limits: RateLimits = request.app.state.rate_limits
    client = client_address(request)
    limits.refuse_locked_out(client, secret)
    api_key = keys.find_active_key(session=session, secret=secret) if secret else None
    if api_key is None:
        limits.count_failed_authentication(client, secret)
        return render(
            request,
            "sign_in.html",
            status_code=401,
            next=target,
            error="This API key is unknown or has been revoked; check it and try again.",
        )
    response = _redirect(target)
    set_session_cookie(request, response, new_session(key_id=api_key.id, key_hash=api_key.key_hash))
    return response


@router.post("/sign-out")
def sign_out(
    request: Request, form: CheckedFormDep, session: SessionDep, browser: BrowserSessionDep
) -> Response:
    """End the session: in this browser, and for any copy of its cookie."""
    if browser is not None and browser.signed_in:
        end_session(
            session=session,
            browser=browser,
            max_age_seconds=request.app.state.session_codec.max_age_seconds,
        )
    response = _redirect("/ui/?notice=signed-out")
    clear_session_cookie(request, response)
    return response


# --- browsing ------------------------------------------------------------------------------


@router.get("/")
def home(request: Request, caller: UiCallerDep, session: SessionDep) -> Response:
    """The sites, with how many of their monuments are at each damage level."""
    found = sites.list_sites(session=session, country=None, after_id=None, limit=SITE_LIMIT)
    summary = reports.registry_summary(session=session, group_by="site", country=None)
    return render(
        request,
        "home.html",
        sites=found[:SITE_LIMIT],
        more_sites=len(found) > SITE_LIMIT,
        counts={group.key: group for group in summary.groups},
        legend=views.LEGEND,
    )


@router.get("/monuments")
def list_monuments(
    request: Request, caller: UiCallerDep, session: SessionDep, cursor: CursorParam = None
) -> Response:
    """Monuments filtered by site, type, damage level and text, a page at a time."""
    names = ("site_id", "type", "damage_level", "q")
    given = {name: request.query_params.get(name, "") for name in names}
    chosen, errors = forms.validate(
        MonumentListFilters, {name: value for name, value in given.items() if value.strip()}
    )
    shown, next_cursor = [], None
    if chosen is not None:
        exact = caller.sees_exact_locations
        found = monuments.list_monuments(
            session=session,
            filters=monuments.MonumentFilters(
                site_id=chosen.site_id,
                type=chosen.type,
                text=chosen.q,
                damage_level=chosen.damage_level,
            ),
            exact_locations=exact,
            after_id=decode_cursor(cursor),
            limit=PAGE_SIZE,
        )
        if len(found) > PAGE_SIZE:
            next_cursor = encode_cursor(found[PAGE_SIZE - 1].id)
        shown = monuments.present_many(
            session=session, monuments=found[:PAGE_SIZE], exact_locations=exact
        )
    site_names = {
        site.id: site.name
        for site in sites.list_sites(session=session, country=None, after_id=None, limit=SITE_LIMIT)
    }
    return render(
        request,
        "monuments.html",
        status_code=422 if errors else 200,
        monuments=shown,
        given=given,
        errors=errors,
        site_names=site_names,
        next_url=link_to(request, request.url.include_query_params(cursor=next_cursor))
        if next_cursor
        else None,
        **CHOICES,
    )


@router.get("/sites/{site_id}")
def read_site(
    request: Request, caller: UiCallerDep, site: SiteDep, session: SessionDep
) -> Response:
    """A site: its map of monuments coloured by condition, the monuments, its report."""
    exact = caller.sees_exact_locations
    found = monuments.list_monuments(
        session=session,
        filters=monuments.MonumentFilters(site_id=site.id),
        exact_locations=exact,
        after_id=None,
        limit=MAP_LIMIT,
    )
    shown = monuments.present_many(
        session=session, monuments=found[:MAP_LIMIT], exact_locations=exact
    )
    return render(
        request,
        "site.html",
        site=site,
        monuments=shown,
        more_monuments=len(found) > MAP_LIMIT,
        points=views.site_map(shown),
        map_width=views.MAP_WIDTH,
        map_height=views.MAP_HEIGHT,
        legend=views.LEGEND,
    )


@router.get("/sites/{site_id}/report")
def read_site_report(
    request: Request,
    caller: UiCallerDep,
    site: SiteDep,
    session: SessionDep,
    storage: StorageDep,
    format: Annotated[Literal["html", "pdf"], Query()] = "html",
    as_of: AsOf = None,
) -> Response:
    """The site's state-of-conservation report (the API's HTML or PDF), as the page's user
    may see it."""
    limit_anonymous_report(request, caller)
    report = reports.state_of_conservation(
        session=session,
        site=site,
        as_of=as_of,
        compare_to=None,
        exact_locations=caller.sees_exact_locations,
    )
    body = reports.printable(session=session, storage=storage, report=report, pdf=format == "pdf")
    name = f"state-of-conservation-site-{site.id}-{report.as_of.isoformat()}.{format}"
    return Response(
        body,
        media_type="application/pdf" if format == "pdf" else "text/html; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        }
        | ({"Content-Security-Policy": REPORT_CSP} if format == "html" else {}),
    )


def _monument_page(
    request: Request,
    caller: Caller,
    session: Session,
    monument: Monument,
    photo_cursor: str | None,
) -> Response:
    exact = caller.sees_exact_locations
    shown = monuments.present_one(session=session, monument=monument, exact_locations=exact)
    history = assessments.list_history(
        session=session,
        monument_id=monument.id,
        caller=caller,
        status=None,
        after=None,
        limit=HISTORY_LIMIT,
    )
    gallery = photos.list_photos(
        session=session,
        monument_id=monument.id,
        after_id=decode_cursor(photo_cursor),
        limit=PHOTO_PAGE,
    )
    opinions = restorations.list_for_monument(
        session=session, monument_id=monument.id, after_id=None, limit=RESTORATION_LIMIT
    )
    latest = restorations.latest_approved_id(session=session, monument_id=monument.id)
    next_photos = encode_cursor(gallery[PHOTO_PAGE - 1].id) if len(gallery) > PHOTO_PAGE else None
    return render(
        request,
        "monument.html",
        monument=shown,
        site=sites.get_site(session=session, site_id=monument.site_id),
        # Newest observation first: the top of the timeline is what is known now.
        history=list(reversed(history[:HISTORY_LIMIT])),
        more_history=len(history) > HISTORY_LIMIT,
        photos=[
            photos.present(photo, monument, exact_locations=exact, names_visible=caller.sees_names)
            for photo in gallery[:PHOTO_PAGE]
        ],
        next_photos_url=(
            link_to(request, request.url.include_query_params(photos=next_photos))
            if next_photos
            else None
        ),
        restorations=[
            restorations.present(opinion, latest_approved=latest, names_visible=caller.sees_names)
            for opinion in opinions[:RESTORATION_LIMIT]
        ],
    )


@router.get("/monuments/{monument_id}")
def read_monument(
    request: Request,
    caller: UiCallerDep,
    monument: MonumentDep,
    session: SessionDep,
    photos: CursorParam = None,
) -> Response:
    """A monument: its condition, damage timeline, photo gallery and restoration opinions."""
    return _monument_page(request, caller, session, monument, photos)


@router.get("/photos/{photo_id}")
def read_photo(request: Request, caller: UiCallerDep, loaded: PhotoDep) -> Response:
    """One photo: its preview and what its file says (EXIF, distance to the monument)."""
    return render(
        request,
        "photo.html",
        photo=photos.present(
            loaded.photo,
            loaded.monument,
            exact_locations=caller.sees_exact_locations,
            names_visible=caller.sees_names,
        ),
        monument=loaded.monument,
    )


# --- damage assessments --------------------------------------------------------------------


def _assessment_form(
    request: Request,
    session: Session,
    monument: Monument,
    *,
    values: dict[str, Any],
    errors: forms.FieldErrors,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    verified = assessments.list_history(
        session=session,
        monument_id=monument.id,
        caller=ANONYMOUS,  # verified ones only: what a correction may name
        status=AssessmentStatus.verified,
        after=None,
        limit=HISTORY_LIMIT,
    )
    return render(
        request,
        "assessment_form.html",
        status_code=status_code,
        monument=monument,
        values=values,
        errors=errors,
        problem=problem,
        verified=verified,
        today=today_utc(),
        **CHOICES,
    )


@router.get("/monuments/{monument_id}/assessments/new")
def new_assessment(
    request: Request, caller: UiAssessorDep, monument: MonumentDep, session: SessionDep
) -> Response:
    """The form for a damage assessment of the monument (field, staff, admin)."""
    return _assessment_form(request, session, monument, values={"causes": []}, errors={})


@router.post("/monuments/{monument_id}/assessments")
def create_assessment(
    request: Request,
    form: CheckedFormDep,
    caller: UiAssessorDep,
    monument: MonumentDep,
    session: SessionDep,
) -> Response:
    """Record the form's assessment as a draft, and submit it for review if asked."""
    shown = forms.shown_values(form, lists=["causes"])
    submit = form.get("action") == "submit"
    fields, errors = forms.validate(AssessmentCreate, forms.form_values(form, lists=["causes"]))
    if fields is None:
        return _assessment_form(
            request, session, monument, values=shown, errors=errors, status_code=422
        )
    try:
        assessment = assessments.create_assessment(
            session=session, monument_id=monument.id, fields=fields.model_dump(), actor=caller
        )
        if submit:
            assessments.submit_assessment(session=session, assessment=assessment, actor=caller)
    except Unprocessable as refusal:
        session.rollback()  # nothing of a refused form is kept
        return _assessment_form(
            request,
            session,
            monument,
            values=shown,
            errors=forms.service_errors(refusal),
            problem=refusal.detail,
            status_code=refusal.status,
        )
    notice = "assessment-submitted" if submit else "assessment-saved"
    return _redirect(f"/ui/monuments/{monument.id}?notice={notice}#assessment-{assessment.id}")


@router.post("/assessments/{assessment_id}/submit")
def submit_assessment(
    request: Request,
    form: CheckedFormDep,
    caller: UiAssessorDep,
    assessment: UiAssessmentDep,
    session: SessionDep,
) -> Response:
    """Send a draft for review (its author, or staff)."""
    assessments.submit_assessment(session=session, assessment=assessment, actor=caller)
    return _redirect(
        f"/ui/monuments/{assessment.monument_id}?notice=assessment-submitted"
        f"#assessment-{assessment.id}"
    )


# --- the review queue ----------------------------------------------------------------------


def _review_page(
    request: Request,
    caller: Caller,
    session: Session,
    cursor: str | None,
    *,
    refused: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    queue = assessments.list_awaiting_review(
        session=session, after=decode_key_cursor(cursor, (datetime, int)), limit=PAGE_SIZE
    )
    shown = list(queue[:PAGE_SIZE])
    next_cursor = None
    if len(queue) > PAGE_SIZE:
        last = shown[-1]
        next_cursor = encode_cursor(last.submitted_at.isoformat(), last.id)
    monument_rows = {
        assessment.monument_id: monuments.get_monument(
            session=session, monument_id=assessment.monument_id
        )
        for assessment in shown
    }
    presented = {
        read.id: read
        for read in monuments.present_many(
            session=session,
            monuments=list(monument_rows.values()),
            exact_locations=caller.sees_exact_locations,
        )
    }
    evidence = photos.list_for_assessments(
        session=session,
        assessment_ids=[assessment.id for assessment in shown],
        limit_each=EVIDENCE_PER_ASSESSMENT,
    )
    items = [
        {
            "assessment": assessment,
            "monument": presented[assessment.monument_id],
            "photos": [
                photos.present(
                    photo,
                    monument_rows[assessment.monument_id],
                    exact_locations=caller.sees_exact_locations,
                    names_visible=caller.sees_names,
                )
                for photo in evidence.get(assessment.id, [])
            ],
            "own": assessments.is_author(assessment, caller),
        }
        for assessment in shown
    ]
    return render(
        request,
        "review.html",
        status_code=status_code,
        items=items,
        refused=refused or {},
        next_url=link_to(request, request.url.include_query_params(cursor=next_cursor))
        if next_cursor
        else None,
    )


@router.get("/review")
def review_queue(
    request: Request, caller: UiStaffDep, session: SessionDep, cursor: CursorParam = None
) -> Response:
    """Submitted assessments with their evidence, for staff to verify or reject."""
    return _review_page(request, caller, session, cursor)


@router.post("/assessments/{assessment_id}/review")
def review_assessment(
    request: Request,
    form: CheckedFormDep,
    caller: UiStaffDep,
    assessment: UiAssessmentDep,
    session: SessionDep,
) -> Response:
    """Verify or reject a submitted assessment with a note (never by its author)."""
    values = forms.form_values(form)
    values["decision"] = form.get("action")
    decision, errors = forms.validate(ReviewDecision, values)
    refusal = None
    if decision is not None:
        try:
            assessments.review_assessment(
                session=session,
                assessment=assessment,
                decision=decision.decision,
                note=decision.note,
                actor=caller,
            )
        except (Unprocessable, Forbidden, Conflict) as error:
            session.rollback()
            refusal, errors = error, forms.service_errors(error)
    if decision is None or refusal is not None:
        return _review_page(
            request,
            caller,
            session,
            None,
            refused={
                "assessment_id": assessment.id,
                "errors": errors,
                "detail": refusal.detail if refusal else None,
                "note": values.get("note", ""),
            },
            status_code=refusal.status if refusal else 422,
        )
    outcome = {"verify": "verified", "reject": "rejected"}[decision.decision]
    return _redirect(f"/ui/review?notice={outcome}")


# --- restoration assessments ---------------------------------------------------------------


def _restoration_form(
    request: Request,
    session: Session,
    monument: Monument,
    *,
    values: dict[str, Any],
    errors: forms.FieldErrors,
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    verified = assessments.list_history(
        session=session,
        monument_id=monument.id,
        caller=ANONYMOUS,  # verified ones only: what a correction may name
        status=AssessmentStatus.verified,
        after=None,
        limit=HISTORY_LIMIT,
    )
    return render(
        request,
        "restoration_form.html",
        status_code=status_code,
        monument=monument,
        values=values,
        errors=errors,
        problem=problem,
        verified=verified,
        today=today_utc(),
        **CHOICES,
    )


@router.get("/monuments/{monument_id}/restoration-assessments/new")
def new_restoration(
    request: Request, caller: UiStaffDep, monument: MonumentDep, session: SessionDep
) -> Response:
    """The form for a restoration opinion on the monument (staff, admin)."""
    return _restoration_form(request, session, monument, values={"prerequisites": []}, errors={})


@router.post("/monuments/{monument_id}/restoration-assessments")
def create_restoration(
    request: Request,
    form: CheckedFormDep,
    caller: UiStaffDep,
    monument: MonumentDep,
    session: SessionDep,
) -> Response:
    """Record the form's restoration opinion (it starts `proposed`)."""
    shown = forms.shown_values(form, lists=["prerequisites"])
    fields, errors = forms.validate(
        RestorationCreate, forms.form_values(form, lists=["prerequisites"])
    )
    if fields is None:
        return _restoration_form(
            request, session, monument, values=shown, errors=errors, status_code=422
        )
    try:
        restoration = restorations.create_restoration(
            session=session, monument_id=monument.id, fields=fields.model_dump(), actor=caller
        )
    except Unprocessable as refusal:
        session.rollback()
        return _restoration_form(
            request,
            session,
            monument,
            values=shown,
            errors=forms.service_errors(refusal),
            problem=refusal.detail,
            status_code=refusal.status,
        )
    return _redirect(
        f"/ui/monuments/{monument.id}?notice=restoration-saved#restoration-{restoration.id}"
    )


# --- photo uploads -------------------------------------------------------------------------


@router.get("/monuments/{monument_id}/photos/upload")
def upload_page(
    request: Request,
    caller: UiUploaderDep,
    monument: MonumentDep,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """The phone-friendly upload page: several files or the camera, progress, retries."""
    linkable = assessments.list_history(
        session=session,
        monument_id=monument.id,
        caller=caller,
        status=None,
        after=None,
        limit=HISTORY_LIMIT,
    )
    return render(
        request,
        "upload.html",
        monument=monument,
        # Evidence goes only to an assessment still in review (see photos.check_assessment).
        assessments=[
            a for a in reversed(linkable[:HISTORY_LIMIT]) if a.status not in assessments.REVIEWED
        ],
        max_upload_bytes=settings.max_upload_bytes,
        accepted=ACCEPTED,
    )


@router.post("/monuments/{monument_id}/photos")
def upload_photo(
    request: Request,
    caller: UiUploaderDep,
    upload: UiPhotoUploadDep,
    session: SessionDep,
    storage: StorageDep,
    rules: ImageRulesDep,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """The upload page's script posts here: the API's upload, with the session's key (JSON
    answers, problem+json refusals, the same Idempotency-Key replay)."""
    outcome = photos.add_photo(
        session=session,
        storage=storage,
        monument_id=upload.monument_id,
        upload=upload.file,
        fields=upload.fields.model_dump(exclude_none=True),
        idempotency_key=idempotency_key,
        rules=rules,
        actor=caller,
    )
    return resource_response(
        request,
        photos.present_upload(
            outcome,
            exact_locations=caller.sees_exact_locations,
            names_visible=caller.sees_names,
        ),
        status_code=outcome.status_code,
        headers={"Location": f"/ui/photos/{outcome.photo.id}", "Cache-Control": "no-store"},
    )
