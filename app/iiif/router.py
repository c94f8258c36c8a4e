"""HTTP routes for /iiif: IIIF Presentation 3 manifests for image viewers (public)."""

from fastapi import APIRouter, Depends, Request, Response

from app.core.auth import get_caller
from app.core.dependencies import ReadSessionDep
from app.core.http import etag_for, public_base_url
from app.iiif import service
from app.monuments.dependencies import MonumentDep

router = APIRouter(prefix="/iiif", tags=["iiif"], dependencies=[Depends(get_caller)])

IIIF_PRESENTATION_3 = 'application/ld+json;profile="http://iiif.io/api/presentation/3/context.json"'


@router.get(
    "/monuments/{monument_id}/manifest",
    responses={200: {"content": {IIIF_PRESENTATION_3: {}}, "description": "The manifest."}},
)
def read_monument_manifest(
    request: Request, monument: MonumentDep, session: ReadSessionDep
) -> Response:
    """The monument's photos as a IIIF Presentation 3 manifest."""
    manifest = service.monument_manifest(
        session=session, monument=monument, base_url=public_base_url(request)
    )
    body = manifest.json().encode("utf-8")
    etag = etag_for(body)
    # Viewers on other sites load manifests directly: CORS is app.core.cors's (public paths).
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=IIIF_PRESENTATION_3, headers=headers)
