"""Monuments as readers see them: the stored record with what is derived from its evidence.

A monument's condition and restoration outlook are never stored with it: they follow from
its verified damage assessments and its restoration assessments, so this read model sits
above those evidence packages, and the stored monument (app/monuments) knows nothing of them.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_
from sqlalchemy import text as sql
from sqlmodel import Session, select

from app.assessments import service as assessments
from app.assessments.models import DamageLevel
from app.assessments.schemas import CurrentCondition
from app.audit.read_cache import cached
from app.catalogue.schemas import MonumentRead
from app.core.errors import BadRequest, NotFound
from app.core.http import render
from app.core.time import NOW, TimeAxes, as_utc
from app.monuments import service as monuments
from app.monuments.models import Monument, MonumentIdentifier, MonumentName, MonumentType
from app.names.schemas import MatchedName
from app.names.text import search_key
from app.property import service as property_records
from app.restoration import service as restorations
from app.restoration.models import Prerequisite, Priority, RestorationStatus
from app.restoration.schemas import RestorationOutlook, RestorationSummary


@dataclass(frozen=True)
class BoundingBox:
    """A WGS84 box; `min_lon > max_lon` means it crosses the antimeridian."""

    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class MonumentFilters:
    """What a monument list is narrowed by."""

    site_id: int | None = None
    type: MonumentType | None = None
    text: str | None = None
    bbox: BoundingBox | None = None
    updated_since: datetime | None = None
    damage_level: DamageLevel | None = None
    axes: TimeAxes = NOW
    restoration_status: RestorationStatus | None = None
    priority: Priority | None = None
    prerequisite: Prerequisite | None = None
    identifier: tuple[str, str] | None = None


# A search ranks each monument by its best-matching name: how the name matches (below),
# then the name's position (the preferred name first); `score` packs both in one integer,
# which a page's cursor carries.
EXACT, PREFIX, WHOLE_WORDS, WORD_START, INSIDE = range(5)
POSITIONS = 1000  # more than the names a record may have


def _rank(key: str, name_key: str) -> int | None:
    if name_key == key:
        return EXACT
    if name_key.startswith(key):
        return PREFIX
    if f" {key} " in f" {name_key} ":
        return WHOLE_WORDS
    if f" {key}" in f" {name_key}":
        return WORD_START
    return INSIDE if key in name_key else None


def match_name(monument: Monument, text: str) -> tuple[int, MatchedName] | None:
    """The monument's best match for a search and its score, as the search query ranks it."""
    key = search_key(text)
    best: tuple[int, MatchedName] | None = None
    for position, entry in enumerate(monument.names):
        rank = _rank(key, search_key(entry["value"])[:1200]) if key else None
        if rank is None:
            continue
        score = rank * POSITIONS + position
        if best is None or score < best[0]:
            name = MatchedName(value=entry["value"], lang=entry["lang"], kind=entry["kind"])
            best = (score, name)
    return best


def _name_scores(session: Session, text: str) -> Any:
    """Monument ids whose names match `text`, each with its best score (see `match_name`)."""
    key = search_key(text)
    name_key = MonumentName.search_key
    padded = literal(" ") + name_key + literal(" ")
    rank = case(
        (name_key == key, EXACT),
        (name_key.like(f"{key}%"), PREFIX),
        (padded.like(f"% {key} %"), WHOLE_WORDS),
        ((literal(" ") + name_key).like(f"% {key}%"), WORD_START),
        else_=INSIDE,
    )
    found = select(
        MonumentName.monument_id,
        func.min(rank * POSITIONS + MonumentName.position).label("score"),
    )
    # Keys hold no % or _ (punctuation is gone), so LIKE patterns need no escaping.
    if session.get_bind().dialect.name == "sqlite" and len(key) >= 3:
        # The FTS5 trigram index finds a key of three characters or more inside any name.
        phrase = '"' + key.replace('"', '""') + '"'
        found = found.where(
            MonumentName.id.in_(
                select(sql("rowid"))
                .select_from(sql("monument_name_fts"))
                .where(sql("monument_name_fts MATCH :phrase").bindparams(phrase=phrase))
            )
        )
    else:
        # PostgreSQL's pg_trgm GIN index serves LIKE '%key%' (shorter keys scan).
        found = found.where(name_key.like(f"%{key}%"))
    return found.group_by(MonumentName.monument_id).subquery("name_match")


def parse_bbox(text: str) -> BoundingBox:
    """`minlon,minlat,maxlon,maxlat` as a box, or `BadRequest` saying what is wrong."""
    parts = text.split(",")
    try:
        if len(parts) != 4:
            raise ValueError
        min_lon, min_lat, max_lon, max_lat = (float(part) for part in parts)
    except ValueError:
        raise BadRequest(
            "bbox must be four numbers 'minlon,minlat,maxlon,maxlat', e.g. '38.2,34.5,38.3,34.6'."
        ) from None
    if not all(math.isfinite(v) for v in (min_lon, min_lat, max_lon, max_lat)):
        raise BadRequest("bbox values must be finite numbers.")
    if not (-180 <= min_lon <= 180 and -180 <= max_lon <= 180):
        raise BadRequest("bbox longitudes must be between -180 and 180.")
    if not (-90 <= min_lat <= max_lat <= 90):
        raise BadRequest("bbox latitudes must be between -90 and 90, minlat ≤ maxlat.")
    return BoundingBox(min_lon, min_lat, max_lon, max_lat)


def list_monuments(
    *,
    session: Session,
    filters: MonumentFilters,
    exact_locations: bool,
    after_id: int | None,
    limit: int,
    after_score: int | None = None,
) -> list[Monument]:
    """Monuments matching the filters in id order after a cursor (with `text`: best match
    first, then id, after the cursor's score and id); one more than `limit`."""
    query = select(Monument).where(*recorded_at(filters.axes))
    if filters.site_id is not None:
        query = query.where(Monument.site_id == filters.site_id)
    if filters.type is not None:
        query = query.where(Monument.type == filters.type)
    scores = None
    if filters.text:
        if not search_key(filters.text):
            return []  # nothing but punctuation: no name can match it
        scores = _name_scores(session, filters.text)
        query = query.join(scores, scores.c.monument_id == Monument.id)
    if filters.identifier is not None:
        scheme, value = filters.identifier
        query = query.where(
            Monument.id.in_(
                select(MonumentIdentifier.monument_id).where(
                    MonumentIdentifier.scheme == scheme, MonumentIdentifier.value == value
                )
            )
        )
    if filters.updated_since is not None:
        query = query.where(Monument.updated_at >= as_utc(filters.updated_since))
    if filters.bbox is not None:
        # Callers who may not know a sensitive position search on the rounded one.
        lat = Monument.lat if exact_locations else Monument.public_lat
        lon = Monument.lon if exact_locations else Monument.public_lon
        box = filters.bbox
        lon_test = (
            lon.between(box.min_lon, box.max_lon)
            if box.min_lon <= box.max_lon
            else or_(lon >= box.min_lon, lon <= box.max_lon)
        )
        query = query.where(and_(lat.between(box.min_lat, box.max_lat), lon_test))
    # Filters on derived values select monument ids with one non-correlated subquery each,
    # ranked once for the whole registry, rather than a join planners may re-run per row.
    if filters.damage_level is not None:
        condition = assessments.condition_query(filters.axes).subquery("condition")
        query = query.where(
            Monument.id.in_(
                select(condition.c.monument_id).where(
                    condition.c.damage_level == filters.damage_level
                )
            )
        )
    if filters.restoration_status or filters.priority:
        restoration = restorations.latest_query(filters.axes).subquery("restoration")
        matching = select(restoration.c.monument_id)
        if filters.restoration_status is not None:
            matching = matching.where(restoration.c.status == filters.restoration_status)
        if filters.priority is not None:
            matching = matching.where(restoration.c.priority == filters.priority)
        query = query.where(Monument.id.in_(matching))
    if filters.prerequisite is not None:
        # A monument waits while any open record about it, or about its whole site, lists
        # the prerequisite as open: a site statement holds every monument of the site.
        query = query.where(
            restorations.monument_waits_on(session=session, prerequisite=filters.prerequisite)
        )
    if scores is not None:
        if after_id is not None:
            score = after_score or 0
            query = query.where(
                or_(scores.c.score > score, and_(scores.c.score == score, Monument.id > after_id))
            )
        query = query.order_by(scores.c.score, Monument.id)
    else:
        if after_id is not None:
            query = query.where(Monument.id > after_id)
        query = query.order_by(Monument.id)
    return list(session.scalars(query.limit(limit + 1)).all())


_STORED_READ_FIELDS = tuple(
    field for field in MonumentRead.model_fields if field in Monument.model_fields
)


def present(
    monument: Monument,
    *,
    exact_locations: bool,
    condition: CurrentCondition | None,
    restoration: RestorationSummary | None,
    outlook: RestorationOutlook,
    search: str | None = None,
    components: list[dict[str, Any]] | None = None,
) -> MonumentRead:
    """The monument as a caller sees it: exact or generalised coordinates, and its condition."""
    generalised = monuments.location_withheld(monument, exact_locations=exact_locations)
    stored = {field: getattr(monument, field) for field in _STORED_READ_FIELDS}
    match = match_name(monument, search) if search else None
    return MonumentRead.model_validate(
        {
            **stored,
            "lat": monument.public_lat if generalised else monument.lat,
            "lon": monument.public_lon if generalised else monument.lon,
            "location_precision_m": (
                monument.public_precision_m if generalised else monument.location_precision_m
            ),
            "location_generalised": generalised,
            "current_condition": condition,
            "latest_restoration": restoration,
            "restoration": outlook,
            "matched_name": match[1] if match else None,
            "components": components or [],
        }
    )


def recorded_at(axes: TimeAxes) -> list[Any]:
    """Monuments in the registry at `axes`: whatever the `as_of` date, a monument recorded
    now is listed; `known_at` leaves out those recorded later or withdrawn by then."""
    if axes.known_by is None:
        return [Monument.deleted_at.is_(None)]
    return [
        Monument.created_at < axes.known_by,
        or_(Monument.deleted_at.is_(None), Monument.deleted_at >= axes.known_by),
    ]


def present_many(
    *,
    session: Session,
    monuments: Sequence[Monument],
    exact_locations: bool,
    axes: TimeAxes = NOW,
    search: str | None = None,
) -> list[MonumentRead]:
    """Monuments as a caller sees them, with their condition, restoration outlook and
    latest restoration record at `axes` (and the name `search` matched): two queries,
    whatever the number of monuments."""
    ids = [monument.id for monument in monuments]
    conditions = assessments.current_conditions(session=session, monument_ids=ids, axes=axes)
    restoration = restorations.for_monuments(
        session=session, monuments=[(m.id, m.site_id) for m in monuments], axes=axes
    )
    parts = _components(session, ids, axes)
    return [
        present(
            monument,
            exact_locations=exact_locations,
            condition=conditions.get(monument.id),
            restoration=restoration[monument.id].latest,
            outlook=restoration[monument.id].outlook,
            search=search,
            components=parts.get(monument.id),
        )
        for monument in monuments
    ]


def search_cursor_key(monument: Monument, search: str) -> tuple[int, int]:
    """Where a ranked search resumes after this monument: its score, then its id."""
    match = match_name(monument, search)
    return (match[0] if match else 0, monument.id or 0)


def _components(session: Session, ids: list[int], axes: TimeAxes) -> dict[int, list[dict]]:
    """Each monument's components with their own levels (two queries for all monuments)."""
    found = [
        c
        for c in property_records.components_of_monuments(session=session, monument_ids=ids)
        if axes.known_by is None or c.created_at < axes.known_by
    ]
    if not found:
        return {}
    judged = assessments.component_conditions(session=session, axes=axes, monument_ids=ids)
    parts: dict[int, list[dict]] = {}
    for component in found:
        state = judged.get(component.monument_id, {}).get(component.id, {})
        parts.setdefault(component.monument_id, []).append(
            {
                "id": component.id,
                "name": component.name,
                "damage_level": state.get("damage_level"),
                "observed_on": state.get("observed_on"),
                "assessment_id": state.get("assessment_id"),
            }
        )
    return parts


def present_one(
    *, session: Session, monument: Monument, exact_locations: bool, axes: TimeAxes = NOW
) -> MonumentRead:
    """One monument as a caller sees it (see `present_many`)."""
    return present_many(
        session=session, monuments=[monument], exact_locations=exact_locations, axes=axes
    )[0]


def get_monument_at(*, session: Session, monument_id: int, axes: TimeAxes) -> Monument:
    """The monument, if the registry held it at `axes` (`NotFound` if recorded later)."""
    monument = monuments.get_monument(session=session, monument_id=monument_id)
    if axes.known_by is not None and monument.created_at >= axes.known_by:
        raise NotFound(
            f"Monument {monument_id} was recorded at {monument.created_at.isoformat()}, after "
            f"known_at ({axes.known_at}); read it without known_at, or with a later one."
        )
    return monument


def read_document(
    *, session: Session, monument_id: int, exact_locations: bool, axes: TimeAxes = NOW
) -> bytes:
    """The JSON a caller reads for this monument (`get_monument`'s errors when it has none).

    Partners poll single monuments far more often than anyone changes them, so the bytes
    are kept until the next write to the registry (see `app.audit.read_cache`).
    """

    def build() -> bytes:
        monument = get_monument_at(session=session, monument_id=monument_id, axes=axes)
        return render(
            present_one(
                session=session, monument=monument, exact_locations=exact_locations, axes=axes
            )
        )

    return cached(session, ("monument", monument_id, exact_locations, axes), build)
