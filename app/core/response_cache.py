"""Hot reads answered before FastAPI routes them: an in-process HTTP cache of whole responses.

When news breaks, partners and the public read the same monuments thousands of times a
minute; FastAPI's routing and dependency solving alone cost more than serving the bytes.
This pure-ASGI layer keeps the complete `200` answers of the routes it is given (their
template paths, e.g. `/api/v1/monuments/{monument_id}`) and answers a repeated `GET` from
memory, on the event loop, with no thread and no query. What stays true:

- Never stale: entries are valid for one token of the change signal (app.core.changes); any
  commit anywhere gives a new token and empties the cache. Without a trustworthy signal
  (PostgreSQL's listener down) nothing is answered from memory.
- Per caller class (`Vary: Authorization, Accept`): an entry is kept per route, query
  string, `Accept` header and role (anonymous, partner, field, staff, admin), so
  coordinates rounded for anonymous and partner callers and exact ones for staff never
  cross, nor JSON and JSON-LD. A response whose `Vary` names any other header, or that
  sets a cookie, is not kept.
- Keys: a bearer key is served from memory only once the app itself has accepted it in the
  same token; a revoked key is a commit, so it is looked up again, and refused, on the next
  request. Lock-outs for failed authentications and the anonymous rate limit are counted
  as the app counts them; when either refuses, the app answers (with its problem+json).
- ETags: the stored `ETag`; `If-None-Match` that matches gets `304`, as the app would send.
- Cross-origin requests (with `Origin`) are always the app's, so CORS headers are whatever
  the app's CORS layer decides, wherever it is placed.
- Access log and metrics: the outer layer (app.core.instrumentation) sees these answers like
  any other, under the route template the app matched when the entry was made.
"""

import hashlib
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.changes import ChangeSignal
from app.core.errors import TooManyRequests
from app.core.rate_limits import RateLimits

_ANONYMOUS = "anonymous"
# Larger answers are rare and cheap to rebuild per byte; memory is kept for the hot ones.
MAX_BODY_BYTES = 1 << 20
_NOT_MODIFIED_DROPS = frozenset({b"content-length", b"content-type"})


@dataclass(frozen=True)
class _Answer:
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes | None
    route: Any


@dataclass(frozen=True)
class _KeyHolder:
    role: str
    key_id: int | None


class HotReads:
    """The response cache layer (see the module's docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        changes: ChangeSignal,
        rate_limits: RateLimits,
        routes: Iterable[str],
        max_entries: int,
    ) -> None:
        self.app = app
        self.changes = changes
        self.rate_limits = rate_limits
        self.routes = frozenset(routes)
        # The literal start of each route, to let every other request through untouched.
        self._prefixes = tuple({route.split("{", 1)[0] for route in self.routes})
        self._answers: LRUCache[Hashable, _Answer] = LRUCache(maxsize=max(1, max_entries))
        self._keys: LRUCache[bytes, _KeyHolder] = LRUCache(maxsize=max(1, max_entries))
        self._token: Hashable | None = None
        self.enabled = max_entries > 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["method"] != "GET"
            or not scope["path"].startswith(self._prefixes)
        ):
            await self.app(scope, receive, send)
            return
        token = self.changes.token()
        if token is None:
            await self.app(scope, receive, send)
            return
        if token != self._token:
            # Everything kept was true of an older state of the registry.
            self._answers.clear()
            self._keys.clear()
            self._token = token
        authorization = if_none_match = None
        accept = b""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"accept":
                accept = value
            elif name == b"if-none-match":
                if_none_match = value
            elif name == b"origin":
                # A cross-origin read is the app's (and its CORS layer's, wherever that sits).
                await self.app(scope, receive, send)
                return
        key_digest = None
        if authorization is None:
            role = _ANONYMOUS
            holder = None
        else:
            key_digest = hashlib.sha256(authorization).digest()
            holder = self._keys.get(key_digest)
            role = holder.role if holder is not None else None
        answer = (
            self._answers.get((scope["path"], scope["query_string"], role, accept))
            if role is not None
            else None
        )
        if answer is None or not self._within_limits(scope, authorization):
            await self._answer_and_keep(
                scope, receive, send, token, authorization, key_digest, accept
            )
            return
        state = scope.setdefault("state", {})
        if holder is not None:
            state["caller_role"] = holder.role
            state["caller_key_id"] = holder.key_id
        scope["route"] = answer.route
        if if_none_match is not None and _matches(if_none_match, answer.etag):
            headers = [h for h in answer.headers if h[0] not in _NOT_MODIFIED_DROPS]
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": answer.headers})
        await send({"type": "http.response.body", "body": answer.body})

    def _within_limits(self, scope: Scope, authorization: bytes | None) -> bool:
        """Count the request as the app would; False when a limit refuses it (the app then
        answers, and says why)."""
        client = scope.get("client")
        address = client[0] if client else "unknown"
        try:
            if authorization is None:
                self.rate_limits.count_anonymous_request(address)
            else:
                secret = authorization.decode("latin-1").partition(" ")[2].strip()
                self.rate_limits.refuse_locked_out(address, secret)
        except TooManyRequests:
            return False
        return True

    async def _answer_and_keep(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        token: Hashable,
        authorization: bytes | None,
        key_digest: bytes | None,
        accept: bytes,
    ) -> None:
        started: Message | None = None
        chunks: list[bytes] = []
        size = 0

        async def keeping(message: Message) -> None:
            nonlocal started, size
            if message["type"] == "http.response.start":
                # A copy, taken before the layers outside add their own headers to the
                # message (the request id): what is kept is what the app answered.
                started = {**message, "headers": list(message.get("headers", ()))}
            elif message["type"] == "http.response.body" and size <= MAX_BODY_BYTES:
                body = message.get("body", b"")
                chunks.append(body)
                size += len(body)
            await send(message)

        await self.app(scope, receive, keeping)
        route = scope.get("route")
        if (
            started is None
            or started["status"] != 200
            or size > MAX_BODY_BYTES
            or getattr(route, "path", None) not in self.routes
            or token != self._token
            or self.changes.token() != token
        ):
            return
        headers = started["headers"]
        etag = None
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"set-cookie":
                return
            if lowered == b"vary" and not _varies_only_by_kept_headers(value):
                return
            if lowered == b"etag":
                etag = value
        if etag is None:
            return
        state = scope.get("state") or {}
        if authorization is None:
            role = _ANONYMOUS
        else:
            role = state.get("caller_role")
            if role is None or key_digest is None:
                return
            self._keys[key_digest] = _KeyHolder(role=role, key_id=state.get("caller_key_id"))
        self._answers[(scope["path"], scope["query_string"], role, accept)] = _Answer(
            headers=headers, body=b"".join(chunks), etag=etag, route=route
        )


# The request headers an entry is kept by: the caller's role stands for `Authorization`, and
# `Accept` is part of the key (a record's URL also answers JSON-LD).
_KEPT_BY = frozenset({b"authorization", b"accept"})


def _varies_only_by_kept_headers(vary: bytes) -> bool:
    return {name.strip().lower() for name in vary.split(b",")} <= _KEPT_BY


def _matches(if_none_match: bytes, etag: bytes | None) -> bool:
    # RFC 9110 §13.1.2: `*`, or any listed tag equal by the weak comparison.
    if etag is None:
        return False
    if if_none_match.strip() == b"*":
        return True
    return etag in {tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")}
