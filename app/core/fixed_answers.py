"""Answers that never change (the liveness probe), sent before FastAPI routes the request.

Orchestrators and load balancers ask `/healthz` every few seconds per instance; its answer is
a constant, and FastAPI's middleware, routing among ~150 routes and response rendering cost
several times what sending it does. This pure-ASGI layer sits where the hot reads do (inside
the observing layer and CORS), so each answer still gets its request id, access line and
metrics, under the route template that answers it in the app.
"""

import json
from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send


class FixedAnswers:
    """Answers `GET` of each route's path with its document, as JSON, from memory."""

    def __init__(self, app: ASGIApp, *, documents: Iterable[tuple[BaseRoute, Any]]) -> None:
        self.app = app
        self._answers: dict[str, tuple[BaseRoute, list[tuple[bytes, bytes]], bytes]] = {}
        for route, document in documents:
            # The bytes FastAPI's JSONResponse renders for the same document.
            body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
            headers = [
                (b"content-length", str(len(body)).encode("ascii")),
                (b"content-type", b"application/json"),
            ]
            self._answers[route.path] = (route, headers, body)  # type: ignore[attr-defined]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = (
            self._answers.get(scope["path"])
            if scope["type"] == "http" and scope["method"] == "GET"
            else None
        )
        if answer is None:
            await self.app(scope, receive, send)
            return
        route, headers, body = answer
        scope["route"] = route  # for the access line and the metrics
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})
