"""Restoration records: opinions on a monument and statements about a whole property, the
plan of record among them, prerequisites until they are met, status transitions, money."""

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    exists,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Session

from app.assessments.models import AssessmentStatus, DamageAssessment
from app.core.actors import Caller, shown_actor
from app.core.db import get_or_not_found
from app.core.errors import Conflict, Unprocessable
from app.core.time import NOW, TimeAxes, utc_now
from app.monuments.models import Monument
from app.restoration.models import (
    Prerequisite,
    PrerequisiteStatus,
    RestorationAssessment,
    RestorationAssessmentSource,
    RestorationKind,
    RestorationStatus,
)
from app.restoration.schemas import (
    MoneyRead,
    Opinions,
    RestorationOutlook,
    RestorationRead,
    RestorationSummary,
)
from app.sources import service as sources
from app.sources.models import Source

S = RestorationStatus
# The link table's column naming the restoration record: what `app.sources` needs to read
# and write its citations.
CITING = RestorationAssessmentSource.restoration_assessment_id
# Where each status may go next; `completed` is final.
TRANSITIONS: dict[RestorationStatus, frozenset[RestorationStatus]] = {
    S.proposed: frozenset({S.approved, S.on_hold}),
    S.approved: frozenset({S.in_progress, S.on_hold}),
    S.in_progress: frozenset({S.completed, S.on_hold}),
    S.on_hold: frozenset({S.proposed, S.approved, S.in_progress}),
    S.completed: frozenset(),
}
# The statuses a new (proposed) record passes through to reach each one.
PATHS: dict[RestorationStatus, tuple[RestorationStatus, ...]] = {
    S.proposed: (),
    S.approved: (S.approved,),
    S.on_hold: (S.on_hold,),
    S.in_progress: (S.approved, S.in_progress),
    S.completed: (S.approved, S.in_progress, S.completed),
}
# Opinions that have been through approval (the "latest approved" one is the plan of record).
APPROVED = frozenset({S.approved, S.in_progress, S.completed})
THOUSANDTHS = Decimal(1000)


# --- money ---------------------------------------------------------------------------------


def to_thousandths(amount: Decimal) -> int:
    """An exact amount as an integer count of thousandths."""
    return int(amount * THOUSANDTHS)


def format_amount(thousandths: int) -> str:
    """Thousandths as a decimal string: two places, three when the amount needs them."""
    amount = Decimal(thousandths) / THOUSANDTHS
    places = Decimal("0.01") if thousandths % 10 == 0 else Decimal("0.001")
    return str(amount.quantize(places))


# --- reading -------------------------------------------------------------------------------


def path_to(status: RestorationStatus) -> tuple[RestorationStatus, ...]:
    """The status changes that take a new (proposed) record to `status`, one by one."""
    return PATHS[status]


def get_restoration(
    *, session: Session, restoration_id: int, for_update: bool = False
) -> RestorationAssessment:
    """The restoration assessment with this id, or `NotFound`."""
    return get_or_not_found(
        session,
        RestorationAssessment,
        restoration_id,
        "restoration assessment",
        for_update=for_update,
    )


def _latest_first(query: Select) -> Select:
    return query.order_by(RestorationAssessment.assessed_on.desc(), RestorationAssessment.id.desc())


R = RestorationAssessment
# The plan of record: a technical assessment of the monument itself that reached approval.
# Statements, and anything about the whole property, never are.
PLAN = (R.kind == RestorationKind.technical_assessment, R.status.in_(APPROVED))


def recorded_at(axes: TimeAxes) -> list[Any]:
    """Restoration records at `axes`: made by `as_of`, entered by `known_at`."""
    recorded = []
    if axes.as_of is not None:
        recorded.append(R.assessed_on <= axes.as_of)
    if axes.known_by is not None:
        recorded.append(R.created_at < axes.known_by)
    return recorded


def _day(axes: TimeAxes) -> date | None:
    """The day prerequisites are judged on: one met only after it was still open then."""
    if axes.as_of is not None or axes.known_at is None:
        return axes.as_of
    known_at = axes.known_at
    return known_at.date() if isinstance(known_at, datetime) else known_at


def latest_approved_id(*, session: Session, monument_id: int | None) -> int | None:
    """The monument's plan of record: its most recent technical assessment that reached
    approval (None for a site, which has no plan)."""
    if monument_id is None:
        return None
    query = select(R.id).where(R.monument_id == monument_id, *PLAN)
    return session.scalars(_latest_first(query).limit(1)).first()


def list_for_monument(
    *, session: Session, monument_id: int, after_id: int | None, limit: int
) -> Sequence[RestorationAssessment]:
    """Every opinion on the monument, in id order; one more than `limit`."""
    return _list(session, R.monument_id == monument_id, after_id, limit)


def list_for_site(
    *, session: Session, site_id: int, after_id: int | None, limit: int
) -> Sequence[RestorationAssessment]:
    """Every statement about the site as a whole, in id order; one more than `limit`."""
    return _list(session, R.site_id == site_id, after_id, limit)


def count_for_site(*, session: Session, site_id: int) -> int:
    """How many statements about the site as a whole are recorded."""
    return session.scalar(select(func.count()).select_from(R).where(R.site_id == site_id)) or 0


def _list(
    session: Session, about: Any, after_id: int | None, limit: int
) -> Sequence[RestorationAssessment]:
    query = select(R).where(about)
    if after_id is not None:
        query = query.where(R.id > after_id)
    return session.scalars(query.order_by(R.id).limit(limit + 1)).all()


def site_statements(
    *, session: Session, site_id: int, axes: TimeAxes = NOW
) -> Sequence[RestorationAssessment]:
    """What was recorded about the site as a whole (at `axes`), oldest first."""
    query = select(R).where(R.site_id == site_id)
    query = query.where(*recorded_at(axes))
    return session.scalars(query.order_by(R.assessed_on, R.id)).all()


def _ranked(
    conditions: Sequence[Any],
    recorded: Sequence[Any],
    monument_ids: Collection[int] | Select | BindParameter | None,
    name: str,
) -> Select:
    """Per monument, its latest restoration record meeting `conditions` and `recorded` (by
    `assessed_on`, then id)."""
    rank = func.row_number().over(
        partition_by=R.monument_id, order_by=(R.assessed_on.desc(), R.id.desc())
    )
    ranked = select(R, rank.label("rank")).where(R.monument_id.is_not(None), *conditions, *recorded)
    if monument_ids is not None:
        ranked = ranked.where(R.monument_id.in_(monument_ids))
    ranked = ranked.subquery(name)
    return select(ranked).where(ranked.c.rank == 1)


def latest_query(
    axes: TimeAxes = NOW,
    monument_ids: Collection[int] | Select | BindParameter | None = None,
) -> Select:
    """Per monument, its latest restoration record of any kind and status at `axes`;
    `monument_ids` limits the ranking to those monuments."""
    return _ranked((), recorded_at(axes), monument_ids, "ranked_restoration")


def plan_query(
    axes: TimeAxes = NOW,
    monument_ids: Collection[int] | Select | BindParameter | None = None,
) -> Select:
    """Per monument, its plan of record (see `PLAN`) at `axes`, as `latest_query` ranks."""
    return _ranked(PLAN, recorded_at(axes), monument_ids, "ranked_plan")


@lru_cache(maxsize=1)
def _records_about() -> Select:
    """Every restoration record about a list of monuments or about their sites: plain rows,
    for `for_monuments` to sort out. Built once: every read of a monument runs it, and
    building the statement costs more than running it."""
    return select(*R.__table__.columns).where(
        or_(
            R.monument_id.in_(bindparam("monument_ids", expanding=True)),
            R.site_id.in_(bindparam("site_ids", expanding=True)),
        )
    )


# --- prerequisites -------------------------------------------------------------------------


def stored_prerequisite(
    item: dict[str, Any], *, before: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A prerequisite (as `PrerequisiteItem` dumps it) as stored: one whose status was left
    out keeps the state it had (`before`), or is open."""
    if item.get("status") is None:
        kept = dict(before) if before else _open(item["prerequisite"])
        if item.get("source_id") is not None:
            kept["source_id"] = item["source_id"]
        return kept
    return {
        "prerequisite": str(item["prerequisite"]),
        "status": str(item["status"]),
        "met_on": item["met_on"].isoformat() if item.get("met_on") else None,
        "source_id": item.get("source_id"),
    }


def _open(prerequisite: str) -> dict[str, Any]:
    return {"prerequisite": str(prerequisite), "status": "open", "met_on": None, "source_id": None}


def open_prerequisites(items: Sequence[dict[str, Any]], as_of: date | None = None) -> list[str]:
    """The prerequisites still open (by the end of `as_of`: those met only later were open
    then)."""
    return [
        item["prerequisite"]
        for item in items
        if item["status"] == PrerequisiteStatus.open
        or (as_of is not None and item["met_on"] and date.fromisoformat(item["met_on"]) > as_of)
    ]


@dataclass(frozen=True)
class Waits:
    """What monuments wait on: the prerequisites open on the open restoration records about
    each monument and about each site as a whole."""

    monuments: dict[int, set[str]]
    sites: dict[int, set[str]]

    def of(self, monument_id: int, site_id: int) -> set[str]:
        """What this monument (of this site) waits on."""
        return self.monuments.get(monument_id, set()) | self.sites.get(site_id, set())


def waits(
    *,
    session: Session,
    monument_ids: Collection[int] | Select,
    site_ids: Collection[int],
    axes: TimeAxes = NOW,
) -> Waits:
    """What monuments wait on (see `Waits`), from the records about these monuments or
    sites, as things stood at `axes`. A record is open until it is completed."""
    query = select(R.monument_id, R.site_id, R.prerequisites).where(
        R.status != RestorationStatus.completed,
        or_(R.monument_id.in_(monument_ids), R.site_id.in_(site_ids)),
    )
    query = query.where(*recorded_at(axes))
    found = Waits(monuments=defaultdict(set), sites=defaultdict(set))
    for monument_id, site_id, items in session.execute(query):
        still_open = open_prerequisites(items, _day(axes))
        if monument_id is not None:
            found.monuments[monument_id].update(still_open)
        else:
            found.sites[site_id].update(still_open)
    return found


def _lists_open(session: Session, prerequisite: Prerequisite) -> ColumnElement[bool]:
    """SQL: the record lists `prerequisite` as open. JSON is queried differently by each
    database: containment on PostgreSQL's JSONB, `json_each` on SQLite."""
    wanted = {"prerequisite": str(prerequisite), "status": str(PrerequisiteStatus.open)}
    if session.get_bind().dialect.name == "postgresql":
        return R.prerequisites.op("@>")(type_coerce([wanted], JSONB))
    item = func.json_each(R.prerequisites).table_valued("value").alias("item")
    return exists().where(
        func.json_extract(item.c.value, "$.prerequisite") == wanted["prerequisite"],
        func.json_extract(item.c.value, "$.status") == wanted["status"],
    )


def monument_waits_on(*, session: Session, prerequisite: Prerequisite) -> ColumnElement[bool]:
    """SQL on `Monument`: it waits on `prerequisite`, that is, an open record (not completed)
    about the monument, or about its whole site, lists it as open."""
    listing = and_(R.status != RestorationStatus.completed, _lists_open(session, prerequisite))
    return or_(
        Monument.id.in_(select(R.monument_id).where(R.monument_id.is_not(None), listing)),
        Monument.site_id.in_(select(R.site_id).where(R.site_id.is_not(None), listing)),
    )


# --- presenting ----------------------------------------------------------------------------


_COLUMNS = tuple(column.key for column in R.__table__.columns)


def read_values(restoration: Any) -> dict[str, Any]:
    """A record's stored columns (from a model or a row) with what reads derive from them:
    the single figure, the claimant, prerequisites as words and with their status."""
    if isinstance(restoration, RestorationAssessment):
        values = {key: getattr(restoration, key) for key in _COLUMNS}
    else:
        # A row of this module's queries: the table's columns first, in order (asking a
        # row for its names costs more than the rest of this function together).
        values = dict(zip(_COLUMNS, restoration, strict=False))
    low, high = values["restorable_percent_min"], values["restorable_percent_max"]
    values["restorable_percent"] = low if low == high else None
    claimant = {
        "name": values.pop("claimant_name"),
        "role": values.pop("claimant_role"),
        "organisation": values.pop("claimant_organisation"),
    }
    values["claimant"] = claimant if any(claimant.values()) else None
    values["organisation"] = claimant["organisation"]
    items = values["prerequisites"]
    values["prerequisites"] = [item["prerequisite"] for item in items]
    values["prerequisite_status"] = items
    return values


def summarise(restoration: Any) -> RestorationSummary:
    """The summary shown beside a monument's condition (from a row or a model)."""
    return RestorationSummary.model_validate(read_values(restoration))


def citations(*, session: Session, restorations: Sequence[Any]) -> dict[int, list[Source]]:
    """The sources each of these restoration records cites (one query)."""
    return sources.cited_by(
        session=session, owner=CITING, owner_ids=[restoration.id for restoration in restorations]
    )


def present(
    restoration: Any,
    *,
    latest_approved: int | None,
    cited: Sequence[Source] = (),
    names_visible: bool = False,
) -> RestorationRead:
    """A restoration record (a model or a row), citing these sources, as the API shows it;
    its author by name only when `names_visible` (staff), else by role and key."""
    values = read_values(restoration)
    values.update(sources.shown_citations(cited))
    values["author"] = shown_actor(
        restoration.author, restoration.author_key_id, names=names_visible
    )
    thousandths = values.pop("estimated_cost_thousandths")
    currency = values.pop("estimated_cost_currency")
    values["estimated_cost"] = (
        None
        if thousandths is None
        else MoneyRead(amount=format_amount(thousandths), currency=currency)
    )
    values["is_latest_approved"] = restoration.id == latest_approved
    return RestorationRead.model_validate(values)


def present_many(
    *,
    session: Session,
    restorations: Sequence[Any],
    latest_approved: int | None,
    names_visible: bool = False,
) -> list[RestorationRead]:
    """Restoration records as the API shows them, each with the sources it cites (one
    query for all)."""
    cited = citations(session=session, restorations=restorations)
    return [
        present(
            r,
            latest_approved=latest_approved,
            cited=cited.get(r.id, []),
            names_visible=names_visible,
        )
        for r in restorations
    ]


def present_one(
    *, session: Session, restoration: RestorationAssessment, names_visible: bool = False
) -> RestorationRead:
    """A restoration record as the API shows it, knowing whether it is the plan, with the
    sources it cites."""
    latest = latest_approved_id(session=session, monument_id=restoration.monument_id)
    cited = citations(session=session, restorations=[restoration])
    return present(
        restoration,
        latest_approved=latest,
        cited=cited.get(restoration.id, []),
        names_visible=names_visible,
    )


@dataclass(frozen=True)
class MonumentRestoration:
    """What a monument's read shows of restoration: its latest record (any kind) and its
    outlook (plan of record, opinions, what it waits on)."""

    latest: RestorationSummary | None
    outlook: RestorationOutlook


def _newest(rows: Sequence[Any]) -> Any:
    return max(rows, key=lambda r: (r.assessed_on, r.id), default=None)


def for_monuments(
    *,
    session: Session,
    monuments: Sequence[tuple[int, int]],
    axes: TimeAxes = NOW,
) -> dict[int, MonumentRestoration]:
    """For each (monument id, site id): its latest restoration record, and its outlook at
    `axes`: the plan of record, the spread of every
    opinion about it or its site, what it waits on. One query, whatever the number: a
    monument has a handful of records, and its site a handful of statements."""
    if not monuments:
        return {}
    rows = session.execute(
        _records_about(),
        {
            "monument_ids": [monument_id for monument_id, _ in monuments],
            "site_ids": sorted({site_id for _, site_id in monuments}),
        },
    )
    day = _day(axes)
    about: dict[tuple[str, int], list[Any]] = defaultdict(list)
    recorded: dict[tuple[str, int], list[Any]] = defaultdict(list)
    for row in rows:
        key = ("monument", row.monument_id) if row.monument_id else ("site", row.site_id)
        about[key].append(row)
        if (axes.as_of is None or row.assessed_on <= axes.as_of) and (
            axes.known_by is None or row.created_at < axes.known_by
        ):
            recorded[key].append(row)
    found = {}
    for monument_id, site_id in monuments:
        own = recorded[("monument", monument_id)]
        every = own + recorded[("site", site_id)]
        plan = _newest(
            [
                r
                for r in own
                if r.kind == RestorationKind.technical_assessment and r.status in APPROVED
            ]
        )
        lows = [r.restorable_percent_min for r in every if r.restorable_percent_min is not None]
        highs = [r.restorable_percent_max for r in every if r.restorable_percent_max is not None]
        waiting = {
            prerequisite
            for r in every
            if r.status != RestorationStatus.completed
            for prerequisite in open_prerequisites(r.prerequisites, day)
        }
        latest = _newest(about[("monument", monument_id)])
        found[monument_id] = MonumentRestoration(
            latest=None if latest is None else summarise(latest),
            outlook=RestorationOutlook(
                plan_of_record=None if plan is None else present(plan, latest_approved=plan.id),
                opinions=Opinions(
                    count=len(every),
                    statements=sum(r.kind == RestorationKind.public_statement for r in every),
                    restorable_percent_min=min(lows, default=None),
                    restorable_percent_max=max(highs, default=None),
                ),
                waiting_on=sorted(waiting, key=_PREREQUISITE_ORDER.index),
            ),
        )
    return found


_PREREQUISITE_ORDER = list(Prerequisite)


# --- writing -------------------------------------------------------------------------------


def _subject_monuments(restoration: RestorationAssessment) -> Any:
    """The monuments a record is about: its monument, or every monument of its site."""
    if restoration.monument_id is not None:
        return DamageAssessment.monument_id == restoration.monument_id
    in_site = select(Monument.id).where(Monument.site_id == restoration.site_id)
    return DamageAssessment.monument_id.in_(in_site.scalar_subquery())


def _has_verified_damage(session: Session, restoration: RestorationAssessment) -> bool:
    query = select(DamageAssessment.id).where(
        _subject_monuments(restoration), DamageAssessment.status == AssessmentStatus.verified
    )
    return session.scalars(query.limit(1)).first() is not None


def _subject(restoration: RestorationAssessment) -> str:
    if restoration.monument_id is not None:
        return f"monument {restoration.monument_id}"
    return f"a monument of site {restoration.site_id}"


def _check(session: Session, restoration: RestorationAssessment) -> None:
    """Rules that involve more than one field or other records."""
    low, high = restoration.restorable_percent_min, restoration.restorable_percent_max
    if (low is None) != (high is None):
        missing = "restorable_percent_max" if high is None else "restorable_percent_min"
        raise Unprocessable.at(
            missing,
            "Give both restorable_percent_min and restorable_percent_max (a range), or "
            "restorable_percent (a single figure).",
        )
    if low is not None and high is not None and low > high:
        raise Unprocessable.at(
            "restorable_percent_min",
            f"restorable_percent_min ({low}) is above restorable_percent_max ({high}).",
        )
    if low is not None and not _has_verified_damage(session, restoration):
        where = (
            "this monument has no verified damage assessment yet"
            if restoration.monument_id is not None
            else "no monument of this site has a verified damage assessment yet"
        )
        raise Unprocessable.at(
            "restorable_percent",
            f"restorable_percent is a share of recorded damage, and {where}; record and "
            "verify one first.",
        )
    if (
        restoration.kind == RestorationKind.public_statement
        and restoration.claimant_name is None
        and restoration.claimant_organisation is None
    ):
        raise Unprocessable.at(
            "claimant",
            "A public statement is attributed: give claimant.name or claimant.organisation.",
        )
    if restoration.based_on_assessment_id is not None:
        basis = session.get(DamageAssessment, restoration.based_on_assessment_id)
        in_scope = (
            basis is not None
            and session.scalars(
                select(DamageAssessment.id).where(
                    DamageAssessment.id == basis.id, _subject_monuments(restoration)
                )
            ).first()
        )
        if not in_scope or basis.status != AssessmentStatus.verified:
            raise Unprocessable.at(
                "based_on_assessment_id",
                f"based_on_assessment_id must name a verified damage assessment of "
                f"{_subject(restoration)}; {restoration.based_on_assessment_id} is not one.",
            )
    if restoration.status == S.completed and restoration.completed_on is None:
        raise Unprocessable.at(
            "completed_on", "A completed restoration needs its completed_on date."
        )
    if restoration.completed_on is not None and restoration.status != S.completed:
        raise Unprocessable.at(
            "completed_on", "completed_on is only set when the status is completed."
        )
    if restoration.completed_on is not None and restoration.completed_on < restoration.assessed_on:
        raise Unprocessable.at("completed_on", "completed_on cannot be earlier than assessed_on.")


def _apply(restoration: RestorationAssessment, fields: dict[str, Any]) -> None:
    """Set the fields given, in the API's terms, on the stored columns."""
    fields = dict(fields)
    fields.pop("source_ids", None)  # citations are links, written by `sources.cite`
    if fields.get("restorable_percent") is not None:
        figure = fields["restorable_percent"]
        for end in ("restorable_percent_min", "restorable_percent_max"):
            if fields.get(end) not in (None, figure):
                raise Unprocessable.at(
                    end,
                    f"restorable_percent ({figure}) is a single figure and {end} "
                    f"({fields[end]}) differs from it; send one or the other.",
                )
            fields[end] = figure
    elif "restorable_percent" in fields:  # null: no figure at all
        fields.setdefault("restorable_percent_min", None)
        fields.setdefault("restorable_percent_max", None)
    fields.pop("restorable_percent", None)
    if "claimant" in fields:
        claimant = fields.pop("claimant") or {}
        said = claimant.get("organisation")
        if said is not None and fields.get("organisation") not in (None, said):
            raise Unprocessable.at(
                "organisation",
                "organisation and claimant.organisation differ; send one of them.",
            )
        restoration.claimant_name = claimant.get("name")
        restoration.claimant_role = claimant.get("role")
        restoration.claimant_organisation = claimant.get("organisation") or fields.get(
            "organisation"
        )
        fields.pop("organisation", None)
    if "organisation" in fields:
        restoration.claimant_organisation = fields.pop("organisation")
    if "prerequisites" in fields:
        before = {item["prerequisite"]: item for item in restoration.prerequisites or []}
        restoration.prerequisites = [
            stored_prerequisite(item, before=before.get(str(item["prerequisite"])))
            for item in fields.pop("prerequisites")
        ]
    for field, value in fields.items():
        if field == "estimated_cost":
            restoration.estimated_cost_thousandths = (
                None if value is None else to_thousandths(value["amount"])
            )
            restoration.estimated_cost_currency = None if value is None else value["currency"]
        else:
            setattr(restoration, field, value)


def create_restoration(
    *,
    session: Session,
    fields: dict[str, Any],
    actor: Caller,
    monument_id: int | None = None,
    site_id: int | None = None,
) -> RestorationAssessment:
    """A new, proposed restoration record about a monument or (a statement about the whole
    property) a site: exactly one of them."""
    if (monument_id is None) == (site_id is None):
        raise ValueError("a restoration record is about one monument or one site")
    cited = sources.require_sources(session=session, source_ids=fields.get("source_ids") or [])
    restoration = RestorationAssessment(
        monument_id=monument_id,
        site_id=site_id,
        assessed_on=fields["assessed_on"],
        author=actor.label,
        author_key_id=actor.key_id,
    )
    _apply(restoration, fields)
    if restoration.source is None and cited:
        restoration.source = sources.citation_text(cited)
    _check(session, restoration)
    return sources.record_creation(
        session=session, actor=actor, entity=restoration, owner=CITING, cited=cited
    )


def update_restoration(
    *,
    session: Session,
    restoration: RestorationAssessment,
    changes: dict[str, Any],
    actor: Caller,
) -> RestorationAssessment:
    """Edit an open restoration assessment and/or move it to its next status."""
    if restoration.status == S.completed:
        raise Conflict(
            f"Restoration assessment {restoration.id} is completed and can no longer change; "
            "record a new assessment instead."
        )
    target = changes.get("status", restoration.status)
    if target != restoration.status and target not in TRANSITIONS[restoration.status]:
        allowed = ", ".join(sorted(TRANSITIONS[restoration.status])) or "none"
        raise Conflict(
            f"A {restoration.status} restoration cannot become {target}; "
            f"from {restoration.status} it may become: {allowed}."
        )
    if "source_ids" in changes:
        sources.require_sources(session=session, source_ids=changes["source_ids"])
    before = sources.state(session=session, entity=restoration, owner=CITING)
    status_changed = target != restoration.status
    _apply(restoration, changes)
    # Checked before it is written: a flush of an unchecked basis would break its foreign key.
    with session.no_autoflush:
        _check(session, restoration)
    restoration.updated_at = utc_now()
    session.flush()
    sources.cite_changed(session=session, owner=CITING, owner_id=restoration.id, changes=changes)
    sources.record_write(
        session=session,
        actor=actor,
        action=f"status:{target}" if status_changed else "update",
        entity=restoration,
        owner=CITING,
        before=before,
    )
    return restoration
