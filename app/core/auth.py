"""Who is calling: bearer-key authentication and role checks."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request

from app.core.actors import ANONYMOUS, Caller
from app.core.dependencies import SessionDep
from app.core.errors import Forbidden, Unauthorized
from app.keys import service as keys
from app.keys.models import Role


def get_caller(request: Request, session: SessionDep) -> Caller:
    """The caller named by the `Authorization: Bearer` header; anonymous without one."""
    header = request.headers.get("authorization")
    if header is None:
        return ANONYMOUS
    scheme, _, secret = header.partition(" ")
    secret = secret.strip()
    if scheme.lower() != "bearer" or not secret:
        raise Unauthorized("The Authorization header must be 'Bearer <API key>'.")
    api_key = keys.find_active_key(session=session, secret=secret)
    if api_key is None:
        raise Unauthorized("The API key is unknown or has been revoked.")
    return Caller(role=Role(api_key.role), key_id=api_key.id, name=api_key.name)


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
