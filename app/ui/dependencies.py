"""Who is using the web pages, what they may do, and the CSRF checks on what they send.

The pages know their user from the signed session cookie (app/core/browser_sessions.py)
instead of an `Authorization` header; from there on the API's own role check (`require_roles`) and
services decide, so a page can never allow what the API refuses.
"""

import hmac
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from app.assessments.dependencies import assessment_loader
from app.assessments.models import DamageAssessment
from app.core.actors import ANONYMOUS, Caller, Role
from app.core.auth import limit_anonymous_reader, require_roles
from app.core.browser_sessions import (
    COOKIE_NAME,
    CSRF_FIELD,
    CSRF_HEADER,
    BrowserSession,
    SessionCodec,
    csrf_matches,
    key_check,
)
from app.core.dependencies import DatabaseDep
from app.core.errors import BadRequest, Forbidden, validate_request_part
from app.core.time import TimeAxes
from app.keys import service as keys
from app.photos.dependencies import PhotoUpload, upload_monument_checker, upload_receiver
from app.ui import service
from app.ui.schemas import TimeAxesFilters

# The roles of the API routes each page stands for (tests/ui/test_access_matrix.py checks
# that both answer every role alike).
ASSESSOR_ROLES = frozenset({Role.admin, Role.staff, Role.field})
UPLOADER_ROLES = frozenset({Role.admin, Role.staff, Role.field})
STAFF_ROLES = frozenset({Role.admin, Role.staff})
MAX_FORM_FIELDS = 200


class CsrfRefused(Forbidden):
    slug = "csrf-token-mismatch"


def get_codec(request: Request) -> SessionCodec:
    """The application's session signer."""
    return request.app.state.session_codec


def get_browser_session(request: Request) -> BrowserSession | None:
    """The session the request's cookie holds, if it is genuine and unexpired."""
    if not hasattr(request.state, "browser_session"):
        request.state.browser_session = get_codec(request).loads(request.cookies.get(COOKIE_NAME))
    return request.state.browser_session


BrowserSessionDep = Annotated[BrowserSession | None, Depends(get_browser_session)]


def get_ui_caller(request: Request, database: DatabaseDep, browser: BrowserSessionDep) -> Caller:
    """The key the session was signed in with, looked up afresh (in a short read of its own,
    as for API keys); anonymous without one, once the key is revoked, or once the session
    was signed out (a copied cookie included). Anonymous pages count against the API's
    anonymous limit."""
    caller = ANONYMOUS
    if browser is not None and browser.key_id is not None:
        with database.session(write=False) as session:
            ended = service.session_ended(session=session, browser=browser)
            api_key = keys.find_active_key_by_id(session=session, key_id=browser.key_id)
        if (
            not ended
            and api_key is not None
            and hmac.compare_digest(key_check(api_key.key_hash), browser.key_check or "")
        ):
            caller = Caller(role=Role(api_key.role), key_id=api_key.id, name=api_key.name)
    request.state.ui_caller = caller
    if caller.role is None:
        limit_anonymous_reader(request)
    return caller


UiCallerDep = Annotated[Caller, Depends(get_ui_caller)]
UiAssessorDep = Annotated[
    Caller, Depends(require_roles(*ASSESSOR_ROLES, caller_from=get_ui_caller))
]
UiUploaderDep = Annotated[
    Caller, Depends(require_roles(*UPLOADER_ROLES, caller_from=get_ui_caller))
]
UiStaffDep = Annotated[Caller, Depends(require_roles(*STAFF_ROLES, caller_from=get_ui_caller))]

CSRF_REFUSED = (
    "This form's security token is missing or does not match your session (it may have "
    "expired, or the form came from another site); nothing was changed. Reload the page and "
    "send it again."
)


async def get_checked_form(request: Request, browser: BrowserSessionDep) -> FormData:
    """A posted form, once its CSRF token matches the session's; refused before anything else
    is looked at otherwise."""
    try:
        form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    except MultiPartException as error:
        raise BadRequest(f"The form could not be read: {error.message}") from None
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not csrf_matches(token, browser):
        raise CsrfRefused(CSRF_REFUSED)
    return form


CheckedFormDep = Annotated[FormData, Depends(get_checked_form)]


def check_csrf_header(request: Request, browser: BrowserSessionDep) -> None:
    """Refuse a script's request unless it sends the session's CSRF token in a header."""
    if not csrf_matches(request.headers.get(CSRF_HEADER), browser):
        raise CsrfRefused(CSRF_REFUSED)


UiAssessmentDep = Annotated[
    DamageAssessment, Depends(assessment_loader(caller_from=get_ui_caller, locked=True))
]


def check_csrf_then_caller(
    _: Annotated[None, Depends(check_csrf_header)], caller: UiCallerDep
) -> Caller:
    """The page's user, once its script's request carries the session's CSRF token."""
    return caller


UiPhotoUploadDep = Annotated[
    PhotoUpload, Depends(upload_receiver(upload_monument_checker(check_csrf_then_caller)))
]


def get_page_time_axes(request: Request) -> TimeAxes:
    """The times a page is read at, from its date control; empty fields mean "now"."""
    given = {
        name: value
        for name in TimeAxesFilters.model_fields
        if (value := request.query_params.get(name, "").strip())
    }
    chosen = validate_request_part(TimeAxesFilters, given, part="query")
    return TimeAxes(as_of=chosen.as_of, known_at=chosen.known_at)  # type: ignore[arg-type]


PageTimeAxesDep = Annotated[TimeAxes, Depends(get_page_time_axes)]
