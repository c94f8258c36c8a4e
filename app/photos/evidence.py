"""Evidence items of every kind, before/after image pairs and STAC Items.

A photo is the file; its evidence item says what kind of evidence it is and carries the
facts of that kind. A satellite image seen at its publisher is an item without a file,
pointing to where it is published.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import or_
from sqlmodel import Session, select

from app.assessments import service as assessments
from app.assessments.models import DamageAssessment, ImagePair
from app.audit import service as audit
from app.core.actors import Caller, shown_actor
from app.core.db import columns
from app.core.errors import Conflict, Forbidden, NotFound, Unprocessable
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.photos.models import (
    PAIRABLE_KINDS,
    EvidenceItem,
    EvidenceItemSource,
    EvidenceKind,
    Photo,
)
from app.photos.schemas import EvidenceFacts, EvidenceRead, ImagePairRead
from app.sources import service as sources
from app.sources.models import Source

EVIDENCE_URL = "/api/v1/evidence"
CITING = EvidenceItemSource.evidence_item_id

# The facts that belong to some kinds only: given for another kind, they are a mistake.
KIND_FACTS: dict[str, frozenset[EvidenceKind]] = {
    "video_source": frozenset({EvidenceKind.video_frame}),
    "timecode": frozenset({EvidenceKind.video_frame}),
    "altitude_m": frozenset({EvidenceKind.drone_image}),
    "heading_deg": frozenset({EvidenceKind.drone_image}),
    "sensor": PAIRABLE_KINDS,
    "resolution_m": PAIRABLE_KINDS,
    "cloud_cover_percent": frozenset({EvidenceKind.satellite_image}),
    "footprint": PAIRABLE_KINDS,
}
# The facts a kind cannot do without.
REQUIRED_FACTS: dict[EvidenceKind, tuple[str, ...]] = {
    EvidenceKind.video_frame: ("video_source", "timecode"),
    EvidenceKind.satellite_image: ("acquired_at",),
}


def _invalid(field: str, message: str, kind: str = "invalid_evidence") -> Unprocessable:
    return Unprocessable.at(field, message, kind)


def check_facts(facts: dict[str, Any], *, has_file: bool) -> EvidenceKind:
    """The kind the facts describe, once each fact fits it; `Unprocessable` naming the first
    that does not (a timecode on a satellite image, a video frame without its timecode).
    A day alone (`acquired_on`) becomes its midnight, UTC, marked as known to the day."""
    kind = EvidenceKind(facts.get("kind") or EvidenceKind.ground_photo)
    if facts.get("acquired_on") is not None:
        day = facts.pop("acquired_on")
        facts["acquired_at"] = datetime(day.year, day.month, day.day, tzinfo=UTC)
        facts["acquired_precision"] = "day"
    elif facts.get("acquired_at") is not None:
        facts.setdefault("acquired_precision", "instant")
    for name, kinds in KIND_FACTS.items():
        if facts.get(name) is not None and kind not in kinds:
            allowed = " or ".join(sorted(kinds))
            raise _invalid(name, f"{name} applies to {allowed} evidence, not to {kind}.")
    for name in REQUIRED_FACTS.get(kind, ()):
        if facts.get(name) is None:
            raise _invalid(name, f"A {kind} needs {name}.", "missing")
    if not has_file and facts.get("source_url") is None:
        raise _invalid(
            "source_url",
            "An evidence item without a file needs source_url: where the image is published. "
            "Upload a file to /api/v1/monuments/{monument_id}/photos with `kind` instead.",
            "missing",
        )
    return kind


def check_assessment(
    session: Session, *, assessment_id: int, monument_id: int, actor: Caller
) -> None:
    """`Unprocessable` unless the assessment is visible to the actor and of this monument;
    `Conflict` once it was reviewed, `Forbidden` unless the actor may edit it.

    A photo attached to an assessment is part of what its reviewer judged: evidence can be
    added while the assessment is a draft or awaits review, by its author or by staff,
    never to a verified (or rejected) one, which would change it without any review.
    """
    problem = None
    try:
        assessment = assessments.get_assessment(
            session=session, assessment_id=assessment_id, caller=actor
        )
    except NotFound:
        problem = f"assessment_id {assessment_id} names no damage assessment visible to you."
    else:
        if assessment.monument_id != monument_id:
            problem = (
                f"Assessment {assessment_id} is of monument {assessment.monument_id}, "
                f"not of monument {monument_id}."
            )
    if problem:
        raise Unprocessable.at("assessment_id", problem, "unknown_assessment")
    if assessment.status in assessments.REVIEWED:
        raise Conflict(
            f"Assessment {assessment_id} is {assessment.status}: its evidence was reviewed "
            "with it and can no longer change. Upload the photo to the monument without an "
            "assessment_id, or attach it to a new assessment that supersedes this one."
        )
    if actor.role not in assessments.REVIEWER_ROLES and not assessments.is_author(
        assessment, actor
    ):
        raise Forbidden(
            f"Only the author of assessment {assessment_id} or staff may attach evidence to it."
        )


def _inside(point: tuple[float, float], ring: Sequence[Sequence[float]]) -> bool:
    """Whether a point (lon, lat) lies inside a closed ring (even-odd rule). Footprints are
    a few km across, so planar coordinates are close enough; a whole geometry library
    (shapely, GEOS) would be one dependency for these eight lines."""
    x, y = point
    inside = False
    for (x1, y1), (x2, y2) in pairwise(ring):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def footprint_contains(footprint: dict[str, Any], lat: float, lon: float) -> bool:
    """Whether a GeoJSON Polygon covers the point: inside its outer ring, in none of its holes."""
    outer, *holes = [[tuple(p[:2]) for p in ring] for ring in footprint["coordinates"]]
    return _inside((lon, lat), outer) and not any(_inside((lon, lat), h) for h in holes)


def footprint_of_geotiff(path: Path) -> dict[str, Any] | None:
    """The ground a GeoTIFF covers, as a GeoJSON Polygon in WGS 84, read with rasterio from
    its georeference; None when the file has none (a plain TIFF) or is not a TIFF."""
    import rasterio
    from rasterio.errors import RasterioError
    from rasterio.warp import transform_geom

    try:
        with rasterio.open(path) as dataset:
            if dataset.crs is None or dataset.transform.is_identity:
                return None
            left, bottom, right, top = dataset.bounds
            ring = [[left, bottom], [right, bottom], [right, top], [left, top], [left, bottom]]
            polygon = {"type": "Polygon", "coordinates": [ring]}
            return dict(transform_geom(dataset.crs, "EPSG:4326", polygon))
    except RasterioError:
        return None


def check_footprint(footprint: dict[str, Any] | None, monument: Monument) -> None:
    """`Unprocessable` when a footprint does not cover the monument: an image of somewhere
    else is no evidence of it (the check photos' GPS gets, as `location_mismatch`)."""
    if footprint is not None and not footprint_contains(footprint, monument.lat, monument.lon):
        raise _invalid(
            "footprint",
            f"The footprint does not contain monument {monument.id}'s position: this image "
            "does not show it. Check the polygon's coordinates are [longitude, latitude].",
            "location_mismatch",
        )


def new_item(
    *,
    monument: Monument,
    facts: dict[str, Any],
    kind: EvidenceKind,
    actor: Caller,
    photo: Photo | None = None,
) -> EvidenceItem:
    """An unsaved evidence item of the monument (and of its photo, if it has a file)."""
    check_footprint(facts.get("footprint"), monument)
    return EvidenceItem(
        monument_id=monument.id,
        assessment_id=facts.get("assessment_id"),
        kind=kind,
        photo_id=photo.id if photo is not None else None,
        title=facts.get("title") or (photo.caption if photo is not None else None),
        acquired_at=facts.get("acquired_at") or (photo.taken_at if photo is not None else None),
        acquired_precision=facts.get("acquired_precision")
        or (("instant" if photo.taken_at else None) if photo is not None else None),
        sensor=facts.get("sensor"),
        provider=facts.get("provider"),
        resolution_m=facts.get("resolution_m"),
        cloud_cover_percent=facts.get("cloud_cover_percent"),
        footprint=facts.get("footprint"),
        licence=facts.get("licence") or (photo.license if photo is not None else None),
        source_url=facts.get("source_url"),
        video_source=facts.get("video_source"),
        timecode=facts.get("timecode"),
        altitude_m=facts.get("altitude_m"),
        heading_deg=facts.get("heading_deg"),
        stac_item=facts.get("stac_item"),
        created_by=actor.label,
        created_by_key_id=actor.key_id,
    )


def add_for_photo(
    *, session: Session, photo: Photo, monument: Monument, facts: dict[str, Any], actor: Caller
) -> EvidenceItem:
    """The evidence item of a newly uploaded photo (its kind checked before the upload)."""
    kind = check_facts(facts, has_file=True)
    item = new_item(monument=monument, facts=facts, kind=kind, actor=actor, photo=photo)
    return audit.record_creation(session=session, actor=actor, entity=item)


def create_item(
    *, session: Session, monument_id: int, fields: dict[str, Any], actor: Caller
) -> EvidenceItem:
    """A record of an evidence item held elsewhere (a published satellite image)."""
    kind = check_facts(fields, has_file=False)
    monument = monuments.get_monument(session=session, monument_id=monument_id)
    if fields.get("assessment_id") is not None:
        check_assessment(
            session, assessment_id=fields["assessment_id"], monument_id=monument_id, actor=actor
        )
    cited = sources.require_sources(session=session, source_ids=fields.get("source_ids") or [])
    item = new_item(monument=monument, facts=fields, kind=kind, actor=actor)
    return sources.record_creation(
        session=session, actor=actor, entity=item, owner=CITING, cited=cited
    )


# --- STAC ---------------------------------------------------------------------------------


def _stac_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def facts_from_stac(document: dict[str, Any]) -> dict[str, Any]:
    """The facts of a satellite image from a STAC Item (read with pystac), checked by the
    same rules as a record sent as JSON; `Unprocessable` naming what the item lacks."""
    import pystac  # on first use (see app.sites.schemas)

    try:
        item = pystac.Item.from_dict(document, preserve_dict=True)
        common = item.common_metadata
        acquired = item.datetime or common.start_datetime
        geometry = item.geometry
        platform = _stac_text(common.platform) or _stac_text(common.constellation)
        instruments = [i for i in (common.instruments or []) if _stac_text(i)]
        providers = [p.name for p in (common.providers or []) if _stac_text(p.name)]
        links = [link.href for link in item.links if link.rel == "self"]
        assets = [asset.href for asset in item.assets.values()]
        properties = {
            "title": _stac_text(common.title) or _stac_text(item.id),
            "gsd": common.gsd,
            "cloud": item.properties.get("eo:cloud_cover"),
            "license": _stac_text(common.license),
        }
    except Exception as error:  # pystac raises KeyError, TypeError, STACError... for bad input
        raise _invalid(
            "stac_item", f"Not a readable STAC Item: {error!r}."[:500], "invalid_stac"
        ) from None
    if not isinstance(geometry, dict) or geometry.get("type") != "Polygon":
        raise _invalid("geometry", "The STAC Item needs a Polygon geometry: the footprint.")
    if acquired is None:
        raise _invalid("properties.datetime", "The STAC Item needs its acquisition datetime.")
    sensor = ", ".join(filter(None, [platform, *instruments])) or None
    web = [
        h for h in [*links, *assets] if isinstance(h, str) and h.startswith(("http://", "https://"))
    ]
    facts = {
        "kind": "satellite_image",
        "title": properties["title"],
        "acquired_at": acquired,
        "sensor": sensor[:200] if sensor else None,
        "provider": ", ".join(providers)[:300] or None,
        "resolution_m": properties["gsd"],
        "cloud_cover_percent": properties["cloud"],
        "footprint": {"type": "Polygon", "coordinates": geometry.get("coordinates")},
        "licence": properties["license"][:100] if properties["license"] else None,
        "source_url": web[0] if web and len(web[0]) <= 2000 else None,
    }
    # The same checks as `POST /api/v1/monuments/{id}/evidence`: a STAC Item is no way
    # around them (a negative gsd, a polygon of three points, a datetime in the future).
    try:
        checked = EvidenceFacts.model_validate({k: v for k, v in facts.items() if v is not None})
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"])
        raise _invalid(where or "stac_item", f"{where}: {first['msg']}", "invalid_stac") from None
    return checked.model_dump(exclude_none=True) | {
        "acquired_precision": "instant",
        "stac_item": document,
    }


def register_stac(
    *, session: Session, monument_id: int, document: dict[str, Any], actor: Caller
) -> EvidenceItem:
    """A satellite evidence item from a STAC Item; its footprint must contain the monument.
    Without a web link, the stored item itself is the record of where it comes from."""
    facts = facts_from_stac(document)
    monument = monuments.get_monument(session=session, monument_id=monument_id)
    item = new_item(monument=monument, facts=facts, kind=EvidenceKind.satellite_image, actor=actor)
    return sources.record_creation(session=session, actor=actor, entity=item, owner=CITING)


def to_stac(item: EvidenceItem, *, withheld: bool) -> dict[str, Any]:
    """The item as a STAC Item (pystac), footprint withheld for a sensitive monument."""
    import pystac  # on first use (see app.sites.schemas)

    geometry = None if withheld else item.footprint
    bbox = None
    if geometry is not None:
        points = [p for ring in geometry["coordinates"] for p in ring]
        bbox = [
            min(p[0] for p in points),
            min(p[1] for p in points),
            max(p[0] for p in points),
            max(p[1] for p in points),
        ]
    properties: dict[str, Any] = {
        "title": item.title,
        "providers": [{"name": item.provider}] if item.provider else None,
        "gsd": item.resolution_m,
        "eo:cloud_cover": item.cloud_cover_percent,
        "license": item.licence,
        "heritage:monument_id": item.monument_id,
        "heritage:kind": str(item.kind),
    }
    if item.sensor:
        properties["platform"] = item.sensor
    moment = item.acquired_at
    if item.acquired_precision == "day" and moment is not None:
        # Only the day is known: STAC says so with a range and no single datetime.
        properties["start_datetime"] = moment.isoformat().replace("+00:00", "Z")
        properties["end_datetime"] = (
            (moment + timedelta(days=1, seconds=-1)).isoformat().replace("+00:00", "Z")
        )
        moment = None
    stac = pystac.Item(
        id=f"heritage-evidence-{item.id}",
        geometry=geometry,
        bbox=bbox,
        datetime=moment,
        properties={k: v for k, v in properties.items() if v is not None},
    )
    stac.add_link(pystac.Link(rel="self", target=f"{EVIDENCE_URL}/{item.id}/stac"))
    if item.source_url and item.source_url.startswith("http"):
        stac.add_link(pystac.Link(rel="via", target=item.source_url, title="Published source"))
    return stac.to_dict(include_self_link=True, transform_hrefs=False)


# --- reading ------------------------------------------------------------------------------


def get_item(*, session: Session, evidence_id: int) -> tuple[EvidenceItem, Monument]:
    """The evidence item and its monument; `NotFound` (also once the monument is deleted)."""
    item = session.get(EvidenceItem, evidence_id)
    monument = session.get(Monument, item.monument_id) if item is not None else None
    if item is None or monument is None or monument.deleted_at is not None:
        raise NotFound(f"There is no evidence item with id {evidence_id}.")
    return item, monument


def list_items(
    *,
    session: Session,
    monument_id: int | None = None,
    monument_ids: Sequence[int] | None = None,
    assessment_ids: Sequence[int] | None = None,
    after_id: int | None = None,
    limit: int | None = None,
) -> Sequence[EvidenceItem]:
    """Evidence items of a monument (or of several), or supporting some assessments, in
    id order."""
    query = select(EvidenceItem)
    if monument_id is not None:
        query = query.where(EvidenceItem.monument_id == monument_id)
    if monument_ids is not None:
        query = query.where(EvidenceItem.monument_id.in_(list(monument_ids)))
    if assessment_ids is not None:
        photo_ids = select(Photo.id).where(Photo.assessment_id.in_(assessment_ids))
        query = query.where(
            or_(
                EvidenceItem.assessment_id.in_(assessment_ids),
                EvidenceItem.photo_id.in_(photo_ids),
            )
        )
    if after_id is not None:
        query = query.where(EvidenceItem.id > after_id)
    query = query.order_by(EvidenceItem.id)
    # A page: one more than `limit`, to tell whether more follow; without one, all.
    return session.exec(query if limit is None else query.limit(limit + 1)).all()


def items_of_photos(*, session: Session, photo_ids: Sequence[int]) -> dict[int, EvidenceItem]:
    """The evidence item of each of these photos (one query)."""
    if not photo_ids:
        return {}
    query = select(EvidenceItem).where(EvidenceItem.photo_id.in_(list(photo_ids)))
    return {item.photo_id: item for item in session.exec(query)}


def citations(*, session: Session, items: Sequence[EvidenceItem]) -> dict[int, list[Source]]:
    """The sources each item cites (one query)."""
    return sources.cited_by(session=session, owner=CITING, owner_ids=[i.id for i in items])


def present(
    item: EvidenceItem,
    monument: Monument,
    *,
    exact_locations: bool,
    cited: Sequence[Source],
    photo: Photo | None = None,
    names_visible: bool = False,
) -> EvidenceRead:
    """The item as a caller sees it: a sensitive monument's footprint withheld, as its
    photos' GPS is."""
    withheld = monuments.location_withheld(monument, exact_locations=exact_locations)
    links = {"self": f"{EVIDENCE_URL}/{item.id}"}
    if item.kind == EvidenceKind.satellite_image:
        links["stac"] = f"{EVIDENCE_URL}/{item.id}/stac"
    if item.photo_id is not None:
        links["photo"] = f"/api/v1/photos/{item.photo_id}"
    if item.source_url and item.source_url.startswith("http"):
        links["published"] = item.source_url
    return EvidenceRead(
        id=item.id,
        created_at=item.created_at,
        updated_at=item.updated_at,
        monument_id=item.monument_id,
        assessment_id=item.assessment_id if photo is None else photo.assessment_id,
        kind=str(item.kind),
        photo_id=item.photo_id,
        title=item.title,
        acquired_at=item.acquired_at,
        acquired_precision=item.acquired_precision,
        sensor=item.sensor,
        provider=item.provider,
        resolution_m=item.resolution_m,
        cloud_cover_percent=item.cloud_cover_percent,
        footprint=None if withheld else item.footprint,
        location_withheld=withheld,
        licence=item.licence,
        source_url=item.source_url,
        video_source=item.video_source,
        timecode=item.timecode,
        altitude_m=item.altitude_m,
        heading_deg=item.heading_deg,
        sha256=photo.sha256 if photo is not None else None,
        created_by=shown_actor(item.created_by, item.created_by_key_id, names=names_visible),
        **sources.shown_citations(cited),
        links=links,
    )


def present_many(
    *, session: Session, items: Sequence[tuple[EvidenceItem, Monument]], caller: Caller
) -> list[EvidenceRead]:
    """Items, each with its monument, as `present` shows them to `caller`, with the sources
    each cites and the photo each holds (one query for each, whatever the number)."""
    cited = citations(session=session, items=[item for item, _ in items])
    photo_ids = [item.photo_id for item, _ in items if item.photo_id is not None]
    held = (
        {p.id: p for p in session.exec(select(Photo).where(Photo.id.in_(photo_ids)))}
        if photo_ids
        else {}
    )
    # What this caller may see is the same for every item.
    as_seen = partial(
        present, exact_locations=caller.sees_exact_locations, names_visible=caller.sees_names
    )
    return [
        as_seen(item, monument, cited=cited.get(item.id, []), photo=held.get(item.photo_id))
        for item, monument in items
    ]


# --- before/after pairs -------------------------------------------------------------------


def find_pair(
    *, session: Session, before_id: int, after_id: int, assessment_id: int | None
) -> ImagePair | None:
    """The pair that already links these images (for this assessment, or for none)."""
    return session.exec(
        select(ImagePair).where(
            ImagePair.before_id == before_id,
            ImagePair.after_id == after_id,
            ImagePair.assessment_id == assessment_id
            if assessment_id is not None
            else ImagePair.assessment_id.is_(None),
        )
    ).first()


def create_pair(
    *,
    session: Session,
    monument_id: int,
    before_id: int,
    after_id: int,
    assessment_id: int | None,
    actor: Caller,
) -> ImagePair:
    """Link two images from above of the monument, before and after; their acquisition
    dates then bound the damage window of the assessment they support."""
    items: dict[str, EvidenceItem] = {}
    for field, evidence_id in (("before_id", before_id), ("after_id", after_id)):
        item = session.get(EvidenceItem, evidence_id)
        if item is None or item.monument_id != monument_id:
            raise _invalid(
                field, f"{field} {evidence_id} names no evidence item of monument {monument_id}."
            )
        if item.kind not in PAIRABLE_KINDS:
            raise _invalid(
                field,
                f"Evidence item {evidence_id} is a {item.kind}: pairs are of satellite or "
                "drone images.",
            )
        if item.acquired_at is None:
            raise _invalid(field, f"Evidence item {evidence_id} has no acquisition time.")
        items[field] = item
    before, after = items["before_id"], items["after_id"]
    by_day = "day" in (before.acquired_precision, after.acquired_precision)
    if by_day and before.acquired_at.date() >= after.acquired_at.date():
        raise _invalid(
            "after_id",
            f"The after image ({after.acquired_at:%Y-%m-%d}) must be of a later day than the "
            f"before image ({before.acquired_at:%Y-%m-%d}): one is known only to the day.",
        )
    if before.acquired_at >= after.acquired_at:
        raise _invalid(
            "after_id",
            f"The after image ({after.acquired_at:%Y-%m-%d %H:%M}) must be acquired later than "
            f"the before image ({before.acquired_at:%Y-%m-%d %H:%M}).",
        )
    supported = None
    if assessment_id is not None:
        supported = _check_supported(
            session, assessment_id=assessment_id, monument_id=monument_id, actor=actor
        )
    duplicate = find_pair(
        session=session, before_id=before_id, after_id=after_id, assessment_id=assessment_id
    )
    if duplicate is not None:
        raise Conflict(
            f"Image pair {duplicate.id} already links these images.", pair_id=duplicate.id
        )
    pair = ImagePair(
        monument_id=monument_id,
        before_id=before_id,
        after_id=after_id,
        assessment_id=assessment_id,
        created_by=actor.label,
        created_by_key_id=actor.key_id,
    )
    audit.record_creation(session=session, actor=actor, entity=pair)
    if supported is not None:
        assessments.bound_event_window(
            session=session,
            assessment=supported,
            after=before.acquired_at.date(),
            by=after.acquired_at.date(),
            actor=actor,
        )
    return pair


def _check_supported(
    session: Session, *, assessment_id: int, monument_id: int, actor: Caller
) -> DamageAssessment:
    """The assessment a pair supports: of this monument; a pair narrows the damage window
    of what a reviewer judged, so once reviewed only reviewers (staff) may add one."""
    try:
        assessment = assessments.get_assessment(
            session=session, assessment_id=assessment_id, caller=actor
        )
    except NotFound:
        assessment = None
    if assessment is None or assessment.monument_id != monument_id:
        raise _invalid(
            "assessment_id",
            f"assessment_id {assessment_id} names no damage assessment of monument "
            f"{monument_id} visible to you.",
            "unknown_assessment",
        )
    if assessment.status in assessments.REVIEWED:
        if actor.role not in assessments.REVIEWER_ROLES:
            raise Forbidden(
                f"Assessment {assessment_id} is {assessment.status}: only staff may add "
                "evidence that narrows its damage window."
            )
    elif actor.role not in assessments.REVIEWER_ROLES and not assessments.is_author(
        assessment, actor
    ):
        raise Forbidden(f"Only the author of assessment {assessment_id} or staff may do this.")
    return assessment


def present_pair(session: Session, pair: ImagePair) -> ImagePairRead:
    """A pair with the acquisition times of its two images."""
    before = session.get(EvidenceItem, pair.before_id)
    after = session.get(EvidenceItem, pair.after_id)
    return ImagePairRead.model_validate(
        columns(pair)
        | {"before_acquired_at": before.acquired_at, "after_acquired_at": after.acquired_at}
    )


def list_pairs(*, session: Session, monument_id: int) -> Sequence[ImagePair]:
    """A monument's before/after pairs, in id order."""
    query = select(ImagePair).where(ImagePair.monument_id == monument_id)
    return session.exec(query.order_by(ImagePair.id)).all()
