"""Damage assessments on the web pages: the form, submitting, and the review queue."""

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from app.assessments import service as assessments
from app.assessments.models import DamageAssessment
from app.assessments.schemas import AssessmentCreate, ReviewDecision
from app.catalogue import service as catalogue
from app.core.actors import Caller
from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.core.errors import Conflict, Forbidden, RegistryError, Unprocessable
from app.core.http import link_to
from app.core.pagination import CursorParam, decode_key_cursor, next_page_cursor
from app.monuments import service as monuments
from app.monuments.dependencies import LockedMonumentDep, MonumentDep
from app.photos import service as photos
from app.ui import forms
from app.ui.dependencies import CheckedFormDep, UiAssessmentDep, UiAssessorDep, UiStaffDep
from app.ui.pages import PageInstead, redirect, render
from app.ui.views import PAGE_SIZE

router = APIRouter()

FORM = "assessment_form.html"
EVIDENCE_PER_ASSESSMENT = 12


@router.get("/monuments/{monument_id}/assessments/new")
def new_assessment(
    request: Request, caller: UiAssessorDep, monument: MonumentDep, session: ReadSessionDep
) -> Response:
    """The form for a damage assessment of the monument (field, staff, admin)."""
    return forms.record_form(request, session, monument, FORM, values={"causes": []})


@router.post("/monuments/{monument_id}/assessments")
def create_assessment(
    request: Request,
    form: CheckedFormDep,
    caller: UiAssessorDep,
    monument: LockedMonumentDep,
    session: WriteSessionDep,
) -> Response:
    """Record the form's assessment as a draft, and submit it for review if asked."""
    submit = form.get("action") == "submit"
    posted = forms.record_posted(
        request, session, monument, FORM, form, AssessmentCreate, lists=["causes"]
    )
    with posted as fields:
        assessment = assessments.create_assessment(
            session=session, monument_id=monument.id, fields=fields.model_dump(), actor=caller
        )
        if submit:
            assessments.submit_assessment(session=session, assessment=assessment, actor=caller)
    notice = "assessment-submitted" if submit else "assessment-saved"
    return redirect(f"/ui/monuments/{monument.id}?notice={notice}#assessment-{assessment.id}")


@router.post("/assessments/{assessment_id}/submit")
def submit_assessment(
    request: Request,
    form: CheckedFormDep,
    caller: UiAssessorDep,
    assessment: UiAssessmentDep,
    session: WriteSessionDep,
) -> Response:
    """Send a draft for review (its author, or staff)."""
    assessments.submit_assessment(session=session, assessment=assessment, actor=caller)
    return redirect(
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
    next_cursor = next_page_cursor(
        queue, limit=PAGE_SIZE, sort_key=lambda last: (last.submitted_at.isoformat(), last.id)
    )
    monument_rows = {
        assessment.monument_id: monuments.get_monument(
            session=session, monument_id=assessment.monument_id
        )
        for assessment in shown
    }
    presented = {
        read.id: read
        for read in catalogue.present_many(
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
    evidence_sources = photos.citations(
        session=session, photos=[photo for found in evidence.values() for photo in found]
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
                    cited=evidence_sources.get(photo.id, []),
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
    request: Request, caller: UiStaffDep, session: ReadSessionDep, cursor: CursorParam = None
) -> Response:
    """Submitted assessments with their evidence, for staff to verify or reject."""
    return _review_page(request, caller, session, cursor)


@router.post("/assessments/{assessment_id}/review")
def review_assessment(
    request: Request,
    form: CheckedFormDep,
    caller: UiStaffDep,
    assessment: UiAssessmentDep,
    session: WriteSessionDep,
) -> Response:
    """Verify or reject a submitted assessment with a note (never by its author)."""
    values = forms.form_values(form)
    values["decision"] = form.get("action")
    decision, errors = forms.validate(ReviewDecision, values)
    if decision is None:
        raise PageInstead(_refused_review(request, caller, session, assessment, values, errors))
    try:
        assessments.review_assessment(
            session=session,
            assessment=assessment,
            decision=decision.decision,
            note=decision.note,
            actor=caller,
        )
    except (Unprocessable, Forbidden, Conflict) as refusal:
        page = _refused_review(
            request, caller, session, assessment, values, forms.service_errors(refusal), refusal
        )
        raise PageInstead(page) from refusal
    outcome = {"verify": "verified", "reject": "rejected"}[decision.decision]
    return redirect(f"/ui/review?notice={outcome}")


def _refused_review(
    request: Request,
    caller: Caller,
    session: Session,
    assessment: DamageAssessment,
    values: dict[str, Any],
    errors: forms.FieldErrors,
    refusal: RegistryError | None = None,
) -> Response:
    """The review queue again, the refused decision's errors beside its assessment."""
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
