"""Loading the restoration assessment a request names."""

from typing import Annotated

from fastapi import Depends, Path, Request

from app.core.dependencies import READ_METHODS, SessionDep
from app.restoration import service
from app.restoration.models import RestorationAssessment

RestorationId = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The restoration assessment's id.")
]


def get_restoration_or_404(
    restoration_id: RestorationId, session: SessionDep, request: Request
) -> RestorationAssessment:
    """The restoration assessment named in the path (locked when the request writes)."""
    return service.get_restoration(
        session=session,
        restoration_id=restoration_id,
        for_update=request.method not in READ_METHODS,
    )


RestorationDep = Annotated[RestorationAssessment, Depends(get_restoration_or_404)]
