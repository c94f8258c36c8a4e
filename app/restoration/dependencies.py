"""Loading the restoration assessment a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Path

from app.core.dependencies import path_loaders
from app.restoration import service
from app.restoration.models import RestorationAssessment

RestorationId = Annotated[
    int, Path(ge=1, le=2**31 - 1, description="The restoration assessment's id.")
]

_read, _locked = path_loaders(service.get_restoration, "restoration_id", RestorationId)
RestorationDep = Annotated[RestorationAssessment, _read]
LockedRestorationDep = Annotated[RestorationAssessment, _locked]
