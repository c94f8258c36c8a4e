"""Cross-origin reads and uploads from partners' browsers (CORS), with Starlette's
CORSMiddleware: two policies chosen by path, both without credentials (no cookies; a
partner's page sends its key in `Authorization`, which the preflight allows).

- IIIF (manifests, and the photo previews and thumbnails they paint) is public content made
  for viewers on other sites (Mirador, the Universal Viewer): `iiif_cors_allowed_origins`,
  `*` by default, GET and HEAD only.
- Everything else (the read-only API, tus uploads from Uppy, writes with a key):
  `cors_allowed_origins`, empty by default, so no other site's page can call the API until an
  operator names it.
"""

import re

from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from app.core.errors import problem_response

# Public viewer content: what a IIIF manifest points at.
PUBLIC_PATHS = re.compile(r"^/iiif/|^/api/v1/photos/[^/]+/(preview|thumbnail)$")
API_METHODS = ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]
# What a partner's page may send: conditional requests and the tus protocol's headers.
REQUEST_HEADERS = [
    "Authorization",
    "Content-Type",
    "If-Match",
    "If-None-Match",
    "Idempotency-Key",
    "Tus-Resumable",
    "Upload-Length",
    "Upload-Offset",
    "Upload-Metadata",
    "Upload-Checksum",
    "Upload-Defer-Length",
    "X-HTTP-Method-Override",
    "X-Requested-With",
]
# What its scripts may read back: revalidation, paging, created resources and tus state.
EXPOSED_HEADERS = [
    "ETag",
    "Link",
    "Location",
    "Retry-After",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Expires",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Checksum-Algorithm",
    "X-Request-ID",
]


class _ProblemCORSMiddleware(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered as problem+json like every 4xx."""

    def preflight_response(self, request_headers: Headers) -> Response:
        """The preflight's answer; a refusal says which origin, method or header to change."""
        answer = super().preflight_response(request_headers)
        if answer.status_code < 400:
            return answer
        refused = answer.body.decode().removeprefix("Disallowed CORS ").strip()
        headers = {
            name: value for name, value in answer.headers.items() if name.startswith("access-")
        }
        return problem_response(
            400,
            f"This registry does not allow this cross-origin request ({refused} refused): "
            f"origin {request_headers.get('origin')!r}, method "
            f"{request_headers.get('access-control-request-method')!r}. Operators name the "
            "sites that may call it in HERITAGE_CORS_ALLOWED_ORIGINS.",
            slug="cors-refused",
            headers=headers,
        )


class CrossOriginMiddleware:
    """Answers CORS preflights and labels responses for the origins each policy allows."""

    def __init__(
        self, app: ASGIApp, *, allowed_origins: list[str], public_origins: list[str]
    ) -> None:
        self.app = app
        self.api: ASGIApp = (
            _ProblemCORSMiddleware(
                app,
                allow_origins=allowed_origins,
                allow_methods=API_METHODS,
                allow_headers=REQUEST_HEADERS,
                expose_headers=EXPOSED_HEADERS,
                allow_credentials=False,
                max_age=600,
            )
            if allowed_origins
            else app
        )
        self.public: ASGIApp = (
            _ProblemCORSMiddleware(
                app,
                allow_origins=public_origins,
                allow_methods=["GET", "HEAD"],
                allow_headers=["If-None-Match", "Range"],
                expose_headers=["ETag", "Content-Length"],
                allow_credentials=False,
                max_age=600,
            )
            if public_origins
            else self.api
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and PUBLIC_PATHS.match(scope["path"]):
            await self.public(scope, receive, send)
        else:
            await self.api(scope, receive, send)
