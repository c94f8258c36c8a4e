"""Loading the Palmyra demo data (idempotent: a second run changes nothing)."""

from dataclasses import dataclass

from sqlmodel import Session, select

from app.core.actors import Caller
from app.demo import palmyra_data
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.sites import service as sites
from app.sites.models import Site


@dataclass
class DemoLoadResult:
    """What a load added (zeros when the data was already there)."""

    site_id: int
    sites_added: int = 0
    monuments_added: int = 0


def _site_fields() -> dict:
    source = palmyra_data.SOURCES[palmyra_data.SITE["source"]]
    fields = {k: v for k, v in palmyra_data.SITE.items() if k != "source"}
    fields["description"] = f"{fields['description']}\n\nSource: {source}"
    return fields


def _monument_fields(entry: dict, site_id: int) -> dict:
    citations = "; ".join(palmyra_data.SOURCES[key] for key in entry["sources"])
    return {
        "site_id": site_id,
        "name": entry["name"],
        "alt_names": entry["alt_names"],
        "type": entry["type"],
        "period": entry["period"],
        "lat": entry["lat"],
        "lon": entry["lon"],
        "location_precision_m": entry["location_precision_m"],
        "sensitive": entry["sensitive"],
        "description": f"{entry['description']}\n\nSources: {citations}",
    }


def load_palmyra(*, session: Session, grid_degrees: float, actor: Caller) -> DemoLoadResult:
    """The Palmyra site and its monuments, added where missing."""
    site = session.exec(select(Site).where(Site.whc_id == palmyra_data.SITE["whc_id"])).first()
    result = DemoLoadResult(site_id=0)
    if site is None:
        site = sites.create_site(session=session, fields=_site_fields(), actor=actor)
        result.sites_added = 1
    result.site_id = site.id
    existing = set(session.exec(select(Monument.name).where(Monument.site_id == site.id)).all())
    for entry in palmyra_data.MONUMENTS:
        if entry["name"] in existing:
            continue
        monuments.create_monument(
            session=session,
            fields=_monument_fields(entry, site.id),
            grid_degrees=grid_degrees,
            actor=actor,
        )
        result.monuments_added += 1
    return result
