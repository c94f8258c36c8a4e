"""HTTP routes for /api/v1/reports: state-of-conservation reports and the registry summary."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.auth import CallerDep, get_caller, limit_anonymous_report
from app.core.dependencies import ReadSessionDep, StorageDep, TimeAxesDep
from app.core.errors import NotAcceptable
from app.core.http import document_response, not_modified, resource_response
from app.core.schemas import CompareTo, QueryText
from app.reports import formats, service
from app.reports.schemas import (
    RegistrySummary,
    ReportFormat,
    StateOfConservationReport,
    SummaryGrouping,
)
from app.sites.dependencies import SiteDep

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], dependencies=[Depends(get_caller)])

MEDIA_TYPES = formats.MEDIA_TYPES


def _negotiate(requested: ReportFormat | None, accept: str) -> str:
    """`format=` wins; otherwise the first media type in `Accept` that we can produce."""
    if requested is not None:
        return str(requested)
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("", "*/*", "application/*"):
            return "json"
        for name, produced in MEDIA_TYPES.items():
            if produced.split(";")[0] == media:
                return name
    raise NotAcceptable(
        f"Cannot produce {accept!r}; ask for one of {', '.join(MEDIA_TYPES.values())} "
        "or use ?format=json|csv|geojson|html|pdf."
    )


@router.get(
    "/sites/{site_id}/state-of-conservation",
    response_model=StateOfConservationReport,
    responses={
        200: {
            "content": {media: {} for media in MEDIA_TYPES.values() if media != "application/json"}
        }
    },
)
def read_state_of_conservation(
    request: Request,
    caller: CallerDep,
    site: SiteDep,
    session: ReadSessionDep,
    storage: StorageDep,
    axes: TimeAxesDep,
    compare_to: CompareTo = None,
    format: Annotated[ReportFormat | None, Query(description="Overrides Accept.")] = None,
) -> Response:
    """The property's UNESCO-style state-of-conservation report: conditions on the `as_of`
    date (default today), as the registry knew them at `known_at` (default now)."""
    chosen = _negotiate(format, request.headers.get("accept", "*/*"))
    if chosen in ("html", "pdf"):
        limit_anonymous_report(request, caller)
    etag, rendered = service.state_of_conservation_document(
        session=session,
        storage=storage,
        site=site,
        axes=axes,
        compare_to=compare_to,
        exact_locations=caller.sees_exact_locations,
        format=chosen,
        held=lambda etag: not_modified(request, etag),
    )
    headers = {
        "ETag": etag,
        "Vary": "Authorization, Accept",
        "Cache-Control": "private, no-cache" if "authorization" in request.headers else "no-cache",
    }
    if rendered is None:
        return Response(status_code=304, headers=headers)
    if chosen == "json":
        return document_response(request, rendered.body, etag=etag, headers=headers)
    return formats.report_response(rendered, chosen, headers)


@router.get("/summary", response_model=RegistrySummary)
def read_registry_summary(
    request: Request,
    session: ReadSessionDep,
    axes: TimeAxesDep,
    group_by: Annotated[SummaryGrouping, Query(description="How to group.")] = SummaryGrouping.site,
    country: Annotated[
        str | None,
        Query(min_length=2, max_length=2, description="ISO 3166-1 alpha-2."),
        QueryText,
    ] = None,
) -> Response:
    """Monuments counted by damage level across the registry, at `as_of` and `known_at`."""
    summary = service.registry_summary(
        session=session, group_by=group_by, country=country, axes=axes
    )
    return resource_response(request, summary)
