"""HTTP route for a whole property as Turtle: GET /api/v1/sites/{site_id}/export.ttl.

JSON-LD of single records is content-negotiated on their own URLs (`app.core.linked_data`).
"""

from fastapi import APIRouter, Depends, Request, Response

from app.core.auth import CallerDep, get_caller
from app.core.dependencies import ReadSessionDep
from app.core.http import public_base_url
from app.linked_data import service
from app.sites.dependencies import SiteDep

TURTLE = "text/turtle"

router = APIRouter(tags=["linked data"], dependencies=[Depends(get_caller)])


@router.get(
    "/api/v1/sites/{site_id}/export.ttl",
    response_class=Response,
    responses={200: {"content": {TURTLE: {}}, "description": "The property as Turtle."}},
)
def export_site_turtle(
    request: Request, caller: CallerDep, site: SiteDep, session: ReadSessionDep
) -> Response:
    """The whole property (site, monuments, names, identifiers, condition assessments and
    their sources) as CIDOC-CRM Turtle for SPARQL stores; positions as the caller may see."""
    document = service.site_document(
        session=session,
        site_id=site.id,
        caller=caller,
        base_url=public_base_url(request),
        with_monuments=True,
    )
    return Response(
        service.turtle(document),
        media_type=f"{TURTLE}; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="site-{site.id}.ttl"'},
    )
