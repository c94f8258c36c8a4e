"""Building reports from the recorded evidence, in the database.

The per-monument "latest verified assessment as of a date" and "plan of record as of a
date" are each one windowed query over the site's monuments (see
`assessments.condition_query` and `restoration.plan_query`), so a report costs a fixed
number of queries whatever the number of assessments, and only one row per monument comes
back; the summary is then tallied from the per-monument rows the report lists anyway.
"""

import base64
from collections import Counter, defaultdict
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import String, cast, func, select
from sqlmodel import Session

from app.assessments import service as assessments
from app.assessments.models import DamageLevel
from app.audit import service as audit
from app.audit.models import AuditEvent
from app.catalogue import service as catalogue
from app.core.db import UTCDateTime, columns
from app.core.errors import Unprocessable
from app.core.gc_pause import gc_paused
from app.core.http import etag_for, render
from app.core.storage import Storage, StorageError
from app.core.time import NOW, TimeAxes, end_of_day, today_utc, utc_now
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.photos.models import Photo
from app.property import service as property_records
from app.property.models import (
    Benchmark,
    BenchmarkStatus,
    CommitteeDecision,
    CorrectiveMeasure,
    FactorStatus,
    MeasureStatus,
    Mission,
    PropertyAttribute,
    PropertyFactor,
)
from app.reports import formats
from app.reports.schemas import (
    UNASSESSED,
    Comparison,
    ComponentEntry,
    DamageLevelCounts,
    EvidenceEntry,
    Factor,
    LevelChange,
    MonumentEntry,
    PrerequisiteNeed,
    PropertyInfo,
    Provenance,
    RegistrySummary,
    ReportAttribute,
    ReportBenchmark,
    ReportDecision,
    ReportFactor,
    ReportMeasure,
    ReportMission,
    ReportSource,
    ReportSummary,
    RestorationNeeds,
    StatementEntry,
    StateOfConservationReport,
    SummaryGroup,
    level_or_unassessed,
)
from app.restoration import service as restorations
from app.restoration.models import Prerequisite, RestorationStatus
from app.restoration.schemas import MoneyRead
from app.sites.models import Site
from app.sources import service as sources

PRIORITY_KEYS = ("urgent", "high", "medium", "low", "unstated")
_PREREQUISITE_ORDER = list(Prerequisite)


def _site_monument_ids(site_id: int) -> Any:
    return select(Monument.id).where(Monument.site_id == site_id).scalar_subquery()


@dataclass(frozen=True)
class _ReportRows:
    monuments: list[Any]
    conditions: dict[int, dict[str, Any]]
    plans: dict[int, Any]
    waits: restorations.Waits


def _report_rows(session: Session, site_id: int, axes: TimeAxes) -> _ReportRows:
    """The site's monuments, their conditions, plans of record and what they wait on at
    `axes`: four queries, joined here by monument id. (Joining the windowed plan query to the
    monuments in SQL leaves planners short of statistics on its result, and both SQLite and
    PostgreSQL were seen to rescan it per monument.)"""
    in_site = _site_monument_ids(site_id)
    # Plain rows, not ORM objects: a report reads thousands of monuments and changes none.
    monuments = session.execute(
        select(*Monument.__table__.columns)
        .where(Monument.site_id == site_id, *catalogue.recorded_at(axes))
        .order_by(Monument.id)
    ).all()
    histories = assessments.counted_histories(session=session, monument_ids=in_site, axes=axes)
    plans = session.execute(restorations.plan_query(axes, in_site)).all()
    waits = restorations.waits(session=session, monument_ids=in_site, site_ids=[site_id], axes=axes)
    return _ReportRows(
        monuments=list(monuments),
        conditions={
            monument_id: assessments.derive_condition(history)
            for monument_id, history in histories.items()
        },
        plans={row.monument_id: row for row in plans},
        waits=waits,
    )


def _conditions_at(session: Session, site_id: int, axes: TimeAxes) -> dict[int, Any]:
    condition = assessments.condition_query(axes, _site_monument_ids(site_id)).subquery()
    rows = session.execute(
        select(condition.c.monument_id, condition.c.damage_level, condition.c.assessment_id)
    ).all()
    return {row.monument_id: row for row in rows}


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
    generalised = monuments.location_withheld(monument, exact_locations=exact_locations)
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
        "names": monument.names,
        "identifiers": monument.identifiers,
        "type": monument.type,
        "period": monument.period,
        "lat": monument.public_lat if generalised else monument.lat,
        "lon": monument.public_lon if generalised else monument.lon,
        "location_generalised": generalised,
        "condition": condition,
        "evidence": evidence or {"photos": 0, "latest_photo_on": None},
        "restoration": None
        if restoration is None
        else {**restorations.read_values(restoration), "estimated_cost": cost},
        "waiting_on": sorted(waiting_on, key=_PREREQUISITE_ORDER.index),
        # Given, not defaulted: pydantic deep-copies a mutable default for every line.
        "components": [],
        "current_factor_codes": [],
        "potential_factor_codes": [],
        "source_ids": [],
    }


_MONUMENT_ENTRIES = TypeAdapter(list[MonumentEntry])


def _summarise(entries: list[MonumentEntry]) -> ReportSummary:
    levels = Counter(level_or_unassessed(e.condition) for e in entries)
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
    session: Session,
    site_id: int,
    entries: list[MonumentEntry],
    compare_to: date,
    axes: TimeAxes,
) -> Comparison:
    """What changed between `compare_to` and the report's `as_of`, both read under the same
    `known_at`."""
    earlier = _conditions_at(session, site_id, TimeAxes(as_of=compare_to, known_at=axes.known_at))
    changes = []
    for entry in entries:
        before = earlier.get(entry.id)
        before_level = level_or_unassessed(before)
        after_level = level_or_unassessed(entry.condition)
        if before_level != after_level:
            changes.append(
                LevelChange(
                    monument_id=entry.id,
                    name=entry.name,
                    from_level=before_level,
                    to_level=after_level,
                    from_assessment_id=before.assessment_id if before else None,
                    to_assessment_id=entry.condition.assessment_id if entry.condition else None,
                )
            )
    return Comparison(compare_to=compare_to, changes=changes)


def _photos_at(site_id: int, axes: TimeAxes) -> list[Any]:
    """Photos of the site's monuments at `axes`: taken (else uploaded) by the end of
    `as_of`, uploaded by `known_at`."""
    held = [Photo.monument_id.in_(_site_monument_ids(site_id))]
    if axes.as_of is not None:
        held.append(func.coalesce(Photo.taken_at, Photo.created_at) < end_of_day(axes.as_of))
    if axes.known_by is not None:
        held.append(Photo.created_at < axes.known_by)
    return held


def evidence_for(*, session: Session, site_id: int, axes: TimeAxes) -> dict[int, EvidenceEntry]:
    """Photo evidence per monument of the site at `axes`, and the date of the latest
    (taken, or else uploaded)."""
    shot_at = func.coalesce(Photo.taken_at, Photo.created_at)
    rows = session.execute(
        select(Photo.monument_id, func.count(), func.max(shot_at, type_=UTCDateTime()))
        .where(*_photos_at(site_id, axes))
        .group_by(Photo.monument_id)
    ).all()
    return {
        monument_id: EvidenceEntry(photos=count, latest_photo_on=latest.date())
        for monument_id, count, latest in rows
    }


def latest_thumbnail_keys(*, session: Session, site_id: int, axes: TimeAxes) -> dict[int, str]:
    """Storage key of the thumbnail of each monument's latest photo at `axes`."""
    rank = func.row_number().over(
        partition_by=Photo.monument_id,
        order_by=(func.coalesce(Photo.taken_at, Photo.created_at).desc(), Photo.id.desc()),
    )
    ranked = (
        select(Photo.monument_id, Photo.thumbnail_key, rank.label("rank"))
        .where(*_photos_at(site_id, axes))
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
    axes: TimeAxes,
    compare_to: date | None,
    exact_locations: bool,
) -> StateOfConservationReport:
    """The property's state of conservation at `axes`: on the `as_of` date (default
    today), as the registry knew it at `known_at` (default now)."""
    as_of = axes.as_of or today_utc()
    if compare_to is not None and compare_to > as_of:
        raise Unprocessable.at(
            ("query", "compare_to"),
            f"compare_to ({compare_to}) must be on or before as_of ({as_of}): it names the "
            "earlier date to list changes since.",
            msg="after as_of",
        )
    axes = TimeAxes(as_of=as_of, known_at=axes.known_at)
    rows = _report_rows(session, site.id, axes)
    evidence = evidence_for(session=session, site_id=site.id, axes=axes)
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
    comparison = None
    if compare_to is not None:
        comparison = _compare(session, site.id, entries, compare_to, axes)
    statements = [
        StatementEntry.model_validate(restorations.read_values(statement))
        for statement in restorations.site_statements(session=session, site_id=site.id, axes=axes)
    ]
    layer = _property_layer(session, site, axes, entries)
    cited = _cite(session, entries, statements, layer.cited)
    summary = _summarise(entries)
    summary.factors_current = sum(f.status == FactorStatus.current for f in layer.factors)
    summary.factors_potential = sum(f.status == FactorStatus.potential for f in layer.factors)
    summary.corrective_measures_open = sum(
        m.status in (MeasureStatus.planned, MeasureStatus.in_progress) for m in layer.measures
    )
    summary.benchmarks = len(layer.benchmarks)
    summary.benchmarks_met = sum(b.status == BenchmarkStatus.met for b in layer.benchmarks)
    return StateOfConservationReport(
        property=PropertyInfo.model_validate(
            {
                **columns(site),
                "monuments_outside_boundary": property_records.monuments_outside(
                    site=site, monuments=rows.monuments
                ),
            }
        ),
        factors=layer.factors,
        corrective_measures=layer.measures,
        benchmarks=layer.benchmarks,
        decisions=layer.decisions,
        missions=layer.missions,
        attributes=layer.attributes,
        as_of=as_of,
        known_at=axes.known_at,
        notice=_empty_notice(entries, axes),
        property_statements=statements,
        monuments=entries,
        summary=summary,
        comparison=comparison,
        sources=cited,
        provenance=Provenance(
            generated_at=utc_now(),
            data_as_of=as_of,
            known_at=axes.known_at,
            audit_chain_head=audit.chain_head(session=session),
            audit_events=events,
        ),
    )


@dataclass
class _PropertyLayer:
    factors: list[ReportFactor]
    measures: list[ReportMeasure]
    benchmarks: list[ReportBenchmark]
    decisions: list[ReportDecision]
    missions: list[ReportMission]
    attributes: list[ReportAttribute]

    @property
    def cited(self) -> list[Any]:
        """Its entries in the order the report prints them (attributes after missions)."""
        return [
            *self.factors,
            *self.measures,
            *self.benchmarks,
            *self.decisions,
            *self.missions,
            *self.attributes,
        ]


def _property_layer(
    session: Session, site: Site, axes: TimeAxes, entries: list[MonumentEntry]
) -> _PropertyLayer:
    """Sections 1-5 of the Committee's structure, and the components and factors of each
    monument line. Records entered after `known_at` are left out, and so are factors since,
    decisions taken and missions begun after `as_of`; a factor that staff have not confirmed
    (derived from disturbances) is not reported."""
    known_by, as_of = axes.known_by, axes.as_of or today_utc()

    def recorded(model: type) -> list[Any]:
        found = property_records.list_records(session=session, model=model, site_id=site.id)
        return [r for r in found if known_by is None or r.created_at < known_by]

    def by(day: date | None) -> bool:
        return day is None or day <= as_of

    factors = [f for f in recorded(PropertyFactor) if f.confirmed and by(f.since)]
    # Current first, then potential: a potential factor is never listed or counted as current.
    factors.sort(key=lambda f: (f.status != FactorStatus.current, f.id))
    by_monument = {entry.id: entry for entry in entries}
    components = [
        c
        for c in property_records.components_of_site(session=session, site_id=site.id)
        if known_by is None or c.created_at < known_by
    ]
    # Only monuments with recorded components can have them judged: most properties have
    # none, and reading every assessment's judgements would cost as much as the report.
    with_components = sorted({c.monument_id for c in components} & by_monument.keys())
    judged = (
        assessments.component_conditions(session=session, axes=axes, monument_ids=with_components)
        if with_components
        else {}
    )
    levels: dict[int, Any] = {}
    for component in components:
        entry = by_monument.get(component.monument_id)
        if entry is None:
            continue
        state = judged.get(component.monument_id, {}).get(component.id)
        line = ComponentEntry(id=component.id, name=component.name, **(state or {
            "damage_level": None, "observed_on": None, "assessment_id": None, "note": None
        }))  # fmt: skip
        entry.components.append(line)
        levels[component.id] = line.damage_level
    for factor in factors:
        for monument_id in factor.monument_ids:
            if monument_id in by_monument:
                codes = (
                    by_monument[monument_id].current_factor_codes
                    if factor.status == FactorStatus.current
                    else by_monument[monument_id].potential_factor_codes
                )
                codes.append(factor.code)
    attributes = []
    for attribute in recorded(PropertyAttribute):
        found = [
            by_monument[m].condition.damage_level
            for m in attribute.monument_ids
            if m in by_monument and by_monument[m].condition
        ] + [levels[c] for c in attribute.component_ids if levels.get(c)]
        affecting = [f for f in factors if attribute.id in f.attribute_ids]
        attributes.append(
            ReportAttribute(
                **columns(attribute),
                worst_damage_level=max(found, key=assessments.LEVEL_RANK.__getitem__)
                if found
                else UNASSESSED,
                current_factor_codes=[
                    f.code for f in affecting if f.status == FactorStatus.current
                ],
                potential_factor_codes=[
                    f.code for f in affecting if f.status == FactorStatus.potential
                ],
            )
        )
    decisions = [d for d in recorded(CommitteeDecision) if by(d.decided_on)]
    decisions.sort(key=lambda d: (d.decided_on or date.max, d.id))
    missions = [m for m in recorded(Mission) if by(m.started_on)]
    missions.sort(key=lambda m: (m.started_on or date.max, m.id))
    return _PropertyLayer(
        factors=[ReportFactor.model_validate(property_records.factor_fields(f)) for f in factors],
        measures=[ReportMeasure.model_validate(columns(m)) for m in recorded(CorrectiveMeasure)],
        benchmarks=[ReportBenchmark.model_validate(columns(b)) for b in recorded(Benchmark)],
        decisions=[ReportDecision.model_validate(columns(d)) for d in decisions],
        missions=[ReportMission.model_validate(columns(m)) for m in missions],
        attributes=attributes,
    )


_SOURCE_FIELDS = [name for name in ReportSource.model_fields if name != "number"]


def _cite(
    session: Session,
    entries: list[MonumentEntry],
    statements: list[StatementEntry],
    property_entries: list[Any],
) -> list[ReportSource]:
    """Fill in what each line and each statement cites, and number the sources: each
    monument's condition rests on its assessment and on those bounding when it was reached,
    its restoration line on its plan of record (two queries)."""
    assessment_ids: dict[int, list[int]] = {}
    for entry in entries:
        condition = entry.condition
        if condition is not None:
            window = condition.damage_window
            bounds = [window.after_assessment_id, window.by_assessment_id] if window else []
            assessment_ids[entry.id] = [condition.assessment_id, *filter(None, bounds)]
    by_assessment = sources.cited_by(
        session=session,
        owner=assessments.CITING,
        owner_ids={i for ids in assessment_ids.values() for i in ids},
    )
    restoration_ids = [e.restoration.id for e in entries if e.restoration] + [
        statement.id for statement in statements
    ]
    by_restoration = sources.cited_by(
        session=session, owner=restorations.CITING, owner_ids=restoration_ids
    )
    numbered: dict[int, ReportSource] = {}

    def cite(found: list[Any]) -> list[int]:
        for source in found:
            if source.id not in numbered:
                # Read field by field: a stored kind comes back as text, not as its enum.
                fields = {name: getattr(source, name) for name in _SOURCE_FIELDS}
                numbered[source.id] = ReportSource(**fields, number=len(numbered) + 1)
        return list(dict.fromkeys(source.id for source in found))

    # The property's sections come first in the report, so their sources are numbered first.
    recorded = {
        source.id: source
        for source in sources.require_sources(
            session=session,
            source_ids=list(dict.fromkeys(i for e in property_entries for i in e.source_ids)),
        )
    }
    for property_entry in property_entries:
        property_entry.source_ids = cite([recorded[i] for i in property_entry.source_ids])
    for statement in statements:
        statement.source_ids = cite(by_restoration.get(statement.id, []))
    for entry in entries:
        found = [s for i in assessment_ids.get(entry.id, []) for s in by_assessment.get(i, [])]
        if entry.restoration is not None:
            found += by_restoration.get(entry.restoration.id, [])
        entry.source_ids = cite(found)
    return list(numbered.values())


def _empty_notice(entries: list[MonumentEntry], axes: TimeAxes) -> str | None:
    """Why a report lists nothing, when `known_at` is the reason."""
    if entries or axes.known_at is None:
        return None
    return (
        f"The registry held no monument of this property at {axes.known_at} (known_at): "
        "everything it holds now was recorded later. Omit known_at to read what it holds now."
    )


def registry_summary(
    *, session: Session, group_by: str, country: str | None, axes: TimeAxes = NOW
) -> RegistrySummary:
    """Monuments counted by damage level at `axes`, grouped by site, type, period or damage
    level."""
    condition = assessments.condition_query(axes).subquery("condition")
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
        .where(*catalogue.recorded_at(axes))
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
        as_of=axes.as_of or today_utc(),
        known_at=axes.known_at,
        group_by=group_by,
        country=country.upper() if country else None,
        monuments=sum(g.monuments for g in summary_groups),
        groups=summary_groups,
    )


def embedded_thumbnails(
    *, session: Session, storage: Storage, site_id: int, axes: TimeAxes
) -> dict[int, str]:
    """Each monument's latest thumbnail as a data URI, for a report that must be readable
    offline and printable (derivatives carry no metadata, so any reader may see them)."""
    embedded = {}
    keys = latest_thumbnail_keys(session=session, site_id=site_id, axes=axes)
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
        session=session,
        storage=storage,
        site_id=report.property.id,
        axes=TimeAxes(as_of=report.as_of, known_at=report.known_at),
    )
    html = formats.to_html(report, thumbnails)
    return formats.to_pdf(html) if pdf else html.encode("utf-8")


def report_etag(report: StateOfConservationReport, format: str) -> str:
    """The report's validator in a format: a hash of its data, not of its bytes, which
    carry the generation time (so an unchanged registry answers `304` to every revalidation,
    and a PDF is never rendered just to compare it)."""
    data = report.model_dump_json(exclude={"provenance": {"generated_at"}})
    return etag_for(f"{format}\n{data}".encode())


# Provenance is the report's last field and the generation time its first.
_GENERATED_AT = b'"provenance":{"generated_at":'


def json_with_etag(report: StateOfConservationReport) -> tuple[bytes, str]:
    """The JSON report's bytes and its `report_etag`, from a single serialisation: the
    data the ETag hashes is the body without the generation time, cut out of it."""
    body = render(report)
    start = body.rindex(_GENERATED_AT) + len(b'"provenance":{')
    end = body.index(b",", start + len(b'"generated_at":"')) + 1
    return body, etag_for(b"json\n" + body[:start] + body[end:])


def _report_file_name(report: StateOfConservationReport, format: str) -> str:
    return f"state-of-conservation-site-{report.property.id}-{report.as_of.isoformat()}.{format}"


_PRINTABLE = ("html", "pdf")


def _never_held(etag: str) -> bool:
    return False


def state_of_conservation_document(
    *,
    session: Session,
    storage: Storage,
    site: Site,
    axes: TimeAxes,
    compare_to: date | None = None,
    exact_locations: bool,
    format: str,
    held: Callable[[str], bool] = _never_held,
) -> tuple[str, formats.RenderedReport | None]:
    """The report's ETag and the report as sent in `format`; no body when `held(etag)` (the
    client holds it already: a PDF is never rendered just to answer `304`).

    JSON, CSV and GeoJSON are built with the cyclic garbage collector paused (`gc_paused`):
    the report is only bytes when the pause ends, so none of its objects is ever walked by a
    collection. HTML and PDF are not: laying out a page may make cyclic garbage for as long
    as it runs, and it costs far more than the collections.
    """
    with nullcontext() if format in _PRINTABLE else gc_paused():
        report = state_of_conservation(
            session=session,
            site=site,
            axes=axes,
            compare_to=compare_to,
            exact_locations=exact_locations,
        )
        document = _document(
            session=session, storage=storage, report=report, format=format, held=held
        )
        # Freed inside the pause: alive when it ends, the report's objects (one per monument
        # and more) would all be walked by the first collection after it, for nothing.
        del report
    return document


def _document(
    *,
    session: Session,
    storage: Storage,
    report: StateOfConservationReport,
    format: str,
    held: Callable[[str], bool],
) -> tuple[str, formats.RenderedReport | None]:
    if format == "json":
        body, etag = json_with_etag(report)
        if held(etag):
            return etag, None
        return etag, formats.RenderedReport(
            body=body,
            media_type=formats.MEDIA_TYPES[format],
            file_name=_report_file_name(report, format),
        )
    etag = report_etag(report, format)
    if held(etag):
        return etag, None
    return etag, render_report(session=session, storage=storage, report=report, format=format)


def render_report(
    *, session: Session, storage: Storage, report: StateOfConservationReport, format: str
) -> formats.RenderedReport:
    """The report as CSV, GeoJSON, HTML or PDF (the API and the web pages send the same)."""
    if format == "csv":
        body = formats.to_csv(report)
    elif format == "geojson":
        body = formats.geojson_bytes(formats.to_geojson(report))
    else:
        body = printable(session=session, storage=storage, report=report, pdf=format == "pdf")
    return formats.RenderedReport(
        body=body,
        media_type=formats.MEDIA_TYPES[format],
        file_name=_report_file_name(report, format),
    )
