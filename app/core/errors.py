"""Domain errors and their rendering as RFC 9457 problem details (`application/problem+json`).

Services raise `RegistryError` subclasses; one handler turns each into a problem document.
The format is small enough that a hand-written renderer is clearer than the available
libraries (fastapi-problem and rfc9457 are single-maintainer packages whose validation
output carries no `detail` naming what to fix).
"""

import errno
import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any, Literal, TypeVar

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import (
    DBAPIError,
    InterfaceError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import get_route_path

PROBLEM_JSON = "application/problem+json"
PROBLEM_TYPE_BASE = "https://heritage-registry.example/problems/"

log = logging.getLogger(__name__)


class RegistryError(Exception):
    """A failure the caller can act on; subclasses carry their HTTP status."""

    status: int = 400
    slug: str = "bad-request"
    # The problem's title; None: the standard reason phrase of `status`.
    title: str | None = None

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extra: Any):
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extra = extra

    def __init_subclass__(
        cls, *, status: int | None = None, slug: str | None = None, **kwargs: Any
    ):
        # Lets each problem type below be declared in one line: its class, status and slug.
        super().__init_subclass__(**kwargs)
        if status is not None:
            cls.status = status
        if slug is not None:
            cls.slug = slug


class BadRequest(RegistryError, status=400, slug="bad-request"): ...


class Unauthorized(RegistryError, status=401, slug="unauthorized"):
    def __init__(self, detail: str, **extra: Any):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="heritage-registry"'})
        self.extra = extra


class Forbidden(RegistryError, status=403, slug="forbidden"): ...


class NotFound(RegistryError, status=404, slug="not-found"): ...


class NotAcceptable(RegistryError, status=406, slug="not-acceptable"): ...


class Conflict(RegistryError, status=409, slug="conflict"): ...


class Gone(RegistryError, status=410, slug="gone"): ...


class MisdirectedRequest(RegistryError, status=421, slug="misdirected-request"): ...


class PreconditionFailed(RegistryError, status=412, slug="precondition-failed"): ...


class ContentTooLarge(RegistryError, status=413, slug="content-too-large"): ...


class UnsupportedMediaType(RegistryError, status=415, slug="unsupported-media-type"): ...


class Unprocessable(RegistryError, status=422, slug="unprocessable-content"):
    @classmethod
    def at(
        cls,
        where: str | tuple[str | int, ...],
        detail: str,
        kind: str = "value_error",
        *,
        msg: str | None = None,
    ) -> "Unprocessable":
        """A 422 about one place in the request, with the one `errors` entry (shaped as
        FastAPI's own validation errors) that names it: a body field, or a full `loc`
        such as `("header", "Idempotency-Key")`; its `msg` is `detail` unless given."""
        loc = ["body", where] if isinstance(where, str) else list(where)
        return cls(detail, errors=[{"loc": loc, "msg": msg or detail, "type": kind}])


class PreconditionRequired(RegistryError, status=428, slug="precondition-required"): ...


class TooManyRequests(RegistryError, status=429, slug="too-many-requests"): ...


class ServiceUnavailable(RegistryError, status=503, slug="service-unavailable"): ...


class InsufficientStorage(RegistryError, status=507, slug="insufficient-storage"): ...


# How long a client should wait before retrying after a storage fault that passes by itself.
STORAGE_RETRY_AFTER_SECONDS = 30
# A volume that is full, read-only, not writable by the service, or gone: it needs an
# operator, so retrying soon will not help (507). Anything else (an I/O error, a network
# file system timing out) may pass (503 with Retry-After).
_NEEDS_AN_OPERATOR = frozenset(
    {
        errno.ENOSPC,
        errno.EDQUOT,
        errno.EFBIG,
        errno.EROFS,
        errno.EACCES,
        errno.EPERM,
        errno.ENOENT,
        errno.ENOTDIR,
    }
)


def storage_failure(error: OSError, what: str) -> RegistryError:
    """The problem to answer when writing to `what` ("the photo storage"…) failed: `507` for
    a full or unwritable volume, `503` with Retry-After for a fault that may pass. The
    detail names no path; the log (see `log_storage_failure`) does."""
    full = error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
    if error.errno in _NEEDS_AN_OPERATOR:
        state = "is full" if full else "cannot be written to"
        return InsufficientStorage(
            f"The server's {what} {state}; nothing was stored. The registry's operators "
            "have to free or fix it: send the photo again later."
        )
    return ServiceUnavailable(
        f"The server's {what} failed ({error.strerror or type(error).__name__}); nothing "
        f"was stored. Retry in {STORAGE_RETRY_AFTER_SECONDS} seconds.",
        headers={"Retry-After": str(STORAGE_RETRY_AFTER_SECONDS)},
    )


# How long a client should wait before retrying when the database cannot be reached.
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(error: SQLAlchemyError) -> ServiceUnavailable | None:
    """The 503 to answer for a database error that means "not reachable now", else None.

    Lost or refused connections, an exhausted pool, a locked SQLite file and PostgreSQL's
    transient failures (deadlock, serialisation) all pass if the client retries later; a
    programming error or a violated constraint does not, and stays a 500 to be fixed.
    """
    transient = isinstance(error, OperationalError | InterfaceError | PoolTimeout) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )
    if not transient:
        return None
    reason = type(getattr(error, "orig", None) or error).__name__
    return ServiceUnavailable(
        f"The database is not available right now ({reason}); nothing was changed by this "
        f"request. Retry in {DATABASE_RETRY_AFTER_SECONDS} seconds.",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)},
    )


class FieldError(BaseModel):
    """One invalid input: where it is and what is wrong with it."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem document, as every error response is shaped."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


def problem_response(
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """A problem+json response for `status` with a `detail` saying what to fix."""
    # Protocol extensions have statuses of their own (tus: 460) that HTTPStatus lacks.
    phrase = title or HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (slug or phrase.lower().replace(" ", "-")),
        "title": phrase,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_request_part(
    model: type[ModelT], values: dict[str, Any], *, part: Literal["body", "query"]
) -> ModelT:
    """Values a dependency read itself (a streamed form, a page's date control) as `model`;
    a refusal is the same 422 FastAPI sends for what it parses, each error located in `part`.
    The values are text ("3,7" for source ids), so strict fields read them as text inputs."""
    try:
        return model.model_validate(values, strict=False)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": (part, *e["loc"])} for e in error.errors(include_url=False)]
        ) from None


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc) or "request"


def _validation_problem(
    exc: RequestValidationError,
) -> tuple[int, str, str, dict[str, Any]]:
    """Status, detail, slug and extra members of the problem for invalid input."""
    errors = [
        {
            "loc": [part if isinstance(part, int) else str(part) for part in error["loc"]],
            "msg": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    if any(error["type"] == "json_invalid" for error in errors):
        reason = next(
            (e.get("ctx", {}).get("error") for e in exc.errors() if e["type"] == "json_invalid"),
            "",
        )
        return 400, f"The request body is not valid JSON ({reason}).", "malformed-json", {}
    summary = "; ".join(f"{_location(tuple(e['loc']))}: {e['msg']}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    detail = f"The request has {len(errors)} invalid field(s): {summary}{more}."
    return 422, detail, "validation-failed", {"errors": errors}


def _http_detail(request: Request, exc: StarletteHTTPException) -> str:
    details = {
        404: f"No resource at {request.url.path}; see /docs for the API's routes.",
        405: f"{request.method} is not allowed on {request.url.path}.",
        413: "The request body is larger than this endpoint accepts.",
    }
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code in details and detail == HTTPStatus(exc.status_code).phrase:
        detail = details[exc.status_code]
    return detail


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at the request's path (RFC 9110 §15.5.6: `Allow`
    lists them all). The router names only the first route whose path matched, so
    `PUT /api/v1/monuments` would be told `Allow: GET` though POST works too."""
    path = get_route_path(request.scope)
    methods: set[str] = set()
    # FastAPI's own walk over included routers (what its OpenAPI document is built from).
    for route in iter_route_contexts(request.app.routes):
        pattern = getattr(route, "path_regex", None)
        if route.methods and pattern is not None and pattern.match(path):
            methods |= route.methods
    return sorted(methods, key=lambda method: (METHOD_ORDER.get(method, 99), method))


METHOD_ORDER = {"GET": 0, "HEAD": 1, "POST": 2, "PUT": 3, "PATCH": 4, "DELETE": 5, "OPTIONS": 6}


# Renders an error as a web page for requests that want one, or returns None (problem+json).
ErrorPage = Callable[[Request, int, str], Response | None]


def install_error_handlers(app: FastAPI, *, error_page: ErrorPage | None = None) -> None:
    """Render every error the app can raise as problem+json (or, for the web pages' requests,
    as the page `error_page` makes)."""

    def respond(
        request: Request,
        status: int,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        **problem: Any,
    ) -> Response:
        """The error page for a page's request, else the problem document (`problem`: its
        slug, title and extension members, as `problem_response` takes them)."""
        page = error_page(request, status, detail) if error_page is not None else None
        if page is not None:
            # A page says when to come back too (429, 503).
            if headers and "Retry-After" in headers:
                page.headers["Retry-After"] = headers["Retry-After"]
            return page
        return problem_response(
            status, detail, instance=request.url.path, headers=headers, **problem
        )

    @app.exception_handler(RegistryError)
    async def registry_error(request: Request, exc: RegistryError) -> Response:
        return respond(
            request,
            exc.status,
            exc.detail,
            slug=exc.slug,
            title=exc.title,
            headers=exc.headers,
            **exc.extra,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        status, detail, slug, extra = _validation_problem(exc)
        return respond(request, status, detail, slug=slug, **extra)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        headers = getattr(exc, "headers", None)
        detail = _http_detail(request, exc)
        if exc.status_code == 405:
            allowed = ", ".join(allowed_methods(request))
            headers = {**(headers or {}), "Allow": allowed}
            detail = f"{detail} It allows {allowed}."
        return respond(request, exc.status_code, detail, headers=headers)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        unavailable = database_unavailable(exc)
        if unavailable is None:
            return await unexpected_error(request, exc)
        # No traceback, no SQL: the engine hides parameters, but one line is enough here.
        log.warning(
            "database unavailable on %s %s: %s",
            request.method,
            request.url.path,
            type(getattr(exc, "orig", None) or exc).__name__,
        )
        return await registry_error(request, unavailable)

    @app.exception_handler(OSError)
    async def os_error(request: Request, exc: OSError) -> Response:
        # Writes to the storage are turned into problems where they happen; a full or
        # read-only volume met anywhere else is still no reason for a 500.
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS):
            log.error("storage fault on %s %s: %s", request.method, request.url.path, exc)
            return await registry_error(request, storage_failure(exc, "storage"))
        return await unexpected_error(request, exc)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return respond(
            request,
            500,
            "The server failed to handle this request; nothing was changed. "
            "Please report it with the time of the request.",
        )
