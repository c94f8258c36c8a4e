"""HTTP routes for /api/v1/sites."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.core.auth import CallerDep, StaffDep, get_caller
from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.core.http import JsonBody, created_response, require_if_match, resource_response
from app.core.linked_data import VARY_ACCEPT, linked_data_response, wants_linked_data
from app.core.pagination import Page, PagingDep
from app.core.schemas import QueryText
from app.names import service as names
from app.names.schemas import IDENTIFIER_QUERY_PATTERN
from app.sites import service
from app.sites.dependencies import LockedSiteDep, SiteDep
from app.sites.schemas import SiteCreate, SiteRead, SiteUpdate

router = APIRouter(prefix="/api/v1/sites", tags=["sites"], dependencies=[Depends(get_caller)])


@router.get("", response_model=Page[SiteRead])
def list_sites(
    *,
    session: ReadSessionDep,
    country: Annotated[str | None, Query(min_length=2, max_length=2), QueryText] = None,
    identifier: Annotated[
        str | None,
        Query(
            max_length=250,
            # Documented only: a malformed one stays 400, with the parser's message.
            json_schema_extra={"pattern": IDENTIFIER_QUERY_PATTERN},
            description="scheme:value, e.g. whc:23 or pleiades:668331.",
        ),
        QueryText,
    ] = None,
    paging: PagingDep,
) -> Response:
    """Sites in a stable order, a page at a time."""
    sites = service.list_sites(
        session=session,
        country=country,
        after_id=paging.after_id,
        limit=paging.limit,
        identifier=names.parse_identifier(identifier) if identifier is not None else None,
    )
    return paging.respond(sites, present=lambda page: [service.present(site) for site in page])


@router.post("", status_code=201, response_model=SiteRead)
def create_site(
    request: Request, caller: StaffDep, _: JsonBody, site_in: SiteCreate, session: WriteSessionDep
) -> Response:
    """Record a new site (staff, admin)."""
    site = service.create_site(session=session, fields=site_in.model_dump(), actor=caller)
    return created_response(request, service.present(site), location=f"{router.prefix}/{site.id}")


@router.get("/{site_id}", response_model=SiteRead)
def read_site(
    request: Request, caller: CallerDep, site: SiteDep, session: ReadSessionDep
) -> Response:
    """One site (as CIDOC-CRM JSON-LD with `Accept: application/ld+json`)."""
    if wants_linked_data(request):
        return linked_data_response(
            request, "site", session=session, site_id=site.id, caller=caller
        )
    return resource_response(request, service.present(site), headers=VARY_ACCEPT)


@router.patch("/{site_id}", response_model=SiteRead)
def update_site(
    request: Request,
    caller: StaffDep,
    _: JsonBody,
    site: LockedSiteDep,
    changes: SiteUpdate,
    session: WriteSessionDep,
) -> Response:
    """Change a site (staff, admin); needs `If-Match` with the site's current ETag."""
    require_if_match(request, service.present(site))
    site = service.update_site(session=session, site=site, changes=changes.changes(), actor=caller)
    return resource_response(request, service.present(site))
