"""Who is calling: bearer-key authentication and role checks."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.core.actors import ANONYMOUS, Caller
from app.core.dependencies import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.core.ratelimit import RateLimits
from app.keys import service as keys
from app.keys.models import Role


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


def get_caller(request: Request, session: SessionDep) -> Caller:
    """The caller named by the `Authorization: Bearer` header; anonymous without one."""
    header = request.headers.get("authorization")
    if header is None:
        limit_anonymous_reader(request)
        return ANONYMOUS
    limits: RateLimits = request.app.state.rate_limits
    client = client_address(request)
    scheme, _, secret = header.partition(" ")
    secret = secret.strip() if scheme.lower() == "bearer" else ""
    # Checked before the key, so that guessing a key gains nothing once the limit is
    # reached; counted per presented prefix, so others' guesses never lock a valid key out.
    limits.refuse_locked_out(client, secret)
    if not secret:
        limits.count_failed_authentication(client, secret)
        raise Unauthorized("The Authorization header must be 'Bearer <API key>'.")
    caller = keys.find_active_caller(session=session, secret=secret)
    if caller is None:
        limits.count_failed_authentication(client, secret)
        raise Unauthorized("The API key is unknown or has been revoked.")
    # Who made the request, for its access log line (the key's id, never the key).
    request.state.caller_role = str(caller.role)
    request.state.caller_key_id = caller.key_id
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


def require_roles(
    *roles: Role, caller_from: Callable[..., Caller] = get_caller
) -> Callable[[Caller], Caller]:
    """A dependency that lets through only callers holding one of `roles`.

    `caller_from` says how the caller is known: the bearer key by default; the web pages
    pass their session cookie's caller, so both apply the same rule with the same words.
    """
    allowed = frozenset(roles)
    names = ", ".join(sorted(allowed))

    def check_role(caller: Annotated[Caller, Depends(caller_from)]) -> Caller:
        if caller.role is None:
            raise Unauthorized(f"This action needs an API key with one of the roles: {names}.")
        if caller.role not in allowed:
            raise Forbidden(
                f"A key with role '{caller.role}' may not do this; it needs one of: {names}."
            )
        return caller

    return check_role


StaffDep = Annotated[Caller, Depends(require_roles(Role.admin, Role.staff))]
AdminDep = Annotated[Caller, Depends(require_roles(Role.admin))]
