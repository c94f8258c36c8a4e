"""Loading the assessment a request names, if the caller may see it: to read it, or locked
to change it."""

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Path

from app.assessments import service
from app.assessments.models import DamageAssessment
from app.core.actors import Caller
from app.core.auth import get_caller
from app.core.dependencies import ReadSessionDep, WriteSessionDep

AssessmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The assessment's id.")]


def assessment_loader(
    *, caller_from: Callable[..., Caller] = get_caller, locked: bool = False
) -> Callable[..., DamageAssessment]:
    """A dependency loading the assessment named in the path, if the caller (known as
    `caller_from` says: API key or web session) may see it; `locked` loads it in the
    request's write session, locked until the write commits."""
    session_kind = WriteSessionDep if locked else ReadSessionDep

    def load_assessment(
        assessment_id: AssessmentId,
        session: session_kind,
        caller: Annotated[Caller, Depends(caller_from)],
    ) -> DamageAssessment:
        return service.get_assessment(
            session=session, assessment_id=assessment_id, caller=caller, for_update=locked
        )

    return load_assessment


AssessmentDep = Annotated[DamageAssessment, Depends(assessment_loader())]
LockedAssessmentDep = Annotated[DamageAssessment, Depends(assessment_loader(locked=True))]
