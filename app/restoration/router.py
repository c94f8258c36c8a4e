"""HTTP routes for restoration records: /api/v1/monuments/{id}/restoration-assessments,
/api/v1/sites/{id}/restoration-assessments (statements about a whole property) and
/api/v1/restoration-assessments."""

from collections.abc import Sequence

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from app.core.actors import Caller
from app.core.auth import CallerDep, StaffDep, get_caller
from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.core.http import JsonBody, created_response, require_if_match, resource_response
from app.core.pagination import Page, Paging, PagingDep
from app.monuments.dependencies import LockedMonumentDep, MonumentDep
from app.restoration import service
from app.restoration.dependencies import LockedRestorationDep, RestorationDep
from app.restoration.models import RestorationAssessment
from app.restoration.schemas import RestorationCreate, RestorationRead, RestorationUpdate
from app.sites.dependencies import LockedSiteDep, SiteDep

router = APIRouter(prefix="/api/v1", tags=["restoration"], dependencies=[Depends(get_caller)])


def _read(session: Session, restoration: RestorationAssessment, caller: Caller) -> RestorationRead:
    return service.present_one(
        session=session, restoration=restoration, names_visible=caller.sees_names
    )


def _page(
    paging: Paging,
    session: Session,
    restorations: Sequence[RestorationAssessment],
    *,
    latest_approved: int | None,
    caller: Caller,
) -> Response:
    return paging.respond(
        restorations,
        present=lambda page: service.present_many(
            session=session,
            restorations=page,
            latest_approved=latest_approved,
            names_visible=caller.sees_names,
        ),
    )


def _created(
    request: Request, session: Session, restoration: RestorationAssessment, caller: Caller
) -> Response:
    return created_response(
        request,
        _read(session, restoration, caller),
        location=f"{router.prefix}/restoration-assessments/{restoration.id}",
    )


@router.get(
    "/monuments/{monument_id}/restoration-assessments", response_model=Page[RestorationRead]
)
def list_restoration_assessments(
    caller: CallerDep, monument: MonumentDep, session: ReadSessionDep, paging: PagingDep
) -> Response:
    """Every restoration opinion on the monument; `is_latest_approved` marks the plan of record."""
    restorations = paging.rows_from(
        service.list_for_monument, session=session, monument_id=monument.id
    )
    latest = service.latest_approved_id(session=session, monument_id=monument.id)
    return _page(paging, session, restorations, latest_approved=latest, caller=caller)


@router.post(
    "/monuments/{monument_id}/restoration-assessments",
    status_code=201,
    response_model=RestorationRead,
)
def create_restoration_assessment(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    monument: LockedMonumentDep,
    restoration_in: RestorationCreate,
    session: WriteSessionDep,
) -> Response:
    """Record a restoration opinion on the monument (staff, admin); it starts `proposed`.
    A statement about the whole property goes on its site instead."""
    restoration = service.create_restoration(
        session=session,
        monument_id=monument.id,
        fields=restoration_in.model_dump(),
        actor=caller,
    )
    return _created(request, session, restoration, caller)


@router.get("/sites/{site_id}/restoration-assessments", response_model=Page[RestorationRead])
def list_site_restoration_assessments(
    caller: CallerDep, site: SiteDep, session: ReadSessionDep, paging: PagingDep
) -> Response:
    """Every statement about the property as a whole, each recorded once on its site."""
    restorations = paging.rows_from(service.list_for_site, session=session, site_id=site.id)
    return _page(paging, session, restorations, latest_approved=None, caller=caller)


@router.post(
    "/sites/{site_id}/restoration-assessments", status_code=201, response_model=RestorationRead
)
def create_site_restoration_assessment(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    site: LockedSiteDep,
    restoration_in: RestorationCreate,
    session: WriteSessionDep,
) -> Response:
    """Record a statement about the whole property (staff, admin), once, on its site: it
    counts among the opinions on every monument of the site, is never any monument's plan
    of record, and its open prerequisites hold every monument of the site."""
    restoration = service.create_restoration(
        session=session, site_id=site.id, fields=restoration_in.model_dump(), actor=caller
    )
    return _created(request, session, restoration, caller)


@router.get("/restoration-assessments/{restoration_id}", response_model=RestorationRead)
def read_restoration_assessment(
    request: Request, caller: CallerDep, restoration: RestorationDep, session: ReadSessionDep
) -> Response:
    """One restoration assessment."""
    return resource_response(request, _read(session, restoration, caller))


@router.patch("/restoration-assessments/{restoration_id}", response_model=RestorationRead)
def update_restoration_assessment(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    restoration: LockedRestorationDep,
    changes: RestorationUpdate,
    session: WriteSessionDep,
) -> Response:
    """Edit it or change its status (staff, admin); needs `If-Match`."""
    require_if_match(request, _read(session, restoration, caller))
    restoration = service.update_restoration(
        session=session, restoration=restoration, changes=changes.changes(), actor=caller
    )
    return resource_response(request, _read(session, restoration, caller))
