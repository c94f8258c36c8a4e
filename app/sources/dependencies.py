"""Loading the source a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Depends, Path

from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.sources import service
from app.sources.models import Source

SourceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The source's id.")]


def get_source_or_404(source_id: SourceId, session: ReadSessionDep) -> Source:
    """The source named in the path, in the request's read session."""
    return service.get_source(session=session, source_id=source_id)


def lock_source_or_404(source_id: SourceId, session: WriteSessionDep) -> Source:
    """The source named in the path, locked in the request's write session."""
    return service.get_source(session=session, source_id=source_id, for_update=True)


SourceDep = Annotated[Source, Depends(get_source_or_404)]
LockedSourceDep = Annotated[Source, Depends(lock_source_or_404)]
