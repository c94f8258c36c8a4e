"""Liveness and readiness probes for load balancers and orchestrators."""

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.core.dependencies import DatabaseDep, StorageDep
from app.core.errors import ServiceUnavailable
from app.core.storage import StorageError

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def read_liveness() -> dict[str, str]:
    """The process is up and serving requests."""
    # Async: probes come often and need no thread from the pool the requests share.
    return {"status": "ok"}


@router.get("/readyz")
def read_readiness(database: DatabaseDep, storage: StorageDep) -> dict[str, str]:
    """The database answers and the file storage takes writes; 503 otherwise."""
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise ServiceUnavailable(
            f"The database is not reachable: {type(error).__name__}.",
            headers={"Retry-After": "5"},
        ) from None
    try:
        storage.check()
    except StorageError as error:
        raise ServiceUnavailable(
            f"The file storage is not usable: {error}.", headers={"Retry-After": "5"}
        ) from None
    return {"status": "ready", "database": database.backend}
