"""Offline bundles: a site's monuments, their current condition and photo thumbnails in one
zip, for a field team that will have no network where it works.

The zip holds `monuments.geojson` (RFC 7946, built with geojson-pydantic: one Point per
monument with what `GET /api/v1/monuments/{id}` shows, current condition included, the same
condition as flat typed columns a map can be styled on (`damage_level`, `extent_percent`…),
and the paths of its thumbnails), `site.json`, `thumbnails/<monument id>/<photo id>.jpg`,
`evidence.json` (every evidence item of every kind, as `GET /api/v1/evidence/{id}` shows it)
and `manifest.json` (what is inside, with each thumbnail's SHA-256). Positions are what the
reader may see: exact, or generalised for sensitive monuments.
"""

import json
import zipfile
from dataclasses import dataclass
from typing import Any, BinaryIO

from geojson_pydantic import Feature, Point
from sqlmodel import Session, select

from app.catalogue import service as catalogue
from app.core.storage import Storage
from app.core.time import utc_now
from app.monuments.models import Monument
from app.photos import evidence
from app.photos.models import Photo
from app.reports.schemas import UNASSESSED
from app.sites import service as sites
from app.sites.models import Site

FORMAT_VERSION = 1


@dataclass(frozen=True)
class BundleSummary:
    """What went into a bundle."""

    monuments: int
    thumbnails: int
    exact_locations: bool


def thumbnail_path(photo: Photo) -> str:
    """Where a photo's thumbnail sits in the zip."""
    return f"thumbnails/{photo.monument_id}/{photo.id}.jpg"


def condition_columns(condition: dict[str, Any] | None) -> dict[str, Any]:
    """The current condition as flat, typed properties beside the nested object: GIS styles
    and filters a layer on columns, and cannot reach into `current_condition`."""
    window = (condition or {}).get("damage_window") or {}
    return {
        "damage_level": condition["damage_level"] if condition else UNASSESSED,
        "extent_percent": condition["extent_percent"] if condition else None,
        "observed_on": condition["observed_on"] if condition else None,
        "assessment_id": condition["assessment_id"] if condition else None,
        "damage_reached_after": window.get("after"),
        "damage_reached_by": window.get("by"),
        "disputed": condition["disputed"] if condition else False,
    }


def _feature(read: Any, monument: Monument, thumbnails: list[str]) -> dict[str, Any]:
    properties = read.model_dump(mode="json", exclude={"lat", "lon"})
    properties |= {"external_id": monument.external_id, "thumbnails": thumbnails}
    properties |= condition_columns(properties.get("current_condition"))
    return Feature(
        type="Feature",
        id=monument.id,
        geometry=Point(type="Point", coordinates=(read.lon, read.lat)),
        properties=properties,
    ).model_dump(mode="json")


def write_bundle(
    *, session: Session, storage: Storage, site: Site, exact_locations: bool, out: BinaryIO
) -> BundleSummary:
    """Write the site's bundle as a zip to `out`; thumbnails are copied one at a time, so
    memory holds one thumbnail, whatever the number of photos."""
    rows = session.exec(
        select(Monument)
        .where(Monument.site_id == site.id, Monument.deleted_at.is_(None))
        .order_by(Monument.id)
    ).all()
    reads = catalogue.present_many(session=session, monuments=rows, exact_locations=exact_locations)
    photos = session.exec(
        select(Photo).where(Photo.monument_id.in_([m.id for m in rows])).order_by(Photo.id)
    ).all()
    by_monument: dict[int, list[Photo]] = {}
    for photo in photos:
        by_monument.setdefault(photo.monument_id, []).append(photo)
    collection = {
        "type": "FeatureCollection",
        "features": [
            _feature(read, monument, [thumbnail_path(p) for p in by_monument.get(monument.id, [])])
            for read, monument in zip(reads, rows, strict=True)
        ],
    }
    # Every evidence item of every kind, as the reader may see it: a sensitive monument's
    # footprints withheld as its positions are.
    items = evidence.list_items(session=session, monument_ids=[m.id for m in rows])
    monuments_by_id = {m.id: m for m in rows}
    cited = evidence.citations(session=session, items=items)
    held = {p.id: p for p in photos}
    evidence_reads = [
        evidence.present(
            item,
            monuments_by_id[item.monument_id],
            exact_locations=exact_locations,
            cited=cited.get(item.id, []),
            photo=held.get(item.photo_id),
        ).model_dump(mode="json")
        for item in items
    ]
    manifest = {
        "format_version": FORMAT_VERSION,
        "generated_at": utc_now().isoformat(),
        "site_id": site.id,
        "coordinates": "exact"
        if exact_locations
        else "generalised for sensitive monuments (location_generalised: true)",
        "monuments": len(rows),
        "thumbnails": {thumbnail_path(p): p.thumbnail_sha256 for p in photos},
        "evidence_items": len(evidence_reads),
    }
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("site.json", sites.present(site).model_dump_json())
        bundle.writestr("monuments.geojson", json.dumps(collection, ensure_ascii=False))
        bundle.writestr("evidence.json", json.dumps(evidence_reads, indent=2, ensure_ascii=False))
        for photo in photos:
            with storage.open(photo.thumbnail_key) as source:
                # JPEGs do not compress further: stored as they are.
                bundle.writestr(
                    thumbnail_path(photo), source.read(), compress_type=zipfile.ZIP_STORED
                )
        bundle.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return BundleSummary(
        monuments=len(rows), thumbnails=len(photos), exact_locations=exact_locations
    )
