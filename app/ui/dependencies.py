"""Who is using the web pages, what they may do, and the CSRF checks on what they send.

The pages know their user from the signed session cookie (app/core/sessions.py) instead of
an `Authorization` header; from there on the API's own role check (`require_roles`) and
services decide, so a page can never allow what the API refuses.
"""

import hmac
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import delete
from sqlmodel import Session, select
from starlette.datastructures import FormData
from starlette.formparsers import MultiPartException

from app.assessments import service as assessments
from app.assessments.dependencies import AssessmentId
from app.assessments.models import DamageAssessment
from app.core.actors import ANONYMOUS, Caller
from app.core.auth import limit_anonymous_reader, require_roles
from app.core.dependencies import READ_METHODS, SessionDep, SettingsDep
from app.core.errors import BadRequest, Forbidden
from app.core.sessions import (
    COOKIE_NAME,
    CSRF_FIELD,
    CSRF_HEADER,
    BrowserSession,
    SessionCodec,
    csrf_matches,
    key_check,
    session_fingerprint,
)
from app.core.time import utc_now
from app.keys import service as keys
from app.keys.models import Role
from app.monuments.dependencies import MonumentId
from app.photos.dependencies import PhotoUpload, received_upload, release_for_upload
from app.ui.models import EndedSession

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


def end_session(*, session: Session, browser: BrowserSession, max_age_seconds: int) -> None:
    """Remember that this web session was signed out, so no copy of its cookie works again;
    sessions whose cookies have expired anyway are forgotten."""
    now = utc_now()
    session.execute(delete(EndedSession).where(EndedSession.expires_at < now))
    fingerprint = session_fingerprint(browser)
    if session.exec(
        select(EndedSession.id).where(EndedSession.session_hash == fingerprint)
    ).first():
        return
    # The cookie was signed at most max_age ago, so it is worthless past this.
    expires_at = now + timedelta(seconds=max_age_seconds)
    session.add(EndedSession(session_hash=fingerprint, ended_at=now, expires_at=expires_at))
    session.flush()


def session_ended(*, session: Session, browser: BrowserSession) -> bool:
    """Whether this web session was signed out."""
    fingerprint = session_fingerprint(browser)
    ended = select(EndedSession.id).where(EndedSession.session_hash == fingerprint)
    return session.exec(ended).first() is not None


def get_ui_caller(request: Request, session: SessionDep, browser: BrowserSessionDep) -> Caller:
    """The key the session was signed in with, looked up afresh; anonymous without one,
    once the key is revoked, or once the session was signed out (a copied cookie included).
    Anonymous pages count against the API's anonymous limit."""
    caller = ANONYMOUS
    if (
        browser is not None
        and browser.key_id is not None
        and not session_ended(session=session, browser=browser)
    ):
        api_key = keys.find_active_key_by_id(session=session, key_id=browser.key_id)
        if api_key is not None and hmac.compare_digest(
            key_check(api_key.key_hash), browser.key_check or ""
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


def get_ui_assessment(
    assessment_id: AssessmentId, session: SessionDep, caller: UiCallerDep, request: Request
) -> DamageAssessment:
    """The assessment named in the path, if the page's user may see it."""
    return assessments.get_assessment(
        session=session,
        assessment_id=assessment_id,
        caller=caller,
        for_update=request.method not in READ_METHODS,
    )


UiAssessmentDep = Annotated[DamageAssessment, Depends(get_ui_assessment)]


def get_ui_upload_monument(
    monument_id: MonumentId,
    _: Annotated[None, Depends(check_csrf_header)],
    caller: UiUploaderDep,
    session: SessionDep,
) -> int:
    """The monument a page's upload goes to, checked before a byte of the file is read."""
    return release_for_upload(session=session, monument_id=monument_id)


async def receive_ui_upload(
    request: Request,
    settings: SettingsDep,
    monument_id: Annotated[int, Depends(get_ui_upload_monument)],
) -> AsyncIterator[PhotoUpload]:
    """The page's upload: the same multipart body, checks and limits as the API's."""
    async with received_upload(request, settings, monument_id) as upload:
        yield upload


UiPhotoUploadDep = Annotated[PhotoUpload, Depends(receive_ui_upload)]
