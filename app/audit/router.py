"""HTTP routes for /api/v1/audit: the trail and its integrity check (staff, admin)."""

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.audit import service
from app.audit.schemas import AuditEventRead, ChainVerification
from app.core.auth import StaffDep, get_caller
from app.core.dependencies import ReadSessionDep
from app.core.pagination import Page, PagingDep
from app.core.schemas import QueryText

router = APIRouter(prefix="/api/v1/audit", tags=["audit"], dependencies=[Depends(get_caller)])


@router.get("", response_model=Page[AuditEventRead])
def list_audit_events(
    *,
    caller: StaffDep,
    session: ReadSessionDep,
    entity_type: Annotated[
        str | None, Query(max_length=40, examples=["monument"]), QueryText
    ] = None,
    entity_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    paging: PagingDep,
) -> Response:
    """Audit events oldest first, optionally for one entity."""
    events = paging.rows_from(
        service.list_events, session=session, entity_type=entity_type, entity_id=entity_id
    )
    return paging.respond(
        events,
        present=lambda page: [AuditEventRead.model_validate(e, from_attributes=True) for e in page],
    )


@router.get("/verify", response_model=ChainVerification)
def verify_audit_chain(caller: StaffDep, session: ReadSessionDep) -> ChainVerification:
    """Recompute the whole chain; `first_broken` names the first event that fails."""
    report = service.verify_chain(session=session)
    return ChainVerification(**asdict(report))
