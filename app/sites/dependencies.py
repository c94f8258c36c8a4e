"""Loading the site a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Depends, Path

from app.core.dependencies import ReadSessionDep, WriteSessionDep
from app.sites import service
from app.sites.models import Site

SiteId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The site's id.")]


def get_site_or_404(site_id: SiteId, session: ReadSessionDep) -> Site:
    """The site named in the path, in the request's read session."""
    return service.get_site(session=session, site_id=site_id)


def lock_site_or_404(site_id: SiteId, session: WriteSessionDep) -> Site:
    """The site named in the path, locked in the request's write session."""
    return service.get_site(session=session, site_id=site_id, for_update=True)


SiteDep = Annotated[Site, Depends(get_site_or_404)]
LockedSiteDep = Annotated[Site, Depends(lock_site_or_404)]
