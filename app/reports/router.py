"""HTTP routes for /api/v1/reports: state-of-conservation reports and the registry summary."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.auth import CallerDep, get_caller, limit_anonymous_report
from app.core.dependencies import SessionDep, StorageDep
from app.core.errors import NotAcceptable, Unprocessable
from app.core.http import etag_for, resource_response
from app.core.schemas import AsOf, CompareTo, QueryText
from app.core.time import today_utc
from app.reports import formats, service
from app.reports.schemas import RegistrySummary, ReportFormat, StateOfConservationReport
from app.sites.dependencies import SiteDep

router = APIRouter(prefix="/api/v1/reports", tags=["reports"], dependencies=[Depends(get_caller)])

MEDIA_TYPES: dict[str, str] = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}


def _negotiate(requested: ReportFormat | None, accept: str) -> str:
    """`format=` wins; otherwise the first media type in `Accept` that we can produce."""
    if requested is not None:
        return requested
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
    session: SessionDep,
    storage: StorageDep,
    as_of: AsOf = None,
    compare_to: CompareTo = None,
    format: Annotated[ReportFormat | None, Query(description="Overrides Accept.")] = None,
) -> Response:
    """The property's UNESCO-style state-of-conservation report, as of a date."""
    if compare_to is not None and compare_to > (as_of or today_utc()):
        problem = f"must be on or before as_of ({(as_of or today_utc()).isoformat()})"
        raise Unprocessable(
            f"compare_to {problem}: a report compares its date with an earlier one.",
            errors=[{"loc": ["query", "compare_to"], "msg": problem, "type": "date_order"}],
        )
    chosen = _negotiate(format, request.headers.get("accept", "*/*"))
    if chosen in ("html", "pdf"):
        limit_anonymous_report(request, caller)
    report = service.state_of_conservation(
        session=session,
        site=site,
        as_of=as_of,
        compare_to=compare_to,
        exact_locations=caller.sees_exact_locations,
    )
    if chosen == "json":
        return resource_response(request, report)
    if chosen == "csv":
        body = formats.to_csv(report)
    elif chosen == "geojson":
        body = formats.to_geojson(report).model_dump_json(exclude_none=True).encode()
    else:
        body = service.printable(
            session=session, storage=storage, report=report, pdf=chosen == "pdf"
        )
    stem = f"state-of-conservation-site-{site.id}-{report.as_of.isoformat()}"
    extension = {"csv": "csv", "geojson": "geojson", "html": "html", "pdf": "pdf"}[chosen]
    headers = {
        "ETag": etag_for(body),
        "Vary": "Authorization, Accept",
        "Cache-Control": "no-cache",
        "Content-Disposition": f'inline; filename="{stem}.{extension}"',
        "X-Content-Type-Options": "nosniff",
    }
    if chosen == "html":
        headers["Content-Security-Policy"] = formats.REPORT_CSP
    return Response(body, media_type=MEDIA_TYPES[chosen], headers=headers)


@router.get("/summary", response_model=RegistrySummary)
def read_registry_summary(
    request: Request,
    session: SessionDep,
    group_by: Annotated[
        Literal["site", "type", "period", "damage_level"], Query(description="How to group.")
    ] = "site",
    country: Annotated[
        str | None,
        Query(min_length=2, max_length=2, description="ISO 3166-1 alpha-2."),
        QueryText,
    ] = None,
) -> Response:
    """Monuments counted by current damage level across the registry."""
    summary = service.registry_summary(session=session, group_by=group_by, country=country)
    return resource_response(request, summary)
