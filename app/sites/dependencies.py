"""Loading the site a request names."""

from typing import Annotated

from fastapi import Depends, Path, Request

from app.core.dependencies import READ_METHODS, SessionDep
from app.sites import service
from app.sites.models import Site

SiteId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The site's id.")]


def get_site_or_404(site_id: SiteId, session: SessionDep, request: Request) -> Site:
    """The site named in the path (locked for the request when it is a write)."""
    return service.get_site(
        session=session, site_id=site_id, for_update=request.method not in READ_METHODS
    )


SiteDep = Annotated[Site, Depends(get_site_or_404)]
