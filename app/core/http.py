"""HTTP conventions shared by every resource: ETags, conditional requests, JSON bodies.

Conditional-request handling is a few lines of RFC 9110 and no maintained library covers it
for FastAPI, so it lives here: strong ETags derived from the exact bytes sent (so two roles
that see different coordinates never share an ETag), `If-None-Match` for 304 and `If-Match`
for optimistic concurrency.
"""

import hashlib
import unicodedata
from collections.abc import Callable, Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.datastructures import URL

from app.core.errors import (
    MisdirectedRequest,
    PreconditionFailed,
    PreconditionRequired,
    UnsupportedMediaType,
)

JSON = "application/json"


def public_base_url(request: Request) -> str:
    """The registry's root URL for absolute links (no trailing slash): HERITAGE_PUBLIC_URL,
    or else the request's own, only when its Host is one of HERITAGE_ALLOWED_HOSTS.

    Links are never built from any Host a client sends: a shared cache would keep links to
    the attacker's host for everyone (Host header poisoning). `421` for another Host.
    """
    settings = request.app.state.settings
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = (request.url.hostname or "").lower()
    allowed = {name.strip().strip("[]").lower() for name in settings.allowed_hosts}
    if host not in allowed:
        raise MisdirectedRequest(
            f"This registry does not build links for the host '{host}'. Use one of "
            f"{', '.join(settings.allowed_hosts) or 'its configured hosts'}; operators: set "
            "HERITAGE_PUBLIC_URL to the address clients reach the registry at."
        )
    return f"{request.url.scheme}://{request.url.netloc}"


def link_to(request: Request, url: URL) -> str:
    """A URL of this registry for a Link header or a page: absolute from HERITAGE_PUBLIC_URL
    when it is set, otherwise relative (path and query), never from the Host header."""
    local = url.path + (f"?{url.query}" if url.query else "")
    public_url = request.app.state.settings.public_url
    return public_url.rstrip("/") + local if public_url else local


def etag_for(body: bytes) -> str:
    """A strong ETag for a representation's bytes."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _etags_in(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}


def render(resource: BaseModel) -> bytes:
    """The JSON bytes of a resource, as they are sent and hashed."""
    return resource.model_dump_json().encode("utf-8")


def resource_response(
    request: Request,
    resource: BaseModel,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """A JSON response with an ETag and cache headers; `304` when `If-None-Match` matches."""
    return document_response(request, render(resource), status_code=status_code, headers=headers)


def created_response(
    request: Request,
    resource: BaseModel,
    *,
    location: str,
    headers: dict[str, str] | None = None,
) -> Response:
    """`201 Created`: the new resource as `resource_response` sends it, and its `Location`."""
    return resource_response(
        request, resource, status_code=201, headers={"Location": location, **(headers or {})}
    )


def document_response(
    request: Request,
    body: bytes,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    etag: str | None = None,
) -> Response:
    """`resource_response` for a resource already rendered to JSON bytes; `etag` when the
    representation's validator is not its bytes (a report stamped with its generation time)."""
    etag = etag or etag_for(body)
    response_headers = {
        "ETag": etag,
        "Cache-Control": "private, no-cache" if "authorization" in request.headers else "no-cache",
        # What a caller sees depends on its role (sensitive coordinates), so caches must key on it.
        "Vary": "Authorization",
        **(headers or {}),
    }
    if _not_modified(request, etag):
        return Response(status_code=304, headers=response_headers)
    return Response(body, status_code=status_code, media_type=JSON, headers=response_headers)


def not_modified(request: Request, etag: str) -> bool:
    """Whether a GET's `If-None-Match` names `etag` (or `*`): answer `304`."""
    return _not_modified(request, etag)


def _not_modified(request: Request, etag: str) -> bool:
    if_none_match = request.headers.get("if-none-match")
    return (
        request.method in ("GET", "HEAD")
        and bool(if_none_match)
        and (if_none_match.strip() == "*" or etag in _etags_in(if_none_match))
    )


def content_disposition(disposition: str, file_name: str) -> str:
    """A `Content-Disposition` value safe for any name: ASCII fallback plus RFC 6266 UTF-8."""
    ascii_name = unicodedata.normalize("NFKD", file_name).encode("ascii", "ignore").decode()
    ascii_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in ascii_name)
    ascii_name = ascii_name.strip("._") or "download"
    value = f'{disposition}; filename="{ascii_name}"'
    if ascii_name != file_name:
        value += f"; filename*=UTF-8''{quote(file_name, safe='')}"
    return value


def file_response(
    request: Request,
    *,
    sha256: str,
    byte_size: int,
    content_type: str,
    open_body: Callable[[], Iterator[bytes]],
    cache_control: str,
    content_disposition: str | None = None,
) -> Response:
    """A stored file, streamed, with its SHA-256 as ETag; `304` when `If-None-Match` matches.

    `open_body` is only called when the bytes are sent, so a revalidation costs no read.
    """
    headers = {
        "ETag": f'"{sha256}"',
        "Cache-Control": cache_control,
        "Vary": "Authorization",
        # Served bytes are never to be sniffed into HTML or run as a page.
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
    }
    if content_disposition:
        headers["Content-Disposition"] = content_disposition
    if _not_modified(request, headers["ETag"]):
        return Response(status_code=304, headers=headers)
    headers["Content-Length"] = str(byte_size)
    return StreamingResponse(open_body(), media_type=content_type, headers=headers)


def require_if_match(request: Request, current: BaseModel) -> None:
    """Refuse a write unless `If-Match` names the representation the caller would read now."""
    if_match = request.headers.get("if-match")
    if not if_match:
        raise PreconditionRequired(
            "This update needs an If-Match header with the ETag from your last GET of the "
            "resource, so that it cannot overwrite a change you have not seen."
        )
    if if_match.strip() == "*":
        return
    current_etag = etag_for(render(current))
    # If-Match uses the strong comparison (RFC 9110 §13.1.1): weak tags never match.
    tags = {tag.strip() for tag in if_match.split(",")}
    if current_etag not in tags:
        raise PreconditionFailed(
            "The resource has changed since you read it (its ETag is now "
            f"{current_etag}); GET it again, reapply your change and retry.",
            current_etag=current_etag,
        )


async def require_json_body(request: Request) -> None:
    """Refuse bodies that are not declared as JSON, instead of guessing (async: a header
    check needs no worker thread)."""
    content_type = request.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type != JSON and not media_type.endswith("+json"):
        raise UnsupportedMediaType(
            f"The request body must be JSON sent with 'Content-Type: {JSON}'"
            + (f", not '{media_type}'." if media_type else "; no Content-Type was sent.")
        )


JsonBody = Annotated[None, Depends(require_json_body)]
