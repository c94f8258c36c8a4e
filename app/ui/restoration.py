"""Restoration assessments on the web pages: the form and recording it."""

from fastapi import APIRouter, Request, Response

from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.monuments.dependencies import LockedMonumentDep, MonumentDep
from app.restoration import service as restorations
from app.restoration.schemas import RestorationCreate
from app.ui import forms
from app.ui.dependencies import CheckedFormDep, UiStaffDep
from app.ui.pages import redirect

router = APIRouter()

FORM = "restoration_form.html"


@router.get("/monuments/{monument_id}/restoration-assessments/new")
def new_restoration(
    request: Request, caller: UiStaffDep, monument: MonumentDep, session: ReadSessionDep
) -> Response:
    """The form for a restoration opinion on the monument (staff, admin)."""
    return forms.record_form(request, session, monument, FORM, values={"prerequisites": []})


@router.post("/monuments/{monument_id}/restoration-assessments")
def create_restoration(
    request: Request,
    form: CheckedFormDep,
    caller: UiStaffDep,
    monument: LockedMonumentDep,
    session: WriteSessionDep,
) -> Response:
    """Record the form's restoration opinion (it starts `proposed`)."""
    posted = forms.record_posted(
        request, session, monument, FORM, form, RestorationCreate, lists=["prerequisites"]
    )
    with posted as fields:
        restoration = restorations.create_restoration(
            session=session, monument_id=monument.id, fields=fields.model_dump(), actor=caller
        )
    return redirect(
        f"/ui/monuments/{monument.id}?notice=restoration-saved#restoration-{restoration.id}"
    )
