"""HTTP route for a site's offline bundle: GET /api/v1/sites/{site_id}/bundle."""

import tempfile

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import StreamingResponse

from app.bundles import service
from app.core.auth import CallerDep, get_caller
from app.core.dependencies import ReadSessionDep, StorageDep
from app.core.storage import iter_file
from app.sites.dependencies import SiteDep

router = APIRouter(tags=["bundles"], dependencies=[Depends(get_caller)])


@router.get(
    "/api/v1/sites/{site_id}/bundle",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "The bundle."}},
)
def download_bundle(
    request: Request, caller: CallerDep, site: SiteDep, session: ReadSessionDep, storage: StorageDep
) -> Response:
    """A zip for working offline: the site's monuments as GeoJSON with their current
    condition, and photo thumbnails; sensitive positions only as the caller may see them."""
    # On disk, not in memory: a site with thousands of photos makes a large zip.
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by iter_file once sent
    try:
        service.write_bundle(
            session=session,
            storage=storage,
            site=site,
            exact_locations=caller.sees_exact_locations,
            out=spool,
        )
        size = spool.tell()
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    private = "authorization" in request.headers
    return StreamingResponse(
        iter_file(spool),
        media_type="application/zip",
        headers={
            "Content-Length": str(size),
            "Content-Disposition": f'attachment; filename="site-{site.id}-bundle.zip"',
            "Cache-Control": "private, no-cache" if private else "no-cache",
            "Vary": "Authorization",
        },
    )
