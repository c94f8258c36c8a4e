"""Building reports from the recorded evidence, in the database.

The per-monument "latest verified assessment as of a date" and "plan of record as of a
date" are each one windowed query over the site's monuments (see
`assessments.condition_query` and `restoration.plan_query`), so a report costs a fixed
number of queries whatever the number of assessments, and only one row per monument comes
back; the summary is then tallied from the per-monument rows the report lists anyway.
"""

import base64
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import String, cast, func, or_, select
from sqlmodel import Session

from app.assessments import service as assessments
from app.assessments.models import DamageLevel
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.core.db import UTCDateTime
from app.core.storage import Storage, StorageError
from app.core.time import today_utc, utc_now
from app.monuments.models import Monument
from app.photos.models import Photo
from app.reports import formats
from app.reports.schemas import (
    UNASSESSED,
    Comparison,
    DamageLevelCounts,
    EvidenceEntry,
    Factor,
    LevelChange,
    MonumentEntry,
    PrerequisiteNeed,
    PropertyInfo,
    Provenance,
    RegistrySummary,
    ReportSummary,
    RestorationNeeds,
    StatementEntry,
    StateOfConservationReport,
    SummaryGroup,
)
from app.restoration import service as restorations
from app.restoration.models import Prerequisite, RestorationStatus
from app.restoration.schemas import MoneyRead
from app.sites.models import Site

PRIORITY_KEYS = ("urgent", "high", "medium", "low", "unstated")
_PREREQUISITE_ORDER = list(Prerequisite)


def _existing_on(as_of: date) -> list[Any]:
    """Monuments recorded by the end of `as_of` and not withdrawn by then."""
    cutoff = assessments.known_by(as_of)
    return [
        Monument.created_at < cutoff,
        or_(Monument.deleted_at.is_(None), Monument.deleted_at >= cutoff),
    ]


def _site_monument_ids(site_id: int) -> Any:
    return select(Monument.id).where(Monument.site_id == site_id).scalar_subquery()


@dataclass(frozen=True)
class _ReportRows:
    monuments: list[Any]
    conditions: dict[int, Any]
    plans: dict[int, Any]
    waits: restorations.Waits


def _report_rows(session: Session, site_id: int, as_of: date) -> _ReportRows:
    """The site's monuments, their conditions, plans of record and what they wait on as of
    the date: four queries, joined here by monument id. (Joining the two windowed queries to
    the monuments in SQL leaves planners short of statistics on their results, and both
    SQLite and PostgreSQL were seen to rescan one per monument.)"""
    in_site = _site_monument_ids(site_id)
    # Plain rows, not ORM objects: a report reads thousands of monuments and changes none.
    monuments = session.execute(
        select(*Monument.__table__.columns)
        .where(Monument.site_id == site_id, *_existing_on(as_of))
        .order_by(Monument.id)
    ).all()
    conditions = session.execute(assessments.condition_query(as_of, in_site)).all()
    plans = session.execute(restorations.plan_query(as_of, in_site)).all()
    waits = restorations.waits(
        session=session, monument_ids=in_site, site_ids=[site_id], as_of=as_of
    )
    return _ReportRows(
        monuments=list(monuments),
        conditions={row.monument_id: row for row in conditions},
        plans={row.monument_id: row for row in plans},
        waits=waits,
    )


def _levels_on(session: Session, site_id: int, as_of: date) -> dict[int, str]:
    condition = assessments.condition_query(as_of, _site_monument_ids(site_id)).subquery()
    rows = session.execute(select(condition.c.monument_id, condition.c.damage_level)).all()
    return {row.monument_id: row.damage_level for row in rows}


def _entry(
    monument: Any,
    condition: Any,
    restoration: Any,
    *,
    waiting_on: set[str],
    exact_locations: bool,
    evidence: EvidenceEntry | None,
) -> dict[str, Any]:
    """One monument's line of the report, as plain data: all lines are then validated in a
    single call, several times faster than building ten thousand models one by one."""
    generalised = monument.sensitive and not exact_locations
    cost = None
    if restoration is not None and restoration.estimated_cost_thousandths is not None:
        cost = {
            "amount": restorations.format_amount(restoration.estimated_cost_thousandths),
            "currency": restoration.estimated_cost_currency,
        }
    return {
        "id": monument.id,
        "name": monument.name,
        "alt_names": monument.alt_names,
        "type": monument.type,
        "period": monument.period,
        "lat": monument.public_lat if generalised else monument.lat,
        "lon": monument.public_lon if generalised else monument.lon,
        "location_generalised": generalised,
        "condition": None if condition is None else dict(condition._mapping),
        "evidence": evidence or {"photos": 0, "latest_photo_on": None},
        "restoration": None
        if restoration is None
        else {**restorations.read_values(restoration), "estimated_cost": cost},
        "waiting_on": sorted(waiting_on, key=_PREREQUISITE_ORDER.index),
    }


_MONUMENT_ENTRIES = TypeAdapter(list[MonumentEntry])


def _summarise(entries: list[MonumentEntry]) -> ReportSummary:
    levels = Counter(e.condition.damage_level if e.condition else UNASSESSED for e in entries)
    by_level = DamageLevelCounts(**levels)
    severe = levels[DamageLevel.destroyed] + levels[DamageLevel.severe_damage]
    affected: dict[str, list[int]] = defaultdict(list)
    for entry in entries:
        for cause in entry.condition.causes if entry.condition else []:
            affected[cause].append(entry.id)
    open_restorations = [
        e.restoration
        for e in entries
        if e.restoration and e.restoration.status != RestorationStatus.completed
    ]
    priorities = Counter(r.priority or "unstated" for r in open_restorations)
    costs: Counter[str] = Counter()
    for restoration in open_restorations:
        if restoration.estimated_cost:
            cost = restoration.estimated_cost
            costs[cost.currency] += restorations.to_thousandths(restorations.Decimal(cost.amount))
    waiting = Counter(p for e in entries for p in e.waiting_on)
    return ReportSummary(
        monuments=len(entries),
        by_damage_level=by_level,
        destroyed_or_severe_share=round(severe / len(entries), 4) if entries else 0.0,
        factors=[
            Factor(cause=cause, monument_ids=ids)
            for cause, ids in sorted(affected.items(), key=lambda item: (-len(item[1]), item[0]))
        ],
        restoration_needs=RestorationNeeds(
            by_priority={key: priorities[key] for key in PRIORITY_KEYS},
            estimated_cost=[
                MoneyRead(amount=restorations.format_amount(total), currency=currency)
                for currency, total in sorted(costs.items())
            ],
            prerequisites=[
                PrerequisiteNeed(prerequisite=p, monuments_waiting=n)
                for p, n in sorted(waiting.items(), key=lambda item: (-item[1], item[0]))
            ],
        ),
    )


def _compare(
    session: Session, site_id: int, entries: list[MonumentEntry], compare_to: date
) -> Comparison:
    earlier = _levels_on(session, site_id, compare_to)
    changes = []
    for entry in entries:
        before = earlier.get(entry.id, UNASSESSED)
        after = entry.condition.damage_level if entry.condition else UNASSESSED
        if before != after:
            changes.append(
                LevelChange(
                    monument_id=entry.id, name=entry.name, from_level=before, to_level=after
                )
            )
    return Comparison(compare_to=compare_to, changes=changes)


def evidence_for(*, session: Session, site_id: int, as_of: date) -> dict[int, EvidenceEntry]:
    """Photo evidence per monument of the site: photos recorded by the end of `as_of`, and
    the date of the latest (taken, or else uploaded)."""
    shot_at = func.coalesce(Photo.taken_at, Photo.created_at)
    rows = session.execute(
        select(Photo.monument_id, func.count(), func.max(shot_at, type_=UTCDateTime()))
        .where(
            Photo.monument_id.in_(_site_monument_ids(site_id)),
            Photo.created_at < assessments.known_by(as_of),
        )
        .group_by(Photo.monument_id)
    ).all()
    return {
        monument_id: EvidenceEntry(photos=count, latest_photo_on=latest.date())
        for monument_id, count, latest in rows
    }


def latest_thumbnail_keys(*, session: Session, site_id: int, as_of: date) -> dict[int, str]:
    """Storage key of the thumbnail of each monument's latest photo as of the date."""
    rank = func.row_number().over(
        partition_by=Photo.monument_id,
        order_by=(func.coalesce(Photo.taken_at, Photo.created_at).desc(), Photo.id.desc()),
    )
    ranked = (
        select(Photo.monument_id, Photo.thumbnail_key, rank.label("rank"))
        .where(
            Photo.monument_id.in_(_site_monument_ids(site_id)),
            Photo.created_at < assessments.known_by(as_of),
        )
        .subquery()
    )
    rows = session.execute(
        select(ranked.c.monument_id, ranked.c.thumbnail_key).where(ranked.c.rank == 1)
    ).all()
    return dict(rows)


def state_of_conservation(
    *,
    session: Session,
    site: Site,
    as_of: date | None,
    compare_to: date | None,
    exact_locations: bool,
) -> StateOfConservationReport:
    """The property's state of conservation as known at the end of `as_of` (default today)."""
    as_of = as_of or today_utc()
    rows = _report_rows(session, site.id, as_of)
    evidence = evidence_for(session=session, site_id=site.id, as_of=as_of)
    entries = _MONUMENT_ENTRIES.validate_python(
        [
            _entry(
                monument,
                rows.conditions.get(monument.id),
                rows.plans.get(monument.id),
                waiting_on=rows.waits.of(monument.id, site.id),
                exact_locations=exact_locations,
                evidence=evidence.get(monument.id),
            )
            for monument in rows.monuments
        ]
    )
    events = session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    statements = restorations.site_statements(session=session, site_id=site.id, as_of=as_of)
    return StateOfConservationReport(
        property=PropertyInfo.model_validate(site, from_attributes=True),
        as_of=as_of,
        property_statements=[
            StatementEntry.model_validate(restorations.read_values(statement))
            for statement in statements
        ],
        monuments=entries,
        summary=_summarise(entries),
        comparison=None if compare_to is None else _compare(session, site.id, entries, compare_to),
        provenance=Provenance(
            generated_at=utc_now(),
            data_as_of=as_of,
            audit_chain_head=audit.chain_head(session=session),
            audit_events=events,
        ),
    )


def registry_summary(*, session: Session, group_by: str, country: str | None) -> RegistrySummary:
    """Monuments counted by damage level, grouped by site, type, period or damage level."""
    condition = assessments.condition_query().subquery("condition")
    level = func.coalesce(condition.c.damage_level, UNASSESSED)
    group_columns = {
        "site": (cast(Site.id, String), Site.name),
        "type": (Monument.type, Monument.type),
        "period": (
            func.coalesce(Monument.period, "unknown"),
            func.coalesce(Monument.period, "unknown"),
        ),
        "damage_level": (level, level),
    }
    key, label = group_columns[group_by]
    query = (
        select(key.label("key"), label.label("label"), level.label("level"), func.count())
        .select_from(Monument)
        .join(Site, Site.id == Monument.site_id)
        .outerjoin(condition, condition.c.monument_id == Monument.id)
        .where(Monument.deleted_at.is_(None))
        .group_by(key, label, level)
    )
    if country:
        query = query.where(Site.country == country.upper())
    groups: dict[str, dict[str, Any]] = {}
    for row in session.execute(query).all():
        group = groups.setdefault(str(row.key), {"label": str(row.label), "levels": Counter()})
        group["levels"][row.level] += row[3]
    summary_groups = [
        SummaryGroup(
            key=group_key,
            label=group["label"],
            monuments=sum(group["levels"].values()),
            by_damage_level=DamageLevelCounts(**group["levels"]),
        )
        for group_key, group in sorted(groups.items(), key=lambda item: item[1]["label"])
    ]
    return RegistrySummary(
        group_by=group_by,
        country=country.upper() if country else None,
        monuments=sum(g.monuments for g in summary_groups),
        groups=summary_groups,
    )


def embedded_thumbnails(
    *, session: Session, storage: Storage, site_id: int, as_of: date
) -> dict[int, str]:
    """Each monument's latest thumbnail as a data URI, for a report that must be readable
    offline and printable (derivatives carry no metadata, so any reader may see them)."""
    embedded = {}
    keys = latest_thumbnail_keys(session=session, site_id=site_id, as_of=as_of)
    for monument_id, key in keys.items():
        try:
            with storage.open(key) as thumbnail:
                encoded = base64.b64encode(thumbnail.read()).decode("ascii")
        except StorageError:
            continue  # a missing file is reported by `media check`; the report still renders
        embedded[monument_id] = f"data:image/jpeg;base64,{encoded}"
    return embedded


def printable(
    *, session: Session, storage: Storage, report: StateOfConservationReport, pdf: bool
) -> bytes:
    """The report as its printable HTML page (latest photos embedded), or that page as PDF."""
    thumbnails = embedded_thumbnails(
        session=session, storage=storage, site_id=report.property.id, as_of=report.as_of
    )
    html = formats.to_html(report, thumbnails)
    return formats.to_pdf(html) if pdf else html.encode("utf-8")


@dataclass(frozen=True)
class RenderedReport:
    """A report in one of its file formats, as it is sent."""

    body: bytes
    media_type: str
    file_name: str


def render_report(
    *, session: Session, storage: Storage, report: StateOfConservationReport, format: str
) -> RenderedReport:
    """The report as CSV, GeoJSON, HTML or PDF (the API and the web pages send the same)."""
    if format == "csv":
        body = formats.to_csv(report)
    elif format == "geojson":
        body = formats.to_geojson(report).model_dump_json(exclude_none=True).encode()
    else:
        body = printable(session=session, storage=storage, report=report, pdf=format == "pdf")
    stem = f"state-of-conservation-site-{report.property.id}-{report.as_of.isoformat()}"
    return RenderedReport(
        body=body, media_type=formats.MEDIA_TYPES[format], file_name=f"{stem}.{format}"
    )
