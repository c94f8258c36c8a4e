"""Rendering the web pages: templates, headers, the session cookie and error pages."""

from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from fastapi import FastAPI, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from app.core.actors import ANONYMOUS, Caller, shown_actor
from app.core.browser_sessions import (
    COOKIE_NAME,
    COOKIE_PATH,
    CSRF_FIELD,
    BrowserSession,
    new_session,
)
from app.ui import views
from app.ui.dependencies import (
    ASSESSOR_ROLES,
    STAFF_ROLES,
    UPLOADER_ROLES,
    get_browser_session,
    get_codec,
)

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
PREFIX = "/ui"

# Pages load only their own scripts, styles and images (thumbnails come from the API on the
# same origin); nothing inline, no frames, forms post only here.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    # Pages carry the session's CSRF token and what the user's role may see.
    "Cache-Control": "no-store",
    "Vary": "Cookie",
}

NOTICES = {
    "signed-in": "You are signed in.",
    "signed-out": "You are signed out.",
    "assessment-saved": "The assessment was saved as a draft; submit it for review when ready.",
    "assessment-submitted": "The assessment was submitted for review by another staff member.",
    "restoration-saved": "The restoration assessment was recorded (status: proposed).",
    "verified": "The assessment was verified; the monument's condition follows from it.",
    "rejected": "The assessment was rejected; its author can see your note.",
}


def _environment() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(views.FILTERS)
    environment.globals.update(
        level_colours=views.LEVEL_COLOURS,
        assessor_roles=ASSESSOR_ROLES,
        uploader_roles=UPLOADER_ROLES,
        staff_roles=STAFF_ROLES,
        # Who did what: by name to staff, by role and key to everyone else.
        shown_actor=shown_actor,
    )
    return environment


templates = Jinja2Templates(env=_environment())


def cookie_secure(request: Request) -> bool:
    """Whether the session cookie is marked Secure: as configured, else when over https."""
    configured = request.app.state.settings.session_cookie_secure
    return request.url.scheme == "https" if configured is None else configured


def set_session_cookie(request: Request, response: Response, session: BrowserSession) -> None:
    """Send the signed session: HttpOnly, SameSite=Strict, only for the pages' path."""
    codec = get_codec(request)
    response.set_cookie(
        COOKIE_NAME,
        codec.dumps(session),
        max_age=codec.max_age_seconds,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    """Forget the session in the browser."""
    response.delete_cookie(
        COOKIE_NAME,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request),
    )


class _CsrfSource:
    """The page's CSRF token, creating a session the first time a page shows a form."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.issued: BrowserSession | None = None

    def token(self) -> str:
        session = get_browser_session(self.request)
        if session is None:
            session = self.issued = self.issued or new_session()
        return session.csrf_token

    def field(self) -> Markup:
        return Markup('<input type="hidden" name="{}" value="{}">').format(
            CSRF_FIELD, escape(self.token())
        )


def render(request: Request, template: str, *, status_code: int = 200, **context: Any) -> Response:
    """A page from its template, with the user, the CSRF token and the security headers."""
    csrf = _CsrfSource(request)
    caller: Caller = getattr(request.state, "ui_caller", ANONYMOUS)
    notice = NOTICES.get(request.query_params.get("notice", ""))
    response = templates.TemplateResponse(
        request,
        template,
        {
            "caller": caller,
            "csrf_field": csrf.field,
            "csrf_token": csrf.token,
            "notice": notice,
            "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
            **context,
        },
        status_code=status_code,
        headers=SECURITY_HEADERS,
    )
    # The template asked for a token and the visitor had no session: start one.
    if csrf.issued is not None:
        set_session_cookie(request, response, csrf.issued)
    return response


def _return_address(request: Request) -> str:
    """Where "Sign in" on this page should come back to: the page itself, if it can be
    fetched again (a GET other than the sign-in page)."""
    path = request.url.path
    if request.method != "GET" or path == f"{PREFIX}/sign-in":
        return f"{PREFIX}/"
    return path + (f"?{request.url.query}" if request.url.query else "")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a page of this site only, never another host."""
    if not target:
        return f"{PREFIX}/"
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith(f"{PREFIX}/")
        or "\\" in target
        or any(ord(char) < 0x20 for char in target)
    ):
        return f"{PREFIX}/"
    return target


def _wants_page(request: Request) -> bool:
    path = request.url.path
    if path != PREFIX and not path.startswith(f"{PREFIX}/"):
        return False
    # The upload script asks for JSON, and gets problem+json like any API client.
    accept = request.headers.get("accept", "")
    return not ("json" in accept and "text/html" not in accept)


def error_page(request: Request, status: int, detail: str) -> Response | None:
    """The error as a page for the web pages' requests; None for everything else."""
    if not _wants_page(request):
        return None
    if status == 401 and request.method in ("GET", "HEAD"):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"{PREFIX}/sign-in?next={quote(target, safe='')}",
            status_code=303,
            headers={"Cache-Control": "no-store"},
        )
    return render(request, "error.html", status_code=status, status=status, detail=detail)


def redirect(url: str) -> Response:
    """Go on to `url` after a form was handled."""
    # 303: the browser follows with a GET, so reloading the next page posts nothing again.
    return RedirectResponse(url, status_code=303)


class PageInstead(Exception):
    """Raised with a page to send instead of the handler's answer (a refused form shown
    again with its errors). It leaves the handler like any error, so the request's write
    session rolls back and nothing of the refused form is kept."""

    def __init__(self, page: Response) -> None:
        super().__init__("a page sent instead")
        self.page = page


def install_page_answers(app: FastAPI) -> None:
    """Send the page a `PageInstead` carries."""

    @app.exception_handler(PageInstead)
    async def page_instead(request: Request, exc: PageInstead) -> Response:
        return exc.page
