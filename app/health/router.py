"""Liveness and readiness probes for load balancers and orchestrators."""

from typing import Any

from fastapi import APIRouter
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.routing import BaseRoute

from app.core.dependencies import DatabaseDep, SettingsDep, StorageDep
from app.core.errors import ServiceUnavailable
from app.core.storage import StorageError, folder_problem, writable_folders

router = APIRouter(tags=["health"])
LIVENESS = {"status": "ok"}


@router.get("/healthz")
async def read_liveness() -> dict[str, str]:
    """The process is up and serving requests."""
    # Answered in front of FastAPI (fixed_documents); the route stays for the OpenAPI
    # document and for apps built without the front layers.
    return LIVENESS


def fixed_documents() -> list[tuple[BaseRoute, Any]]:
    """The probes whose answer never changes, with their routes (app.core.fixed_answers)."""
    return [(route, LIVENESS) for route in router.routes if route.path == "/healthz"]  # type: ignore[attr-defined]


@router.get("/readyz")
def read_readiness(
    database: DatabaseDep, storage: StorageDep, settings: SettingsDep
) -> dict[str, Any]:
    """The database answers and every storage takes writes; 503 naming each one that does
    not (by its setting: paths are not shown)."""
    try:
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        raise ServiceUnavailable(
            f"The database is not reachable: {type(error).__name__}.",
            headers={"Retry-After": "5"},
        ) from None
    failing = []
    folders = writable_folders(settings)
    if settings.storage_backend != "local":
        try:
            storage.check()
        except StorageError:
            failing.append({"storage": "photo storage", "setting": "HERITAGE_S3_BUCKET",
                            "problem": "is not reachable"})  # fmt: skip
    for folder in folders:
        problem = folder_problem(folder.path)
        if problem is not None:
            failing.append({"storage": folder.name, "setting": folder.setting, "problem": problem})
    if failing:
        summary = "; ".join(f"{f['storage']} ({f['setting']}) {f['problem']}" for f in failing)
        raise ServiceUnavailable(
            f"Storage the service writes to is not usable: {summary}.",
            headers={"Retry-After": "5"},
            storage=failing,
        )
    return {
        "status": "ready",
        "database": database.backend,
        "storage": {folder.name: "writable" for folder in folders}
        | ({"photo storage": "reachable"} if settings.storage_backend != "local" else {}),
    }
