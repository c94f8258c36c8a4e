"""HTTP routes for restoration assessments: /api/v1/monuments/{id}/restoration-assessments
and /api/v1/restoration-assessments."""

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from app.core.actors import Caller
from app.core.auth import CallerDep, StaffDep, get_caller
from app.core.dependencies import SessionDep
from app.core.http import JsonBody, require_if_match, resource_response
from app.core.pagination import CursorParam, Limit, Page, decode_cursor, encode_cursor, link_headers
from app.monuments.dependencies import MonumentDep
from app.restoration import service
from app.restoration.dependencies import RestorationDep
from app.restoration.models import RestorationAssessment
from app.restoration.schemas import RestorationCreate, RestorationRead, RestorationUpdate

router = APIRouter(prefix="/api/v1", tags=["restoration"], dependencies=[Depends(get_caller)])


def _read(session: Session, restoration: RestorationAssessment, caller: Caller) -> RestorationRead:
    latest = service.latest_approved_id(session=session, monument_id=restoration.monument_id)
    return service.present(restoration, latest_approved=latest, names_visible=caller.sees_names)


@router.get(
    "/monuments/{monument_id}/restoration-assessments", response_model=Page[RestorationRead]
)
def list_restoration_assessments(
    request: Request,
    caller: CallerDep,
    monument: MonumentDep,
    session: SessionDep,
    limit: Limit = 50,
    cursor: CursorParam = None,
) -> Response:
    """Every restoration opinion on the monument; `is_latest_approved` marks the plan of record."""
    restorations = service.list_for_monument(
        session=session, monument_id=monument.id, after_id=decode_cursor(cursor), limit=limit
    )
    latest = service.latest_approved_id(session=session, monument_id=monument.id)
    next_cursor = encode_cursor(restorations[limit - 1].id) if len(restorations) > limit else None
    page = Page[RestorationRead](
        items=[
            service.present(r, latest_approved=latest, names_visible=caller.sees_names)
            for r in restorations[:limit]
        ],
        next_cursor=next_cursor,
    )
    return resource_response(request, page, headers=link_headers(request, next_cursor))


@router.post(
    "/monuments/{monument_id}/restoration-assessments",
    status_code=201,
    response_model=RestorationRead,
)
def create_restoration_assessment(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    monument: MonumentDep,
    restoration_in: RestorationCreate,
    session: SessionDep,
) -> Response:
    """Record a restoration opinion on the monument (staff, admin); it starts `proposed`."""
    restoration = service.create_restoration(
        session=session,
        monument_id=monument.id,
        fields=restoration_in.model_dump(),
        actor=caller,
    )
    return resource_response(
        request,
        _read(session, restoration, caller),
        status_code=201,
        headers={"Location": f"{router.prefix}/restoration-assessments/{restoration.id}"},
    )


@router.get("/restoration-assessments/{restoration_id}", response_model=RestorationRead)
def read_restoration_assessment(
    request: Request, caller: CallerDep, restoration: RestorationDep, session: SessionDep
) -> Response:
    """One restoration assessment."""
    return resource_response(request, _read(session, restoration, caller))


@router.patch("/restoration-assessments/{restoration_id}", response_model=RestorationRead)
def update_restoration_assessment(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    restoration: RestorationDep,
    changes: RestorationUpdate,
    session: SessionDep,
) -> Response:
    """Edit it or change its status (staff, admin); needs `If-Match`."""
    require_if_match(request, _read(session, restoration, caller))
    restoration = service.update_restoration(
        session=session, restoration=restoration, changes=changes.changes(), actor=caller
    )
    return resource_response(request, _read(session, restoration, caller))
