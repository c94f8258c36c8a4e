"""The damage-assessment workflow, who may see what, and the conditions derived from it.

A monument's current condition is never stored: it is derived, when read, from its latest
verified assessment by `observed_on` (ties: the one verified last), leaving out assessments
that a verified correction supersedes. It can be read at two times (`TimeAxes`): `as_of`,
the date the condition held, counts the assessments observed by then, judged on everything
verified now; `known_at` counts only what was verified (and corrected) by then.
"""

from collections.abc import Collection, Sequence
from datetime import date, datetime
from functools import lru_cache
from itertools import combinations
from typing import Any

from pydantic_core import PydanticUndefined, to_jsonable_python
from sqlalchemy import (
    BindParameter,
    ClauseElement,
    Date,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
)
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.assessments.models import (
    CAUSE_CATEGORY,
    AssessmentStatus,
    DamageAssessment,
    DamageAssessmentSource,
    DamageLevel,
    ImagePair,
)
from app.assessments.schemas import AssessmentRead, CurrentCondition
from app.audit import service as audit
from app.core.actors import Caller, Role, shown_actor
from app.core.db import UTCDateTime, columns
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound, Unprocessable
from app.core.time import NOW, TimeAxes, utc_now
from app.monuments.models import Monument
from app.property import service as property_records
from app.sources import service as sources
from app.sources.models import Source

PUBLISHED = frozenset({AssessmentStatus.verified})
# The link table's column naming the assessment: what `app.sources` needs to read and write
# an assessment's citations.
CITING = DamageAssessmentSource.damage_assessment_id
# Decided by a reviewer: nothing of these changes any more, their evidence included.
REVIEWED = frozenset({AssessmentStatus.verified, AssessmentStatus.rejected})
REVIEWER_ROLES = frozenset({Role.admin, Role.staff})


# --- who may see and do what ---------------------------------------------------------------


def is_author(assessment: DamageAssessment, actor: Caller) -> bool:
    """Whether the actor wrote the assessment (and so may never review it)."""
    if actor.key_id is not None or assessment.author_key_id is not None:
        return assessment.author_key_id == actor.key_id
    return assessment.author == actor.label


def may_see(assessment: DamageAssessment, caller: Caller) -> bool:
    """Staff see everything; field teams also their own drafts; others only verified work."""
    if assessment.status in PUBLISHED or caller.role in REVIEWER_ROLES:
        return True
    return caller.role == Role.field and is_author(assessment, caller)


def _require_draft_editor(
    assessment: DamageAssessment, actor: Caller, doing: str, done: str
) -> None:
    """Only a draft changes, and only by its author or staff (edited, submitted)."""
    if actor.role not in REVIEWER_ROLES and not is_author(assessment, actor):
        raise Forbidden(f"Only the assessment's author or staff may {doing} it.")
    _require_status(assessment, AssessmentStatus.draft, done)


def _require_status(assessment: DamageAssessment, expected: AssessmentStatus, doing: str) -> None:
    if assessment.status == expected:
        return
    if assessment.status in (AssessmentStatus.verified, AssessmentStatus.rejected):
        raise Conflict(
            f"Assessment {assessment.id} is {assessment.status} and can no longer change; "
            "record a correction as a new assessment with `supersedes` set to its id."
        )
    raise Conflict(
        f"Assessment {assessment.id} is {assessment.status}; only a {expected} assessment "
        f"can be {doing}."
    )


# --- reading -------------------------------------------------------------------------------


def get_assessment(
    *, session: Session, assessment_id: int, caller: Caller, for_update: bool = False
) -> DamageAssessment:
    """The assessment, if it exists and the caller may see it; `NotFound` otherwise."""
    assessment = session.get(DamageAssessment, assessment_id, with_for_update=for_update)
    if assessment is None or not may_see(assessment, caller):
        raise NotFound(f"There is no damage assessment with id {assessment_id} visible to you.")
    return assessment


def list_history(
    *,
    session: Session,
    monument_id: int,
    caller: Caller,
    limit: int,
    status: AssessmentStatus | None = None,
    after: tuple[Any, ...] | None = None,
    axes: TimeAxes = NOW,
) -> Sequence[DamageAssessment]:
    """A monument's assessments in `observed_on` order (then id) that the caller may see:
    observed by `axes.as_of`, and entered (for the public: verified) by `axes.known_at`."""
    query = select(DamageAssessment).where(DamageAssessment.monument_id == monument_id)
    if status is not None:
        query = query.where(DamageAssessment.status == status)
    if axes.as_of is not None:
        query = query.where(DamageAssessment.observed_on <= axes.as_of)
    if axes.known_by is not None:
        query = query.where(DamageAssessment.created_at < axes.known_by)
    if caller.role not in REVIEWER_ROLES:
        visible = DamageAssessment.status.in_(PUBLISHED)
        if axes.known_by is not None:
            visible = and_(visible, DamageAssessment.reviewed_at < axes.known_by)
        if caller.role == Role.field:
            visible = or_(visible, DamageAssessment.author_key_id == caller.key_id)
        query = query.where(visible)
    if after is not None:
        observed_on, last_id = date.fromisoformat(after[0]), after[1]
        query = query.where(
            or_(
                DamageAssessment.observed_on > observed_on,
                and_(DamageAssessment.observed_on == observed_on, DamageAssessment.id > last_id),
            )
        )
    query = query.order_by(DamageAssessment.observed_on, DamageAssessment.id).limit(limit + 1)
    return session.scalars(query).all()


def list_awaiting_review(
    *, session: Session, after: tuple[Any, ...] | None, limit: int
) -> Sequence[DamageAssessment]:
    """Submitted assessments of live monuments, longest waiting first; one more than `limit`."""
    query = (
        select(DamageAssessment)
        .join(Monument, Monument.id == DamageAssessment.monument_id)
        .where(
            DamageAssessment.status == AssessmentStatus.submitted,
            Monument.deleted_at.is_(None),
        )
    )
    if after is not None:
        try:
            submitted_at, last_id = datetime.fromisoformat(after[0]), after[1]
        except ValueError:
            raise BadRequest(
                "The cursor is not one this service issued; use the link to the next page "
                "unchanged, or start from the first page."
            ) from None
        query = query.where(
            or_(
                DamageAssessment.submitted_at > submitted_at,
                and_(
                    DamageAssessment.submitted_at == submitted_at,
                    DamageAssessment.id > last_id,
                ),
            )
        )
    query = query.order_by(DamageAssessment.submitted_at, DamageAssessment.id).limit(limit + 1)
    return session.scalars(query).all()


def _counted(
    assessment: Any,
    *,
    as_of: date | BindParameter | None,
    known_by: datetime | BindParameter | None,
    monument_ids: Collection[int] | Select | BindParameter | None,
) -> list[Any]:
    """What makes an assessment count towards a condition read at these times: verified
    (by `known_by`, when given), observed by `as_of`, and not superseded by a verified
    correction (known by then)."""
    correction = aliased(DamageAssessment, name="correction")
    counted = [assessment.status == AssessmentStatus.verified]
    corrected = [
        correction.supersedes_id.is_not(None),
        correction.status == AssessmentStatus.verified,
    ]
    if monument_ids is not None:
        counted.append(assessment.monument_id.in_(monument_ids))
        # A correction is always of the same monument (see `_check_supersedes`).
        corrected.append(correction.monument_id.in_(monument_ids))
    if as_of is not None:
        counted.append(assessment.observed_on <= as_of)
    if known_by is not None:
        counted.append(assessment.reviewed_at < known_by)
        corrected.append(correction.reviewed_at < known_by)
    # Not correlated: the set of corrected ids is computed once (a hashed subplan on
    # PostgreSQL, an ephemeral index on SQLite), never re-scanned per assessment.
    counted.append(assessment.id.not_in(select(correction.supersedes_id).where(*corrected)))
    return counted


def condition_query(
    axes: TimeAxes = NOW,
    monument_ids: Collection[int] | Select | BindParameter | None = None,
) -> Select:
    """Per monument, its condition at `axes` (rank 1 of the assessments that count).

    `monument_ids` (a list or a subquery) limits the work to those monuments' assessments:
    planners cannot push a join condition into a windowed subquery, so without it every
    verified assessment in the registry is ranked.
    """
    assessment = aliased(DamageAssessment, name="assessment")
    counted = _counted(
        assessment, as_of=axes.as_of, known_by=axes.known_by, monument_ids=monument_ids
    )
    rank = func.row_number().over(
        partition_by=assessment.monument_id,
        order_by=(
            assessment.observed_on.desc(),
            assessment.reviewed_at.desc(),
            assessment.id.desc(),
        ),
    )
    ranked = (
        select(
            assessment.monument_id.label("monument_id"),
            assessment.id.label("assessment_id"),
            assessment.damage_level.label("damage_level"),
            assessment.extent_percent.label("extent_percent"),
            assessment.observed_on.label("observed_on"),
            assessment.method.label("method"),
            assessment.confidence.label("confidence"),
            assessment.causes.label("causes"),
            rank.label("rank"),
        )
        .where(*counted)
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rank == 1)


def component_conditions(
    *,
    session: Session,
    axes: TimeAxes = NOW,
    monument_ids: Collection[int] | Select,
) -> dict[int, dict[int, dict[str, Any]]]:
    """Per monument, per component: its level from the latest counted assessment that judged
    it ({damage_level, observed_on, assessment_id, note}); a component no assessment judged
    is absent. Counted as the monument's own condition is (verified, observed by `as_of`,
    known by `known_at`, not superseded)."""
    assessment = aliased(DamageAssessment, name="assessment")
    counted = _counted(
        assessment, as_of=axes.as_of, known_by=axes.known_by, monument_ids=monument_ids
    )
    rows = session.execute(
        select(
            assessment.monument_id,
            assessment.id,
            assessment.observed_on,
            assessment.component_conditions,
        )
        .where(*counted)
        .order_by(assessment.observed_on, assessment.reviewed_at, assessment.id)
    ).all()
    found: dict[int, dict[int, dict[str, Any]]] = {}
    for monument_id, assessment_id, observed_on, judged in rows:
        for item in judged or []:
            found.setdefault(monument_id, {})[item["component_id"]] = {
                "damage_level": item["damage_level"],
                "observed_on": observed_on,
                "assessment_id": assessment_id,
                "note": item.get("note"),
            }
    return found


def condition_from_row(row: Any) -> CurrentCondition | None:
    """A condition from a row carrying the columns of `condition_query` (None if unassessed)."""
    if row.assessment_id is None:
        return None
    return CurrentCondition(
        damage_level=row.damage_level,
        extent_percent=row.extent_percent,
        observed_on=row.observed_on,
        assessment_id=row.assessment_id,
    )


# --- conditions with their history: when a level was reached, and disputes ------------------

LEVEL_RANK = {level: rank for rank, level in enumerate(DamageLevel)}


def _history_query(
    *,
    as_of: date | BindParameter | None,
    known_by: datetime | BindParameter | None,
    monument_ids: Collection[int] | Select | BindParameter,
) -> Select:
    """The counted assessments of some monuments, oldest observation first (the order
    `condition_query` ranks by)."""
    assessment = DamageAssessment
    counted = _counted(assessment, as_of=as_of, known_by=known_by, monument_ids=monument_ids)
    return (
        select(
            assessment.monument_id,
            assessment.id.label("assessment_id"),
            assessment.damage_level,
            assessment.extent_percent,
            assessment.observed_on,
            assessment.event_from,
            assessment.event_to,
            assessment.method,
            assessment.confidence,
            assessment.causes,
            # The before/after pair whose dates bound the window, cited by it.
            select(ImagePair.id)
            .where(ImagePair.assessment_id == assessment.id)
            .order_by(ImagePair.id)
            .limit(1)
            .correlate(assessment)
            .scalar_subquery()
            .label("image_pair_id"),
        )
        .where(*counted)
        .order_by(
            assessment.monument_id,
            assessment.observed_on,
            assessment.reviewed_at,
            assessment.id,
        )
    )


@lru_cache(maxsize=4)
def _history_of(with_as_of: bool, with_known_by: bool) -> Select:
    """The history query for a list of monuments, built once per kind: every monument read
    runs it, and building the statement costs more than running it."""
    return _history_query(
        as_of=bindparam("as_of", type_=Date()) if with_as_of else None,
        known_by=bindparam("known_by", type_=UTCDateTime()) if with_known_by else None,
        monument_ids=bindparam("monument_ids", expanding=True),
    )


def counted_histories(
    *, session: Session, monument_ids: Collection[int] | Select, axes: TimeAxes = NOW
) -> dict[int, list[Any]]:
    """Each monument's assessments that count at `axes`, oldest observation first;
    `monument_ids` is a list, or a subquery (a whole site's)."""
    if isinstance(monument_ids, ClauseElement):
        statement, params = (
            _history_query(as_of=axes.as_of, known_by=axes.known_by, monument_ids=monument_ids),
            {},
        )
    else:
        if not monument_ids:
            return {}
        statement = _history_of(axes.as_of is not None, axes.known_by is not None)
        params: dict[str, Any] = {"monument_ids": list(monument_ids)}
        if axes.as_of is not None:
            params["as_of"] = axes.as_of
        if axes.known_by is not None:
            params["known_by"] = axes.known_by
    histories: dict[int, list[Any]] = {}
    for row in session.execute(statement, params):
        histories.setdefault(row.monument_id, []).append(row)
    return histories


def _disagree(first: Any, second: Any) -> bool:
    """Two observations more than one level apart about the state at the same time: the
    less damaged one was observed after the other says its damage was done (`event_to`, else
    when it was observed) and no later than that was observed, or the reverse."""
    lesser, greater = sorted((first, second), key=lambda row: LEVEL_RANK[row.damage_level])
    if LEVEL_RANK[greater.damage_level] - LEVEL_RANK[lesser.damage_level] <= 1:
        return False
    done_by = greater.event_to or greater.observed_on
    seen_from = lesser.event_from or lesser.observed_on
    return (
        done_by <= lesser.observed_on <= greater.observed_on
        or seen_from <= greater.observed_on <= lesser.observed_on
    )


def derive_condition(history: Sequence[Any]) -> dict[str, Any] | None:
    """The condition a history (oldest first) comes to: its latest observation, when that
    level was reached, and whether verified observations of the same time disagree.

    Plain data, with every column of the latest observation, for `CurrentCondition` and
    the report's richer entry alike.
    """
    if not history:
        return None
    current = history[-1]
    level = LEVEL_RANK[current.damage_level]
    window = None
    focus = {current.assessment_id}
    if level > 0:
        less = [i for i, row in enumerate(history) if LEVEL_RANK[row.damage_level] < level]
        before = history[less[-1]] if less else None
        first = history[less[-1] + 1 if less else 0]
        focus.add(first.assessment_id)
        window = {
            "level": current.damage_level,
            "after": before.observed_on if before else None,
            "after_assessment_id": before.assessment_id if before else None,
            "by": first.observed_on,
            "by_assessment_id": first.assessment_id,
            "event_from": first.event_from,
            "event_to": first.event_to,
            "image_pair_id": first.image_pair_id,
        }
    disputed: set[int] = set()
    for first_row, second_row in combinations(history, 2):
        involved = {first_row.assessment_id, second_row.assessment_id}
        if involved & focus and _disagree(first_row, second_row):
            disputed |= involved
    return {
        **current._mapping,
        "damage_window": window,
        "disputed": bool(disputed),
        "disputed_assessment_ids": sorted(disputed),
    }


def current_conditions(
    *, session: Session, monument_ids: Collection[int], axes: TimeAxes = NOW
) -> dict[int, CurrentCondition]:
    """The condition of each of these monuments that has one at `axes`."""
    histories = counted_histories(session=session, monument_ids=monument_ids, axes=axes)
    return {
        monument_id: CurrentCondition.model_validate(derive_condition(history))
        for monument_id, history in histories.items()
    }


# --- writing -------------------------------------------------------------------------------


def _check_supersedes(session: Session, monument_id: int, superseded_id: int | None) -> None:
    if superseded_id is None:
        return
    superseded = session.get(DamageAssessment, superseded_id)
    if (
        superseded is None
        or superseded.monument_id != monument_id
        or superseded.status != AssessmentStatus.verified
    ):
        raise Unprocessable.at(
            "supersedes",
            f"supersedes must name a verified assessment of monument {monument_id}; "
            f"{superseded_id} is not one.",
            "invalid_supersedes",
            msg="not a verified assessment of this monument",
        )


def _apply(session: Session, assessment: DamageAssessment, fields: dict[str, Any]) -> None:
    fields = _with_disturbances(
        fields, extent_percent=assessment.extent_percent, confidence=assessment.confidence
    )
    for field, value in fields.items():
        if field != "source_ids":
            setattr(assessment, "supersedes_id" if field == "supersedes" else field, value)
    _check_event_window(assessment.event_from, assessment.event_to, assessment.observed_on)
    # Only a list that names components has anything to check (and a query to pay for).
    if fields.get("component_conditions"):
        _check_components(session, assessment.monument_id, assessment.component_conditions)


def _with_disturbances(
    fields: dict[str, Any], *, extent_percent: int | None, confidence: str | None
) -> dict[str, Any]:
    """Keep `causes` and `disturbances` telling the same story: given disturbances, the
    causes are their agents; given only causes, each becomes a disturbance (as 0015 carried
    the causes recorded before it), with the extent as a range of one and the confidence as
    its certainty."""
    fields = dict(fields)
    disturbances = fields.get("disturbances")
    if disturbances:
        agents = list(dict.fromkeys(d["cause_agent"] for d in disturbances))
        if "causes" in fields and fields["causes"] and set(fields["causes"]) != set(agents):
            detail = (
                "causes must name the agents of the disturbances "
                f"({', '.join(agents)}), or be left out to be taken from them."
            )
            raise Unprocessable.at("causes", detail, "mismatch")
        fields["causes"] = agents
    elif "causes" in fields:
        extent = fields.get("extent_percent", extent_percent)
        certainty = fields.get("confidence") or confidence
        fields["disturbances"] = [
            {
                "cause_category": CAUSE_CATEGORY[str(cause)],
                "cause_agent": str(cause),
                "effect": None,
                "extent_percent": None if extent is None else {"min": extent, "max": extent},
                "certainty": str(certainty),
            }
            for cause in fields["causes"]
        ]
    elif "disturbances" in fields:
        fields["causes"] = []
    return fields


def _check_components(session: Session, monument_id: int, conditions: list[dict]) -> None:
    """An assessment judges only components of its own monument, each once."""
    own = {
        component.id
        for component in property_records.list_components(session=session, monument_id=monument_id)
    }
    seen: set[int] = set()
    errors = []
    for index, judged in enumerate(conditions):
        component_id = judged["component_id"]
        if component_id not in own or component_id in seen:
            problem = "is judged twice" if component_id in seen else "is not a part of it"
            errors.append(
                {
                    "loc": ["body", "component_conditions", index, "component_id"],
                    "msg": f"component {component_id} {problem}",
                    "type": "unknown_component",
                }
            )
        seen.add(component_id)
    if errors:
        raise Unprocessable(
            "component_conditions must name components of this monument, each once "
            f"(GET /api/v1/monuments/{monument_id}/components).",
            errors=errors,
        )


def _check_event_window(start: date | None, end: date | None, seen: date) -> None:
    """The damage an observation shows happened by the day it was observed."""
    problem = None
    if start is not None and end is not None and start > end:
        problem = ("event_to", f"event_to ({end}) must not be before event_from ({start}).")
    elif max(filter(None, (start, end)), default=seen) > seen:
        field = "event_to" if end is not None and end > seen else "event_from"
        problem = (
            field,
            f"{field} must not be after observed_on ({seen}): the damage seen that day had "
            "happened by then.",
        )
    if problem is not None:
        field, detail = problem
        raise Unprocessable.at(field, detail, "invalid_event_window")


def _free_text_source(fields: dict[str, Any], cited: list[Source]) -> str:
    if fields.get("source"):
        return fields["source"]
    if cited:
        return sources.citation_text(cited)
    detail = (
        "An assessment needs its source: cite source records in `source_ids`, or give a "
        "citation or URL in `source`."
    )
    raise Unprocessable.at("source", detail, "missing")


_ASSESSMENTS = DamageAssessment.__table__
# Built once, run with Core: field teams post to many monuments at once, and the ORM's unit
# of work cost several times the statements themselves.
_INSERT_ASSESSMENT = insert(_ASSESSMENTS).returning(_ASSESSMENTS.c.id)
# A row written with Core starts from the model's defaults, as an entity would: per stored
# column, its default factory, or its default read once (None where none is given).
_DEFAULTS = [
    (
        column.key,
        field.default_factory,
        None if field.default is PydanticUndefined else field.default,
    )
    for column in _ASSESSMENTS.columns
    for field in [DamageAssessment.model_fields[column.key]]
]
# Read once, so no default may be a value a row could change and share with the next.
assert all(isinstance(default, str | int | None) for _, _, default in _DEFAULTS)


def _new_row() -> dict[str, Any]:
    """What a new assessment holds before its fields are applied."""
    return {key: factory() if factory else default for key, factory, default in _DEFAULTS}


def record_assessment(
    *, session: Session, monument_id: int, fields: dict[str, Any], actor: Caller
) -> tuple[dict[str, Any], list[Source]]:
    """A new draft assessment of the monument, authored by the actor, citing its sources,
    written with Core (no entity in the session): its stored columns, id included, and the
    sources it cites, in order."""
    _check_supersedes(session, monument_id, fields.get("supersedes"))
    cited = sources.require_sources(session=session, source_ids=fields.get("source_ids") or [])
    source = _free_text_source(fields, cited)
    fields = _with_disturbances(
        {**fields, "source": source},
        extent_percent=None,
        confidence=fields["confidence"],
    )
    now = utc_now()
    row = _new_row() | {
        "monument_id": monument_id,
        "author": actor.label,
        "author_key_id": actor.key_id,
        "created_at": now,
        "updated_at": now,
    }
    for field, value in fields.items():
        if field != "source_ids":
            row["supersedes_id" if field == "supersedes" else field] = value
    _check_event_window(row["event_from"], row["event_to"], row["observed_on"])
    # Only a list that names components has anything to check (and a query to pay for).
    if row["component_conditions"]:
        _check_components(session, monument_id, row["component_conditions"])
    stored = {key: value for key, value in row.items() if key != "id"}
    row["id"] = session.connection().execute(_INSERT_ASSESSMENT, stored).scalar_one()
    source_ids = [cited_source.id for cited_source in cited]
    sources.cite(
        session=session, owner=CITING, owner_id=row["id"], source_ids=source_ids, new_record=True
    )
    # The state an entity's snapshot would give: its stored columns, then the ids it cites.
    audit.record(
        session=session,
        actor=actor,
        action="create",
        entity_type=_ASSESSMENTS.name,
        entity_id=row["id"],
        before=None,
        after=to_jsonable_python(row) | {"source_ids": source_ids},
    )
    return row, cited


def create_assessment(
    *, session: Session, monument_id: int, fields: dict[str, Any], actor: Caller
) -> DamageAssessment:
    """`record_assessment`, as the stored entity (for a workflow that goes on with it)."""
    row, _ = record_assessment(session=session, monument_id=monument_id, fields=fields, actor=actor)
    return session.get_one(DamageAssessment, row["id"])


def _state(session: Session, assessment: DamageAssessment) -> dict[str, Any]:
    return sources.state(session=session, entity=assessment, owner=CITING)


def _record(
    session: Session,
    actor: Caller,
    action: str,
    assessment: DamageAssessment,
    before: dict[str, Any] | None = None,
) -> None:
    sources.record_write(
        session=session, actor=actor, action=action, entity=assessment, owner=CITING, before=before
    )


def bound_event_window(
    *,
    session: Session,
    assessment: DamageAssessment,
    after: date,
    by: date,
    actor: Caller,
) -> DamageAssessment:
    """Narrow when the damage happened to what a before/after pair of images shows: after
    the day of the before image, by the day of the after one (a window already narrower
    stays). `Unprocessable` when the after image is later than the observation itself."""
    if by > assessment.observed_on:
        detail = (
            f"The after image ({by}) is later than assessment {assessment.id}'s observation "
            f"({assessment.observed_on}): it cannot bound when that damage happened."
        )
        raise Unprocessable.at("after_id", detail, "invalid_event_window")
    before = _state(session, assessment)
    start = max(filter(None, (assessment.event_from, after)))
    end = min(filter(None, (assessment.event_to, by)))
    if start > end:
        detail = (
            f"The pair ({after} to {by}) does not overlap assessment {assessment.id}'s damage "
            f"window ({assessment.event_from} to {assessment.event_to})."
        )
        raise Unprocessable.at("before_id", detail, "invalid_event_window")
    if (start, end) != (assessment.event_from, assessment.event_to):
        assessment.event_from, assessment.event_to = start, end
        assessment.updated_at = utc_now()
        session.flush()
        _record(session, actor, "update", assessment, before)
    return assessment


def update_assessment(
    *, session: Session, assessment: DamageAssessment, changes: dict[str, Any], actor: Caller
) -> DamageAssessment:
    """Edit a draft (its author or staff)."""
    _require_draft_editor(assessment, actor, "edit", "edited")
    if "supersedes" in changes:
        _check_supersedes(session, assessment.monument_id, changes["supersedes"])
    if "source_ids" in changes:
        sources.require_sources(session=session, source_ids=changes["source_ids"])
    before = _state(session, assessment)
    _apply(session, assessment, changes)
    assessment.updated_at = utc_now()
    session.flush()
    sources.cite_changed(session=session, owner=CITING, owner_id=assessment.id, changes=changes)
    _record(session, actor, "update", assessment, before)
    return assessment


def submit_assessment(
    *, session: Session, assessment: DamageAssessment, actor: Caller
) -> DamageAssessment:
    """Send a draft for review (its author or staff)."""
    _require_draft_editor(assessment, actor, "submit", "submitted")
    before = _state(session, assessment)
    assessment.status = AssessmentStatus.submitted
    assessment.submitted_at = assessment.updated_at = utc_now()
    session.flush()
    _record(session, actor, "submit", assessment, before)
    return assessment


def review_assessment(
    *,
    session: Session,
    assessment: DamageAssessment,
    decision: str,
    note: str | None,
    actor: Caller,
) -> DamageAssessment:
    """Verify or reject a submitted assessment; never by its author."""
    if is_author(assessment, actor):
        raise Forbidden(
            "A reviewer is never the author: another staff member must review this assessment."
        )
    _require_status(assessment, AssessmentStatus.submitted, "reviewed")
    if decision == "reject" and not note:
        raise Unprocessable.at(
            "note",
            "Rejecting an assessment needs a note saying why, so its author can act on it.",
            "missing",
            msg="required to reject",
        )
    before = _state(session, assessment)
    assessment.status = (
        AssessmentStatus.verified if decision == "verify" else AssessmentStatus.rejected
    )
    assessment.reviewer, assessment.reviewer_key_id = actor.label, actor.key_id
    assessment.review_note = note
    assessment.reviewed_at = assessment.updated_at = utc_now()
    session.flush()
    _record(session, actor, decision, assessment, before)
    return assessment


def to_read(
    assessment: DamageAssessment, cited: Sequence[Source], *, names_visible: bool = False
) -> dict[str, Any]:
    """The fields of an assessment, citing these sources, as `AssessmentRead` names them; its
    author and reviewer by name only when `names_visible` (staff), else by role and key."""
    return _read_values(columns(assessment), cited, names_visible=names_visible)


def _read_values(
    row: dict[str, Any], cited: Sequence[Source], *, names_visible: bool
) -> dict[str, Any]:
    values = dict(row)
    values["supersedes"] = values.pop("supersedes_id")
    values.update(sources.shown_citations(cited))
    values["author"] = shown_actor(row["author"], row["author_key_id"], names=names_visible)
    values["reviewer"] = shown_actor(row["reviewer"], row["reviewer_key_id"], names=names_visible)
    return values


def present_new(
    row: dict[str, Any], cited: Sequence[Source], *, names_visible: bool = False
) -> AssessmentRead:
    """An assessment `record_assessment` just wrote, as the API shows it, from the values in
    hand (nothing read back)."""
    return AssessmentRead.model_validate(_read_values(row, cited, names_visible=names_visible))


def citations(
    *, session: Session, assessments: Sequence[DamageAssessment]
) -> dict[int, list[Source]]:
    """The sources each of these assessments cites (one query)."""
    return sources.cited_by(
        session=session, owner=CITING, owner_ids=[assessment.id for assessment in assessments]
    )


def present(
    *, session: Session, assessments: Sequence[DamageAssessment], names_visible: bool = False
) -> list[AssessmentRead]:
    """Assessments as the API shows them, with the sources each cites (one query); authors
    and reviewers named only when `names_visible` (staff)."""
    cited = citations(session=session, assessments=assessments)
    return [
        AssessmentRead.model_validate(
            to_read(assessment, cited.get(assessment.id, []), names_visible=names_visible)
        )
        for assessment in assessments
    ]
