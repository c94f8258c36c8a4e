"""Reading and writing sites."""

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.audit import service as audit
from app.core.actors import Caller
from app.core.db import get_or_not_found
from app.core.errors import Conflict, Unprocessable
from app.core.pagination import id_page_query
from app.core.time import utc_now
from app.names import service as names
from app.sites.models import Site
from app.sites.schemas import SiteRead


def get_site(*, session: Session, site_id: int, for_update: bool = False) -> Site:
    """The site with this id, or `NotFound`; `for_update` locks it until commit."""
    return get_or_not_found(session, Site, site_id, "site", for_update=for_update)


def present(site: Site) -> SiteRead:
    """A site as the API shows it (its routes, the changes feed and evidence bundles alike)."""
    return SiteRead.model_validate(site, from_attributes=True)


def _has_identifier(session: Session, scheme: str, value: str) -> Any:
    """A condition on `site.identifiers` (a JSON list): the site carries scheme:value.
    Sites are few, so the list is searched in place rather than kept in a table."""
    if session.get_bind().dialect.name == "postgresql":
        wanted = json.dumps([{"scheme": scheme, "value": value}])
        return text("site.identifiers @> CAST(:wanted AS jsonb)").bindparams(wanted=wanted)
    return text(
        "EXISTS (SELECT 1 FROM json_each(site.identifiers) AS item "
        "WHERE json_extract(item.value, '$.scheme') = :scheme "
        "AND json_extract(item.value, '$.value') = :value)"
    ).bindparams(scheme=scheme, value=value)


def list_sites(
    *,
    session: Session,
    country: str | None,
    after_id: int | None,
    limit: int,
    identifier: tuple[str, str] | None = None,
) -> Sequence[Site]:
    """Sites in id order, after a cursor; one more than `limit` to tell if a page follows."""
    country = country.upper() if country else None
    query = id_page_query(Site, after_id=after_id, limit=limit, country=country)
    if identifier is not None:
        query = query.where(_has_identifier(session, *identifier))
    return session.exec(query).all()


def _check_site(site: Site) -> None:
    if (site.lat is None) != (site.lon is None):
        raise Unprocessable("A site's lat and lon must be given together (or both left empty).")
    if (
        site.inscribed_year
        and site.danger_list_year
        and site.danger_list_year < site.inscribed_year
    ):
        raise Unprocessable(
            f"danger_list_year ({site.danger_list_year}) cannot be earlier than inscribed_year "
            f"({site.inscribed_year}): a property is inscribed before it can be listed in danger."
        )


def _flush_unique(session: Session, site: Site) -> None:
    # The database enforces the unique WHC id; a savepoint keeps the outer transaction usable.
    try:
        with session.begin_nested():
            session.add(site)
            session.flush()
    except IntegrityError:
        raise Conflict(
            f"Another site already has UNESCO WHC id {site.whc_id}; each property is recorded "
            "once. Update that site instead."
        ) from None


def create_site(*, session: Session, fields: dict[str, Any], actor: Caller) -> Site:
    """A new site from validated fields."""
    stored = {key: value for key, value in fields.items() if key != "names"}
    stored["identifiers"] = names.plain(fields.get("identifiers")) or []
    site = Site(**stored)
    site.names = names.resolve_names(
        name=site.name, names=names.plain(fields.get("names")), alt_names=None, previous=[]
    )
    _check_site(site)
    _flush_unique(session, site)
    audit.record_write(session=session, actor=actor, action="create", entity=site)
    return site


def update_site(*, session: Session, site: Site, changes: dict[str, Any], actor: Caller) -> Site:
    """Apply validated changes to a site."""
    before = audit.snapshot(site)
    previous = list(site.names)
    for field, value in changes.items():
        if field == "identifiers":
            site.identifiers = names.plain(value) or []
        elif field != "names":
            setattr(site, field, value)
    if {"name", "names"} & changes.keys():
        site.names = names.resolve_names(
            name=site.name,
            names=names.plain(changes.get("names")),
            alt_names=None,
            previous=previous,
        )
    _check_site(site)
    site.updated_at = utc_now()
    _flush_unique(session, site)
    audit.record_write(session=session, actor=actor, action="update", entity=site, before=before)
    return site
