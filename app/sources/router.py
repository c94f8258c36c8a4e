"""HTTP routes for /api/v1/sources."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.auth import StaffDep, get_caller
from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.core.http import JsonBody, created_response, require_if_match, resource_response
from app.core.pagination import Page, PagingDep
from app.core.schemas import QueryText
from app.sources import service
from app.sources.dependencies import LockedSourceDep, SourceDep
from app.sources.models import SourceKind
from app.sources.schemas import SourceCreate, SourceRead, SourceUpdate

router = APIRouter(prefix="/api/v1/sources", tags=["sources"], dependencies=[Depends(get_caller)])


@router.get("", response_model=Page[SourceRead])
def list_sources(
    *,
    session: ReadSessionDep,
    kind: Annotated[SourceKind | None, Query(description="Only sources of this kind.")] = None,
    url: Annotated[
        str | None,
        Query(max_length=2000, description="Only the source with this exact URL."),
        QueryText,
    ] = None,
    paging: PagingDep,
) -> Response:
    """Sources in a stable order, a page at a time."""
    sources = paging.rows_from(service.list_sources, session=session, kind=kind, url=url)
    return paging.respond(
        sources, present=lambda page: [service.present(source) for source in page]
    )


@router.post("", status_code=201, response_model=SourceRead)
def create_source(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    source_in: SourceCreate,
    session: WriteSessionDep,
) -> Response:
    """Record a new source (staff, admin); evidence then cites it by its id."""
    source = service.create_source(session=session, fields=source_in.model_dump(), actor=caller)
    return created_response(
        request, service.present(source), location=f"{router.prefix}/{source.id}"
    )


@router.get("/{source_id}", response_model=SourceRead)
def read_source(request: Request, source: SourceDep) -> Response:
    """One source."""
    return resource_response(request, service.present(source))


@router.patch("/{source_id}", response_model=SourceRead)
def update_source(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    source: LockedSourceDep,
    changes: SourceUpdate,
    session: WriteSessionDep,
) -> Response:
    """Change a source (staff, admin); needs `If-Match` with the source's current ETag."""
    require_if_match(request, service.present(source))
    source = service.update_source(
        session=session, source=source, changes=changes.changes(), actor=caller
    )
    return resource_response(request, service.present(source))
