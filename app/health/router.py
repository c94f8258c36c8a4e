"""Liveness and readiness probes for load balancers and orchestrators."""

import os
import tempfile

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.dependencies import DatabaseDep, SettingsDep
from app.core.errors import ServiceUnavailable

router = APIRouter(tags=["health"])


@router.get("/healthz")
def read_liveness() -> dict[str, str]:
    """The process is up and serving requests."""
    return {"status": "ok"}


@router.get("/readyz")
def read_readiness(database: DatabaseDep, settings: SettingsDep) -> dict[str, str]:
    """The database answers and the media folder takes writes; 503 otherwise."""
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise ServiceUnavailable(
            f"The database is not reachable: {type(error).__name__}.",
            headers={"Retry-After": "5"},
        ) from None
    try:
        settings.media_root.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(dir=settings.media_root, prefix=".ready-")
        os.close(fd)
        os.unlink(probe)
    except OSError as error:
        raise ServiceUnavailable(
            f"The media folder {settings.media_root} is not writable: {error.strerror}.",
            headers={"Retry-After": "5"},
        ) from None
    return {"status": "ready", "database": database.backend}
