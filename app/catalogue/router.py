"""HTTP routes for /api/v1/monuments: monuments with their derived condition."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.assessments.models import DamageLevel
from app.catalogue import service
from app.catalogue.schemas import MonumentRead
from app.core.auth import AdminDep, CallerDep, StaffDep, get_caller
from app.core.dependencies import ReadSessionDep, SettingsDep, TimeAxesDep, WriteSessionDep
from app.core.http import (
    JsonBody,
    created_response,
    document_response,
    require_if_match,
    resource_response,
)
from app.core.linked_data import VARY_ACCEPT, linked_data_response, wants_linked_data
from app.core.pagination import Page, PagingDep
from app.core.schemas import IsoMoment, QueryText, UtcMoment
from app.monuments import service as monuments
from app.monuments.dependencies import LockedMonumentDep, MonumentId
from app.monuments.models import MonumentType
from app.monuments.schemas import MonumentCreate, MonumentUpdate
from app.names import service as names
from app.names.schemas import IDENTIFIER_QUERY_PATTERN
from app.restoration.models import Prerequisite, Priority, RestorationStatus

# minlon,minlat,maxlon,maxlat within the globe's ranges (`service.parse_bbox` also checks
# that minlat ≤ maxlat, which a pattern cannot say).
_LON = r"-?(180(\.0+)?|(1[0-7]\d|\d{1,2})(\.\d+)?)"
_LAT = r"-?(90(\.0+)?|[0-8]?\d(\.\d+)?)"
BBOX_PATTERN = f"^{_LON},{_LAT},{_LON},{_LAT}$"

router = APIRouter(
    prefix="/api/v1/monuments", tags=["monuments"], dependencies=[Depends(get_caller)]
)


@router.get("", response_model=Page[MonumentRead])
def list_monuments(
    *,
    caller: CallerDep,
    session: ReadSessionDep,
    paging: PagingDep,
    axes: TimeAxesDep,
    site_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    type: Annotated[MonumentType | None, Query(description="Monument type.")] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Text in any name, in any language: case, accents, Arabic letter "
            "forms and punctuation are ignored. Results are ranked (exact name first) and "
            "carry `matched_name`.",
        ),
        QueryText,
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            max_length=200,
            description="minlon,minlat,maxlon,maxlat (WGS84).",
            json_schema_extra={"pattern": BBOX_PATTERN},
        ),
    ] = None,
    updated_since: Annotated[
        UtcMoment | None,
        IsoMoment,
        Query(description="Only monuments changed at or after this time."),
    ] = None,
    damage_level: Annotated[
        DamageLevel | None, Query(description="Only monuments in this current condition.")
    ] = None,
    restoration_status: Annotated[
        RestorationStatus | None, Query(description="Status of the latest restoration assessment.")
    ] = None,
    priority: Annotated[
        Priority | None, Query(description="Priority of the latest restoration assessment.")
    ] = None,
    prerequisite: Annotated[
        Prerequisite | None,
        Query(
            description="Only monuments waiting on this: listed as open on an open restoration "
            "record about the monument or about its whole site."
        ),
    ] = None,
    identifier: Annotated[
        str | None,
        Query(
            max_length=250,
            # Documented only: a malformed one stays 400, with the parser's message.
            json_schema_extra={"pattern": IDENTIFIER_QUERY_PATTERN},
            description="scheme:value, e.g. wikidata:Q5859 or geonames:8383565; schemes: "
            "wikidata, geonames, pleiades, whc, eamena, getty_tgn, local.",
        ),
        QueryText,
    ] = None,
) -> Response:
    """Monuments matching every given filter, in a stable order (with `q`, best match
    first), a page at a time."""
    filters = service.MonumentFilters(
        site_id=site_id,
        type=type,
        text=q,
        bbox=service.parse_bbox(bbox) if bbox is not None else None,
        updated_since=updated_since,
        damage_level=damage_level,
        axes=axes,
        restoration_status=restoration_status,
        priority=priority,
        prerequisite=prerequisite,
        identifier=names.parse_identifier(identifier) if identifier is not None else None,
    )
    exact = caller.sees_exact_locations
    # A ranked search resumes after a (score, id) pair, every other listing after an id.
    after = paging.after((int, int) if q else (int,))
    found = service.list_monuments(
        session=session,
        filters=filters,
        exact_locations=exact,
        after_id=int(after[-1]) if after else None,
        after_score=int(after[0]) if after and q else None,
        limit=paging.limit,
    )
    return paging.respond(
        found,
        present=lambda page: service.present_many(
            session=session, monuments=page, exact_locations=exact, axes=axes, search=q
        ),
        sort_key=(lambda row: service.search_cursor_key(row, q)) if q else (lambda row: (row.id,)),
    )


@router.post("", status_code=201, response_model=MonumentRead)
def create_monument(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    monument_in: MonumentCreate,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Record a new monument (staff, admin)."""
    monument = monuments.create_monument(
        session=session,
        fields=monument_in.model_dump(),
        grid_degrees=settings.sensitive_grid_degrees,
        actor=caller,
    )
    return created_response(
        request,
        # Not empty: statements already recorded about its site count among its opinions.
        service.present_one(
            session=session, monument=monument, exact_locations=caller.sees_exact_locations
        ),
        location=f"{router.prefix}/{monument.id}",
    )


@router.get("/{monument_id}", response_model=MonumentRead)
def read_monument(
    request: Request,
    caller: CallerDep,
    monument_id: MonumentId,
    session: ReadSessionDep,
    axes: TimeAxesDep,
) -> Response:
    """One monument and its condition at `as_of` and `known_at` (default: now); sensitive
    coordinates are rounded for anonymous and partner callers."""
    if wants_linked_data(request):
        return linked_data_response(
            request, "monument", session=session, monument_id=monument_id, caller=caller, axes=axes
        )
    # No MonumentDep: the service answers from its cache without loading the row.
    document = service.read_document(
        session=session,
        monument_id=monument_id,
        exact_locations=caller.sees_exact_locations,
        axes=axes,
    )
    # The same URL answers JSON-LD to those who ask for it: caches must key on Accept.
    return document_response(request, document, headers=VARY_ACCEPT)


@router.patch("/{monument_id}", response_model=MonumentRead)
def update_monument(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    monument: LockedMonumentDep,
    changes: MonumentUpdate,
    session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Change a monument (staff, admin); needs `If-Match` with its current ETag."""
    exact = caller.sees_exact_locations
    require_if_match(
        request, service.present_one(session=session, monument=monument, exact_locations=exact)
    )
    monument = monuments.update_monument(
        session=session,
        monument=monument,
        changes=changes.changes(),
        grid_degrees=settings.sensitive_grid_degrees,
        actor=caller,
    )
    return resource_response(
        request, service.present_one(session=session, monument=monument, exact_locations=exact)
    )


@router.delete("/{monument_id}", status_code=204)
def delete_monument(
    request: Request, caller: AdminDep, monument: LockedMonumentDep, session: WriteSessionDep
) -> Response:
    """Withdraw a monument (admin). Its history is kept; reads then answer 410 Gone."""
    if request.headers.get("if-match"):
        require_if_match(
            request, service.present_one(session=session, monument=monument, exact_locations=True)
        )
    monuments.delete_monument(session=session, monument=monument, actor=caller)
    return Response(status_code=204)
