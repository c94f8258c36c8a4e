"""Loading the source a request names."""

from typing import Annotated

from fastapi import Depends, Path, Request

from app.core.dependencies import READ_METHODS, SessionDep
from app.sources import service
from app.sources.models import Source

SourceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The source's id.")]


def get_source_or_404(source_id: SourceId, session: SessionDep, request: Request) -> Source:
    """The source named in the path (locked for the request when it is a write)."""
    return service.get_source(
        session=session, source_id=source_id, for_update=request.method not in READ_METHODS
    )


SourceDep = Annotated[Source, Depends(get_source_or_404)]
