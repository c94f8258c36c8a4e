"""Loading the monument a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Path

from app.core.dependencies import path_loaders
from app.monuments import service
from app.monuments.models import Monument

MonumentId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The monument's id.")]

_read, _locked = path_loaders(service.get_monument, "monument_id", MonumentId)
MonumentDep = Annotated[Monument, _read]
LockedMonumentDep = Annotated[Monument, _locked]
