"""Loading the monument a request names."""

from typing import Annotated

from fastapi import Depends, Path, Request

from app.core.dependencies import READ_METHODS, SessionDep
from app.monuments import service
from app.monuments.models import Monument

MonumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The monument's id.")]


def get_monument_or_404(monument_id: MonumentId, session: SessionDep, request: Request) -> Monument:
    """The monument named in the path (locked for the request when it is a write)."""
    return service.get_monument(
        session=session, monument_id=monument_id, for_update=request.method not in READ_METHODS
    )


MonumentDep = Annotated[Monument, Depends(get_monument_or_404)]
