"""Loading the monument a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Depends, Path

from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.monuments import service
from app.monuments.models import Monument

MonumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The monument's id.")]


def get_monument_or_404(monument_id: MonumentId, session: ReadSessionDep) -> Monument:
    """The monument named in the path, in the request's read session."""
    return service.get_monument(session=session, monument_id=monument_id)


def lock_monument_or_404(monument_id: MonumentId, session: WriteSessionDep) -> Monument:
    """The monument named in the path, locked in the request's write session."""
    return service.get_monument(session=session, monument_id=monument_id, for_update=True)


MonumentDep = Annotated[Monument, Depends(get_monument_or_404)]
LockedMonumentDep = Annotated[Monument, Depends(lock_monument_or_404)]
