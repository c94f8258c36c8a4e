"""Signing in to the web pages with an API key, and signing out."""

from fastapi import APIRouter, Request, Response

from app.core.auth import client_address
from app.core.browser_sessions import new_session
from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.core.rate_limits import RateLimits
from app.keys import service as keys
from app.ui import service
from app.ui.dependencies import BrowserSessionDep, CheckedFormDep, UiCallerDep
from app.ui.pages import clear_session_cookie, redirect, render, safe_next, set_session_cookie

router = APIRouter()


@router.get("/sign-in")
def sign_in_form(request: Request, caller: UiCallerDep, next: str | None = None) -> Response:
    """The sign-in form: an API key, as the command line issues them."""
    return render(request, "sign_in.html", next=safe_next(next), error=None)


@router.post("/sign-in")
def sign_in(request: Request, form: CheckedFormDep, session: ReadSessionDep) -> Response:
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
    response = redirect(target)
    set_session_cookie(request, response, new_session(key_id=api_key.id, key_hash=api_key.key_hash))
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    form: CheckedFormDep,
    session: WriteSessionDep,
    browser: BrowserSessionDep,
) -> Response:
    """End the session: in this browser, and for any copy of its cookie."""
    if browser is not None and browser.signed_in:
        service.end_session(
            session=session,
            browser=browser,
            max_age_seconds=request.app.state.session_codec.max_age_seconds,
        )
    response = redirect("/ui/?notice=signed-out")
    clear_session_cookie(request, response)
    return response
