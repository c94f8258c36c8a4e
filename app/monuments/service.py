"""Reading and writing monuments, and what each caller may see of their location."""

import math
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlmodel import Session

from app.audit import service as audit
from app.core.actors import Caller
from app.core.db import get_or_not_found
from app.core.errors import Gone, NotFound, Unprocessable
from app.core.time import utc_now
from app.monuments.models import Monument, MonumentIdentifier, MonumentName
from app.names import service as names
from app.names.text import search_key
from app.sites.models import Site

METRES_PER_DEGREE = 111_320.0


def location_withheld(monument: Monument, *, exact_locations: bool) -> bool:
    """Whether a caller must not learn where this sensitive monument is: it is shown at its
    rounded position, and its photos' GPS, file names and footprints are withheld."""
    return monument.sensitive and not exact_locations


def generalise_location(
    lat: float, lon: float, precision_m: float, *, grid_degrees: float
) -> tuple[float, float, float]:
    """A sensitive position rounded to the grid, and its precision widened to cover the cell."""
    public_lat = round(round(lat / grid_degrees) * grid_degrees, 6)
    public_lon = round(round(lon / grid_degrees) * grid_degrees, 6)
    # Rounding moves a point by up to half a cell each way: add that half-diagonal (the
    # east-west half shrinks with latitude) to the stated precision, in whole 100 m.
    half = grid_degrees / 2 * METRES_PER_DEGREE
    half_diagonal = math.hypot(half, half * math.cos(math.radians(lat)))
    return public_lat, public_lon, math.ceil((precision_m + half_diagonal) / 100) * 100


def _search_text(name: str, alt_names: list[str]) -> str:
    return "\n".join([name, *alt_names]).casefold()


def _derive_columns(monument: Monument, *, grid_degrees: float) -> None:
    """Recompute the columns that follow from the others."""
    if monument.sensitive:
        location = generalise_location(
            monument.lat, monument.lon, monument.location_precision_m, grid_degrees=grid_degrees
        )
    else:
        location = (monument.lat, monument.lon, monument.location_precision_m)
    monument.public_lat, monument.public_lon, monument.public_precision_m = location
    monument.search_text = _search_text(monument.name, monument.alt_names)


def _set_names(
    monument: Monument,
    changes: dict[str, Any],
    previous: list[dict[str, Any]],
) -> None:
    """`names` and `alt_names` in step, from whichever of them the caller sent."""
    monument.names = names.resolve_names(
        name=monument.name,
        names=names.plain(changes.get("names")),
        alt_names=changes.get("alt_names"),
        previous=previous,
    )
    if changes.get("names") is not None:
        monument.alt_names = names.alternative_values(monument.name, monument.names)
    elif "alt_names" in changes:
        # Older clients get back exactly the alternative names they sent.
        monument.alt_names = list(changes["alt_names"])


def _index(session: Session, monument: Monument) -> None:
    """The search and identifier rows of a monument, rewritten from its stored lists."""
    session.execute(delete(MonumentName).where(MonumentName.monument_id == monument.id))
    session.execute(delete(MonumentIdentifier).where(MonumentIdentifier.monument_id == monument.id))
    session.add_all(
        MonumentName(
            monument_id=monument.id,
            position=position,
            value=entry["value"],
            lang=entry["lang"],
            kind=entry["kind"],
            search_key=search_key(entry["value"])[:1200],
        )
        for position, entry in enumerate(monument.names)
    )
    session.add_all(
        MonumentIdentifier(monument_id=monument.id, scheme=item["scheme"], value=item["value"])
        for item in monument.identifiers
    )
    session.flush()


def _require_site(session: Session, site_id: int) -> None:
    if session.get(Site, site_id) is None:
        raise Unprocessable.at(
            "site_id",
            f"site_id {site_id} does not name a site; create the site first or correct the id.",
            "unknown_site",
            msg="unknown site",
        )


def get_monument(*, session: Session, monument_id: int, for_update: bool = False) -> Monument:
    """The monument with this id; `NotFound`, or `Gone` once it was deleted."""
    monument = get_or_not_found(session, Monument, monument_id, "monument", for_update=for_update)
    _refuse_deleted(monument_id, monument.deleted_at)
    return monument


def _refuse_deleted(monument_id: int, deleted_at: datetime | None) -> None:
    if deleted_at is not None:
        raise Gone(f"Monument {monument_id} was deleted at {deleted_at.isoformat()}.")


_MONUMENTS = Monument.__table__
# A Core statement, built once: a write that only adds evidence to a monument locks its row
# without loading it as an entity (field teams post assessments to many monuments at once).
_LOCK_LIVE = (
    select(_MONUMENTS.c.deleted_at)
    .where(_MONUMENTS.c.id == bindparam("monument_id"))
    .with_for_update()
)


def lock_monument(*, session: Session, monument_id: int) -> None:
    """Lock the monument's row until commit without loading it; `NotFound`, or `Gone` once it
    was deleted, as `get_monument`."""
    row = session.connection().execute(_LOCK_LIVE, {"monument_id": monument_id}).first()
    if row is None:
        raise NotFound(f"There is no monument with id {monument_id}.")
    _refuse_deleted(monument_id, row.deleted_at)


def create_monument(
    *, session: Session, fields: dict[str, Any], grid_degrees: float, actor: Caller
) -> Monument:
    """A new monument from validated fields."""
    _require_site(session, fields["site_id"])
    stored = {key: value for key, value in fields.items() if key not in ("names", "alt_names")}
    stored["identifiers"] = names.plain(fields.get("identifiers")) or []
    monument = Monument(**stored, public_lat=0, public_lon=0, public_precision_m=0, search_text="")
    _set_names(monument, fields, previous=[])
    _derive_columns(monument, grid_degrees=grid_degrees)
    session.add(monument)
    session.flush()
    _index(session, monument)
    audit.record_write(session=session, actor=actor, action="create", entity=monument)
    return monument


def update_monument(
    *,
    session: Session,
    monument: Monument,
    changes: dict[str, Any],
    grid_degrees: float,
    actor: Caller,
) -> Monument:
    """Apply validated changes to a monument."""
    before = audit.snapshot(monument)
    if "site_id" in changes and changes["site_id"] != monument.site_id:
        _require_site(session, changes["site_id"])
    previous = list(monument.names)
    for field, value in changes.items():
        if field == "identifiers":
            monument.identifiers = names.plain(value) or []
        elif field not in ("names", "alt_names"):
            setattr(monument, field, value)
    if {"name", "names", "alt_names"} & changes.keys():
        _set_names(monument, changes, previous)
    _derive_columns(monument, grid_degrees=grid_degrees)
    monument.updated_at = utc_now()
    session.add(monument)
    session.flush()
    _index(session, monument)
    audit.record_write(
        session=session, actor=actor, action="update", entity=monument, before=before
    )
    return monument


def delete_monument(*, session: Session, monument: Monument, actor: Caller) -> Monument:
    """Withdraw a monument from the registry; its row and history are kept."""
    before = audit.snapshot(monument)
    monument.deleted_at = monument.updated_at = utc_now()
    session.add(monument)
    session.flush()
    audit.record_write(
        session=session, actor=actor, action="delete", entity=monument, before=before
    )
    return monument
