"""Loading the site a request names: to read it, or locked to change it."""

from typing import Annotated

from fastapi import Path

from app.core.dependencies import path_loaders
from app.sites import service
from app.sites.models import Site

SiteId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The site's id.")]

_read, _locked = path_loaders(service.get_site, "site_id", SiteId)
SiteDep = Annotated[Site, _read]
LockedSiteDep = Annotated[Site, _locked]
