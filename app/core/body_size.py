"""Request body size limits, answered as problem+json.

Starlette's own limiter answers `413` in plain text, so this small ASGI middleware does the
same job in the registry's error format: it refuses a declared `Content-Length` over the
limit before reading anything, and stops a chunked body as soon as it passes the limit.
Routes that stream large files (photo uploads) set their own, larger limit.
"""

import re
from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import problem_response


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the {limit} bytes accepted here.")


class BodySizeLimitMiddleware:
    """Refuse request bodies larger than the limit for their path."""

    def __init__(
        self, app: ASGIApp, *, default_limit: int, limit_for_path: Callable[[str], int | None]
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limit_for_path = limit_for_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for_path(scope["path"]) or self.default_limit
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            response = problem_response(
                413,
                f"The request body ({declared} bytes) is larger than the {limit} bytes accepted "
                f"by {scope['path']}.",
                instance=scope["path"],
            )
            await response(scope, receive, send)
            return
        received = 0

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, receive_within_limit, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if re.fullmatch(rb"\d{1,18}", value) else None
    return None
