"""Loading the restoration assessment a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Depends, Path

from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.restoration import service
from app.restoration.models import RestorationAssessment

RestorationId = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The restoration assessment's id.")
]


def get_restoration_or_404(
    restoration_id: RestorationId, session: ReadSessionDep
) -> RestorationAssessment:
    """The restoration assessment named in the path, in the request's read session."""
    return service.get_restoration(session=session, restoration_id=restoration_id)


def lock_restoration_or_404(
    restoration_id: RestorationId, session: WriteSessionDep
) -> RestorationAssessment:
    """The restoration assessment named in the path, locked in the request's write session."""
    return service.get_restoration(session=session, restoration_id=restoration_id, for_update=True)


RestorationDep = Annotated[RestorationAssessment, Depends(get_restoration_or_404)]
LockedRestorationDep = Annotated[RestorationAssessment, Depends(lock_restoration_or_404)]
