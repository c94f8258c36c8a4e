"""Request body limits, answered as problem+json: size, and time.

Starlette's own limiter answers `413` in plain text, so this small ASGI middleware does the
same job in the registry's error format: it refuses a declared `Content-Length` over the
limit before reading anything, and stops a chunked body as soon as it passes the limit.
Routes that stream large files (photo uploads) set their own, larger limit.

Neither uvicorn nor h11 times out a request body that arrives slowly, so a client sending
a byte every few seconds would hold a worker's request (and a spool file) for hours: a
second middleware answers `408` when the next part of a body does not come in time, or when
the body arrives, on average, slower than a floor once a grace period has passed.
"""

import math
import re
import time
from collections.abc import Callable

import anyio
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import problem_response


class BodyTooLarge(HTTPException):
    """Raised from `receive` when a streamed body passes the limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"The request body is larger than the {limit} bytes accepted here.")


class _BodyMiddleware:
    """An ASGI middleware that watches only HTTP requests with a body (`on_body`); every
    other request and the lifespan pass through untouched."""

    app: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not has_body(scope):
            await self.app(scope, receive, send)
            return
        await self.on_body(scope, receive, send)

    async def on_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class BodySizeLimitMiddleware(_BodyMiddleware):
    """Refuse request bodies larger than the limit for their path."""

    def __init__(
        self, app: ASGIApp, *, default_limit: int, limit_for_path: Callable[[str], int | None]
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limit_for_path = limit_for_path

    async def on_body(self, scope: Scope, receive: Receive, send: Send) -> None:
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


class BodyTimeout(HTTPException):
    """Raised from `receive` when a request body stalls or trickles."""

    def __init__(self, detail: str) -> None:
        super().__init__(408, detail)


class BodyTimeoutMiddleware(_BodyMiddleware):
    """Answer `408` for request bodies that stop arriving, or arrive too slowly."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        idle_seconds: float,
        min_bytes_per_second: int,
        grace_seconds: float,
    ) -> None:
        self.app = app
        self.idle_seconds = idle_seconds
        self.min_rate = min_bytes_per_second
        self.grace_seconds = grace_seconds

    async def on_body(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.monotonic()
        received = 0
        complete = False

        async def receive_in_time() -> Message:
            nonlocal received, complete
            if complete:
                # After the body, `receive` only waits for the client to disconnect (while
                # a response streams): that wait has no limit.
                return await receive()
            elapsed = time.monotonic() - started
            wait = self.idle_seconds
            # When the average rate would fall below the floor, counting from the start.
            slow_at = max(self.grace_seconds, received / self.min_rate) if self.min_rate else None
            too_slow = slow_at is not None and slow_at - elapsed < wait
            if too_slow:
                wait = max(0.0, slow_at - elapsed)
            with anyio.move_on_after(wait) as waited:
                message = await receive()
            if waited.cancelled_caught:
                elapsed = time.monotonic() - started
                raise BodyTimeout(
                    self._too_slow(received, elapsed) if too_slow else self._stalled()
                )
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                complete = not message.get("more_body", False)
            else:
                complete = True
            return message

        await self.app(scope, receive_in_time, send)

    def _too_slow(self, received: int, elapsed: float) -> str:
        rate = math.floor(received / elapsed) if elapsed else 0
        return (
            f"The request body arrived too slowly ({rate} bytes/s after {elapsed:.0f} s; "
            f"at least {self.min_rate} bytes/s are needed). On a poor connection, send "
            "photos as resumable uploads (/api/v1/uploads) in small chunks."
        )

    def _stalled(self) -> str:
        return (
            f"No more of the request body arrived for {self.idle_seconds:g} seconds; the "
            "request was dropped. Send it again."
        )


def has_body(scope: Scope) -> bool:
    """Whether the request declares a body (RFC 9112 §6.3: without Content-Length or
    Transfer-Encoding it has none), so that reads skip the layers that watch bodies."""
    return any(name in (b"content-length", b"transfer-encoding") for name, _ in scope["headers"])


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            return int(value) if re.fullmatch(rb"\d{1,18}", value) else None
    return None
