"""Who is calling: bearer-key authentication and role checks.

Plumbing knows no domain: how a key is looked up (app/keys) is installed by the application
factory with `install_key_lookup`.
"""

import logging
import secrets
import threading
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Annotated, Protocol

import anyio.to_thread
from cachetools import LRUCache
from fastapi import Depends, FastAPI, Request
from sqlmodel import Session

from app.core.actors import ANONYMOUS, Caller, Role
from app.core.db import GENERATION, Database
from app.core.dependencies import DatabaseDep
from app.core.errors import Forbidden, Unauthorized
from app.core.rate_limits import RateLimits

log = logging.getLogger(__name__)


class KeyLookup(Protocol):
    """Finds who holds an unrevoked API key (None for an unknown or revoked key)."""

    def __call__(self, *, session: Session, secret: str) -> Caller | None: ...


class ActiveKeys(Protocol):
    """The holders of unrevoked keys, each by its key's stored digest, newest first."""

    def __call__(self, *, session: Session, limit: int) -> list[tuple[str, Caller]]: ...


def install_key_lookup(
    app: FastAPI,
    find_caller: KeyLookup,
    *,
    known_keys: int = 0,
    digest: Callable[[str], str] | None = None,
    active_keys: ActiveKeys | None = None,
    key_table: str | None = None,
) -> None:
    """Tell `get_caller` how to find the holder of a presented key, and how many accepted
    keys to remember between changes to the registry (0: look every key up). With `digest`
    (how a key is stored) and `active_keys`, start-up remembers the registry's keys before
    the first request (`remember_active_keys`). With `key_table` (where keys are stored),
    they are remembered until a commit that may have written that table, not any commit."""
    app.state.find_caller = find_caller
    app.state.known_keys = (
        KnownKeys(known_keys, digest=digest, table=key_table) if known_keys else None
    )
    app.state.active_keys = active_keys if digest is not None else None


def remember_active_keys(app: FastAPI, database: Database) -> int:
    """Start-up: remember who holds each unrevoked key (up to the number kept), so that a
    key's first request after a start needs no lookup of its own: one worker-thread trip, as
    every later one, instead of two. Returns how many were remembered."""
    known: KnownKeys | None = getattr(app.state, "known_keys", None)
    active_keys: ActiveKeys | None = getattr(app.state, "active_keys", None)
    if known is None or active_keys is None:
        return 0
    # The token first: a commit during the read changes it, and what was read is dropped.
    token = database.changes.token(known.table)
    if token is None:
        return 0
    with database.session(write=False) as session:
        holders = active_keys(session=session, limit=known.max_entries)
    known.fill(token, holders)
    return len(holders)


@contextmanager
def warm_up_key(app: FastAPI, database: Database, role: Role) -> Iterator[bytes | None]:
    """Start-up: an `Authorization` header the app accepts as a `role` caller while the
    block runs, so the warm-up reads take the path a key holder's first request takes (an
    exact-location view, the remembered key) instead of only the anonymous one. Its secret
    is random, exists in this process's memory only, is never stored and is forgotten when
    the block ends. None when accepted keys are not remembered (nothing to warm)."""
    known: KnownKeys | None = getattr(app.state, "known_keys", None)
    token = database.changes.token(known.table) if known is not None else None
    if known is None or token is None:
        yield None
        return
    secret = secrets.token_urlsafe(32)
    known.put(token, secret, Caller(role=role, name="warm-up"))
    try:
        yield f"Bearer {secret}".encode()
    finally:
        known.forget(secret)


def client_address(request: Request) -> str:
    """The address rate limits count against: the connecting one, or the client named by
    X-Forwarded-For when the connection comes from one of HERITAGE_TRUSTED_PROXIES."""
    return request.client.host if request.client else "unknown"


def limit_anonymous_reader(request: Request) -> None:
    """Count a request made without a key against its address's anonymous limit."""
    limits: RateLimits = request.app.state.rate_limits
    limits.count_anonymous_request(client_address(request))


def limit_anonymous_report(request: Request, caller: Caller) -> None:
    """Count a printable or PDF report rendered for an anonymous caller (a second of CPU
    each) against its address's report limit."""
    if caller.role is None:
        limits: RateLimits = request.app.state.rate_limits
        limits.count_anonymous_report(client_address(request))


class KnownKeys:
    """Who holds each key the app has accepted, valid for one token of the registry's change
    signal (app.core.changes): any commit that may have written the keys' `table` (any
    commit without one), a revocation among them, empties it, so a revoked key is looked up
    again, and refused, on the next request. Kept by the key's `digest` when one is given
    (the form keys are stored in, so start-up can fill it), else by the key itself."""

    def __init__(
        self,
        max_entries: int,
        *,
        digest: Callable[[str], str] | None = None,
        table: str | None = None,
    ) -> None:
        self.max_entries = max(1, max_entries)
        self.table = table
        self._callers: LRUCache[str, Caller] = LRUCache(maxsize=self.max_entries)
        self._token: Hashable | None = None
        self._lock = threading.Lock()
        self._digest = digest or str

    def get(self, token: Hashable | None, secret: str) -> Caller | None:
        """The caller remembered for this key under `token`, if any."""
        if token is None:
            return None
        held = self._digest(secret)
        with self._lock:
            if token != self._token:
                self._callers.clear()
                self._token = token
                return None
            return self._callers.get(held)

    def put(self, token: Hashable | None, secret: str, caller: Caller) -> None:
        """Remember a caller the database named under `token` (read before looking it up)."""
        held = self._digest(secret)
        with self._lock:
            if token is not None and token == self._token:
                self._callers[held] = caller

    def forget(self, secret: str) -> None:
        """Drop the caller remembered for this key, if any."""
        with self._lock:
            self._callers.pop(self._digest(secret), None)

    def fill(self, token: Hashable, holders: list[tuple[str, Caller]]) -> None:
        """Remember callers by their keys' digests, read from the database under `token`
        (read before them): start-up's warm-up."""
        with self._lock:
            if token != self._token:
                self._callers.clear()
                self._token = token
            for held, caller in holders[: self.max_entries]:
                self._callers[held] = caller


def _bearer_secret(header: str) -> str:
    """The key an `Authorization: Bearer <key>` header presents ("" for any other form)."""
    scheme, _, secret = header.partition(" ")
    return secret.strip() if scheme.lower() == "bearer" else ""


def identify_caller(request: Request, database: Database) -> Caller:
    """The caller named by the `Authorization: Bearer` header; anonymous without one.

    The key is looked up in a short read of its own, ended before the handler's transaction
    begins (and before an upload's body streams in); a key accepted since the registry's
    last change is known without a query.
    """
    header = request.headers.get("authorization")
    if header is None:
        limit_anonymous_reader(request)
        return ANONYMOUS
    limits: RateLimits = request.app.state.rate_limits
    client = client_address(request)
    secret = _bearer_secret(header)
    # Checked before the key, so that guessing a key gains nothing once the limit is
    # reached; counted per presented prefix, so others' guesses never lock a valid key out.
    limits.refuse_locked_out(client, secret)
    if not secret:
        limits.count_failed_authentication(client, secret)
        raise Unauthorized("The Authorization header must be 'Bearer <API key>'.")
    caller = _known_caller(request, database, secret)
    if caller is None:
        limits.count_failed_authentication(client, secret)
        raise Unauthorized("The API key is unknown or has been revoked.")
    # Who made the request, for its access log line (the key's id, never the key).
    request.state.caller_role = str(caller.role)
    request.state.caller_key_id = caller.key_id
    return caller


def _known_caller(
    request: Request, database: Database, secret: str, *, cached: bool = True
) -> Caller | None:
    known: KnownKeys | None = getattr(request.app.state, "known_keys", None)
    token = database.changes.token(known.table) if known is not None else None
    if known is not None and (caller := known.get(token, secret)) is not None:
        return caller
    find_caller: KeyLookup = request.app.state.find_caller
    with database.session(write=False, cached=cached) as session:
        caller = find_caller(session=session, secret=secret)
        # The handler's read session trusts the registry generation this lookup found, so a
        # request asks the database whether anything changed once (app.audit.read_cache).
        request.state.registry_generation = session.info.get(GENERATION)
    if known is not None and caller is not None:
        known.put(token, secret, caller)
    return caller


def know_again(request: Request, database: Database) -> None:
    """After the request's own write committed, look its key up again under the new token,
    on the thread that wrote, if the known keys forgot it (a commit that may have written the
    keys' table, or, on SQLite, another connection's commit close to this one): the next
    request with the key, a field team's next POST, is then answered on the event loop
    instead of making a trip of its own to look it up. A key revoked meanwhile is not found,
    so not kept. Where the key is still known, this asks nothing."""
    known: KnownKeys | None = getattr(request.app.state, "known_keys", None)
    header = request.headers.get("authorization")
    if known is None or header is None:
        return
    if secret := _bearer_secret(header):
        try:
            # Without the read cache: the commit just made everything in it old.
            _known_caller(request, database, secret, cached=False)
        except Exception:
            # Only a saving: the write has committed, and the next request looks the key up.
            log.warning("Could not look the caller's key up again after its write", exc_info=True)


async def get_caller(request: Request, database: DatabaseDep) -> Caller:
    """`identify_caller` as a dependency: on the event loop when the key is known since the
    registry's last change (or there is none), on a worker thread when it must be looked up."""
    header = request.headers.get("authorization")
    known: KnownKeys | None = getattr(request.app.state, "known_keys", None)
    if (
        header is not None
        and known is not None
        and known.get(database.changes.token(known.table), _bearer_secret(header)) is None
    ):
        return await anyio.to_thread.run_sync(identify_caller, request, database)
    return identify_caller(request, database)


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_roles(
    *roles: Role, caller_from: Callable[..., Caller] = get_caller
) -> Callable[[Caller], Awaitable[Caller]]:
    """A dependency that lets through only callers holding one of `roles`.

    `caller_from` says how the caller is known: the bearer key by default; the web pages
    pass their session cookie's caller, so both apply the same rule with the same words.
    """

    async def check_role(caller: Annotated[Caller, Depends(caller_from)]) -> Caller:
        return ensure_role(caller, *roles)

    check_role.admits = frozenset(roles)  # type: ignore[attr-defined]  # read by core.openapi
    return check_role


def ensure_role(caller: Caller, *roles: Role) -> Caller:
    """The caller, if it holds one of `roles`; 401 without a key, 403 with another role.
    (A plain function: `require_roles` gives a coroutine, which a plain call never runs.)"""
    names = ", ".join(sorted(roles))
    if caller.role is None:
        raise Unauthorized(f"This action needs an API key with one of the roles: {names}.")
    if caller.role not in roles:
        raise Forbidden(
            f"A key with role '{caller.role}' may not do this; it needs one of: {names}."
        )
    return caller


StaffDep = Annotated[Caller, Depends(require_roles(Role.admin, Role.staff))]
AdminDep = Annotated[Caller, Depends(require_roles(Role.admin))]
