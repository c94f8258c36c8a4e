"""HTTP routes for damage assessments: /api/v1/monuments/{id}/assessments, /api/v1/assessments."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlmodel import Session

from app.assessments import factors, service
from app.assessments.dependencies import AssessmentDep, LockedAssessmentDep
from app.assessments.models import AssessmentStatus, DamageAssessment
from app.assessments.schemas import (
    AssessmentCreate,
    AssessmentRead,
    AssessmentUpdate,
    ReviewDecision,
)
from app.core.actors import Caller, Role
from app.core.auth import CallerDep, StaffDep, get_caller, know_again, require_roles
from app.core.dependencies import (
    DatabaseDep,
    ReadSessionDep,
    TimeAxesDep,
    WriteSessionDep,
)
from app.core.group_commit import write_in_one_trip
from app.core.http import JsonBody, created_response, require_if_match, resource_response
from app.core.linked_data import VARY_ACCEPT, linked_data_response, wants_linked_data
from app.core.pagination import Page, PagingDep
from app.monuments import service as monuments
from app.monuments.dependencies import MonumentDep, MonumentId
from app.property import service as property_records
from app.property.schemas import FactorList, FactorRead
from app.sites.dependencies import LockedSiteDep

router = APIRouter(prefix="/api/v1", tags=["assessments"], dependencies=[Depends(get_caller)])

AssessorDep = Annotated[Caller, Depends(require_roles(Role.admin, Role.staff, Role.field))]


def _read(session: Session, assessment: DamageAssessment, caller: Caller) -> AssessmentRead:
    return service.present(
        session=session, assessments=[assessment], names_visible=caller.sees_names
    )[0]


def _location(assessment: DamageAssessment | AssessmentRead) -> str:
    return f"{router.prefix}/assessments/{assessment.id}"


@router.get("/monuments/{monument_id}/assessments", response_model=Page[AssessmentRead])
def list_monument_assessments(
    *,
    caller: CallerDep,
    monument: MonumentDep,
    session: ReadSessionDep,
    paging: PagingDep,
    axes: TimeAxesDep,
    status: Annotated[AssessmentStatus | None, Query(description="Only this status.")] = None,
) -> Response:
    """The monument's damage history in `observed_on` order (verified only, for the public):
    observed by `as_of`, entered by `known_at`."""
    assessments = service.list_history(
        session=session,
        monument_id=monument.id,
        caller=caller,
        status=status,
        after=paging.after((date, int)),
        limit=paging.limit,
        axes=axes,
    )
    return paging.respond(
        assessments,
        present=lambda page: service.present(
            session=session, assessments=page, names_visible=caller.sees_names
        ),
        sort_key=lambda last: (last.observed_on.isoformat(), last.id),
    )


@router.post("/monuments/{monument_id}/assessments", status_code=201, response_model=AssessmentRead)
async def create_assessment(
    request: Request,
    caller: AssessorDep,
    _: JsonBody,
    monument_id: MonumentId,
    assessment_in: AssessmentCreate,
    database: DatabaseDep,
) -> Response:
    """Record a draft assessment of the monument (field, staff, admin)."""
    fields = assessment_in.model_dump()

    # Field teams post to many monuments at once: the monument's row and the audit chain are
    # locked only for these statements, in one thread trip, committed with the other POSTs
    # queued meanwhile, each in a savepoint of its own (app.core.group_commit).
    # Written with Core and presented from the values in hand (app.assessments.service).
    def record(session: Session) -> AssessmentRead:
        monuments.lock_monument(session=session, monument_id=monument_id)
        row, cited = service.record_assessment(
            session=session, monument_id=monument_id, fields=fields, actor=caller
        )
        return service.present_new(row, cited, names_visible=caller.sees_names)

    # Should the known keys have forgotten the caller's by the commit, the key is looked up
    # again in the same trip, so the team's next POST finds it known (app.core.auth.know_again).
    created = await write_in_one_trip(database, record, then=lambda: know_again(request, database))
    return created_response(request, created, location=_location(created))


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
def read_assessment(
    request: Request, caller: CallerDep, assessment: AssessmentDep, session: ReadSessionDep
) -> Response:
    """One assessment (drafts only to their author and staff); as a CIDOC-CRM condition
    assessment with `Accept: application/ld+json`."""
    if wants_linked_data(request):
        return linked_data_response(
            request, "assessment", session=session, assessment_id=assessment.id, caller=caller
        )
    return resource_response(request, _read(session, assessment, caller), headers=VARY_ACCEPT)


@router.patch("/assessments/{assessment_id}", response_model=AssessmentRead)
def update_assessment(
    request: Request,
    caller: AssessorDep,
    _: JsonBody,
    assessment: LockedAssessmentDep,
    changes: AssessmentUpdate,
    session: WriteSessionDep,
) -> Response:
    """Edit a draft (its author or staff); needs `If-Match`."""
    require_if_match(request, _read(session, assessment, caller))
    assessment = service.update_assessment(
        session=session, assessment=assessment, changes=changes.changes(), actor=caller
    )
    return resource_response(request, _read(session, assessment, caller))


@router.post("/assessments/{assessment_id}/submit", response_model=AssessmentRead)
def submit_assessment(
    request: Request, caller: AssessorDep, assessment: LockedAssessmentDep, session: WriteSessionDep
) -> Response:
    """Send a draft for review (its author or staff)."""
    assessment = service.submit_assessment(session=session, assessment=assessment, actor=caller)
    return resource_response(request, _read(session, assessment, caller))


@router.post("/assessments/{assessment_id}/review", response_model=AssessmentRead)
def review_assessment(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    assessment: LockedAssessmentDep,
    review: ReviewDecision,
    session: WriteSessionDep,
) -> Response:
    """Verify or reject a submitted assessment (staff, admin; never its author)."""
    assessment = service.review_assessment(
        session=session,
        assessment=assessment,
        decision=review.decision,
        note=review.note,
        actor=caller,
    )
    return resource_response(request, _read(session, assessment, caller))


@router.post("/sites/{site_id}/factors/derived", status_code=201, response_model=list[FactorRead])
def derive_site_factors(
    request: Request, caller: StaffDep, site: LockedSiteDep, session: WriteSessionDep
) -> Response:
    """Propose the factors the verified disturbances of the site's monuments point to
    (staff, admin): each is recorded current and unconfirmed, and is reported only once
    staff confirm it with `PATCH /api/v1/factors/{factor_id}` and `confirmed: true`."""
    proposed = factors.derive_factors(session=session, site=site, actor=caller)
    return resource_response(
        request,
        FactorList(root=[property_records.present(factor) for factor in proposed]),
        status_code=201,
    )
