"""Loading the source a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Path

from app.core.dependencies import path_loaders
from app.sources import service
from app.sources.models import Source

SourceId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The source's id.")]

_read, _locked = path_loaders(service.get_source, "source_id", SourceId)
SourceDep = Annotated[Source, _read]
LockedSourceDep = Annotated[Source, _locked]
