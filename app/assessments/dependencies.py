"""Loading the assessment a request names, if the caller may see it."""

from typing import Annotated

from fastapi import Depends, Path, Request

from app.assessments import service
from app.assessments.models import DamageAssessment
from app.core.auth import CallerDep
from app.core.dependencies import READ_METHODS, SessionDep

AssessmentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The assessment's id.")]


def get_assessment_or_404(
    assessment_id: AssessmentId, session: SessionDep, caller: CallerDep, request: Request
) -> DamageAssessment:
    """The assessment named in the path (locked for the request when it is a write)."""
    return service.get_assessment(
        session=session,
        assessment_id=assessment_id,
        caller=caller,
        for_update=request.method not in READ_METHODS,
    )


AssessmentDep = Annotated[DamageAssessment, Depends(get_assessment_or_404)]
