"""The damage-assessment workflow, who may see what, and the conditions derived from it.

A monument's current condition is never stored: it is derived, when read, from its latest
verified assessment by `observed_on` (ties: the one verified last), leaving out assessments
that a verified correction supersedes. `as_of` restricts that to what was known on a date.
"""

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Date, Select, and_, bindparam, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from app.assessments.models import AssessmentStatus, DamageAssessment
from app.assessments.schemas import CurrentCondition
from app.audit import service as audit
from app.core.actors import Caller, shown_actor
from app.core.db import UTCDateTime
from app.core.errors import BadRequest, Conflict, Forbidden, NotFound, Unprocessable
from app.core.time import utc_now
from app.keys.models import Role
from app.monuments.models import Monument

PUBLISHED = frozenset({AssessmentStatus.verified})
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


def _require_editor(assessment: DamageAssessment, actor: Caller, doing: str) -> None:
    if actor.role not in REVIEWER_ROLES and not is_author(assessment, actor):
        raise Forbidden(f"Only the assessment's author or staff may {doing} it.")


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
    status: AssessmentStatus | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> Sequence[DamageAssessment]:
    """A monument's assessments in `observed_on` order (then id) that the caller may see."""
    query = select(DamageAssessment).where(DamageAssessment.monument_id == monument_id)
    if status is not None:
        query = query.where(DamageAssessment.status == status)
    if caller.role not in REVIEWER_ROLES:
        visible = DamageAssessment.status.in_(PUBLISHED)
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


def known_by(as_of: date) -> datetime:
    """The first instant after the `as_of` day (UTC): what was verified before it was known."""
    if as_of >= date.max:  # no day follows the last one a date can hold
        return datetime.max.replace(tzinfo=UTC)
    return datetime.combine(as_of + timedelta(days=1), time.min, tzinfo=UTC)


def condition_query(
    as_of: date | BindParameter | None = None,
    monument_ids: Collection[int] | Select | BindParameter | None = None,
) -> Select:
    """Per monument, its current condition (rank 1 of its verified, unsuperseded assessments).

    `monument_ids` (a list or a subquery) limits the work to those monuments' assessments:
    planners cannot push a join condition into a windowed subquery, so without it every
    verified assessment in the registry is ranked.
    """
    assessment = aliased(DamageAssessment, name="assessment")
    correction = aliased(DamageAssessment, name="correction")
    known = [assessment.status == AssessmentStatus.verified]
    corrected = [
        correction.supersedes_id.is_not(None),
        correction.status == AssessmentStatus.verified,
    ]
    if monument_ids is not None:
        known.append(assessment.monument_id.in_(monument_ids))
        # A correction is always of the same monument (see `_check_supersedes`).
        corrected.append(correction.monument_id.in_(monument_ids))
    if as_of is not None:
        # A bound `as_of` comes with a bound `known_by` (see `_conditions_of`).
        cutoff = (
            known_by(as_of)
            if isinstance(as_of, date)
            else bindparam("known_by", type_=UTCDateTime())
        )
        known += [assessment.observed_on <= as_of, assessment.reviewed_at < cutoff]
        corrected.append(correction.reviewed_at < cutoff)
    # Not correlated: the set of corrected ids is computed once (a hashed subplan on
    # PostgreSQL, an ephemeral index on SQLite), never re-scanned per assessment.
    corrected_ids = select(correction.supersedes_id).where(*corrected)
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
        .where(*known, assessment.id.not_in(corrected_ids))
        .subquery("ranked")
    )
    return select(ranked).where(ranked.c.rank == 1)


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


@lru_cache(maxsize=2)
def _conditions_of(with_as_of: bool) -> Select:
    """The condition query for a list of monuments, built once: every read of a monument
    runs it, and building the statement costs more than running it."""
    as_of = bindparam("as_of", type_=Date()) if with_as_of else None
    return condition_query(as_of, bindparam("monument_ids", expanding=True))


def current_conditions(
    *, session: Session, monument_ids: Collection[int], as_of: date | None = None
) -> dict[int, CurrentCondition]:
    """The condition of each of these monuments that has one, now or as known on `as_of`."""
    if not monument_ids:
        return {}
    params: dict[str, Any] = {"monument_ids": list(monument_ids)}
    if as_of is not None:
        params |= {"as_of": as_of, "known_by": known_by(as_of)}
    rows = session.execute(_conditions_of(as_of is not None), params).all()
    return {row.monument_id: condition_from_row(row) for row in rows}


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
        raise Unprocessable(
            f"supersedes must name a verified assessment of monument {monument_id}; "
            f"{superseded_id} is not one.",
            errors=[
                {
                    "loc": ["body", "supersedes"],
                    "msg": "not a verified assessment of this monument",
                    "type": "invalid_supersedes",
                }
            ],
        )


def _apply(assessment: DamageAssessment, fields: dict[str, Any]) -> None:
    for field, value in fields.items():
        setattr(assessment, "supersedes_id" if field == "supersedes" else field, value)


def create_assessment(
    *, session: Session, monument_id: int, fields: dict[str, Any], actor: Caller
) -> DamageAssessment:
    """A new draft assessment of the monument, authored by the actor."""
    _check_supersedes(session, monument_id, fields.get("supersedes"))
    assessment = DamageAssessment(
        monument_id=monument_id,
        observed_on=fields["observed_on"],
        method=fields["method"],
        source=fields["source"],
        damage_level=fields["damage_level"],
        confidence=fields["confidence"],
        author=actor.label,
        author_key_id=actor.key_id,
    )
    _apply(assessment, fields)
    session.add(assessment)
    session.flush()
    audit.record_write(session=session, actor=actor, action="create", entity=assessment)
    return assessment


def update_assessment(
    *, session: Session, assessment: DamageAssessment, changes: dict[str, Any], actor: Caller
) -> DamageAssessment:
    """Edit a draft (its author or staff)."""
    _require_editor(assessment, actor, "edit")
    _require_status(assessment, AssessmentStatus.draft, "edited")
    if "supersedes" in changes:
        _check_supersedes(session, assessment.monument_id, changes["supersedes"])
    before = audit.snapshot(assessment)
    _apply(assessment, changes)
    assessment.updated_at = utc_now()
    session.flush()
    audit.record_write(
        session=session, actor=actor, action="update", entity=assessment, before=before
    )
    return assessment


def submit_assessment(
    *, session: Session, assessment: DamageAssessment, actor: Caller
) -> DamageAssessment:
    """Send a draft for review (its author or staff)."""
    _require_editor(assessment, actor, "submit")
    _require_status(assessment, AssessmentStatus.draft, "submitted")
    before = audit.snapshot(assessment)
    assessment.status = AssessmentStatus.submitted
    assessment.submitted_at = assessment.updated_at = utc_now()
    session.flush()
    audit.record_write(
        session=session, actor=actor, action="submit", entity=assessment, before=before
    )
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
        raise Unprocessable(
            "Rejecting an assessment needs a note saying why, so its author can act on it.",
            errors=[{"loc": ["body", "note"], "msg": "required to reject", "type": "missing"}],
        )
    before = audit.snapshot(assessment)
    assessment.status = (
        AssessmentStatus.verified if decision == "verify" else AssessmentStatus.rejected
    )
    assessment.reviewer, assessment.reviewer_key_id = actor.label, actor.key_id
    assessment.review_note = note
    assessment.reviewed_at = assessment.updated_at = utc_now()
    session.flush()
    audit.record_write(
        session=session, actor=actor, action=decision, entity=assessment, before=before
    )
    return assessment


def to_read(assessment: DamageAssessment, *, names_visible: bool = False) -> dict[str, Any]:
    """The fields of an assessment as `AssessmentRead` names them; its author and reviewer
    by name only when `names_visible` (staff), else by role and key."""
    values = {c.key: getattr(assessment, c.key) for c in DamageAssessment.__table__.columns}
    values["supersedes"] = values.pop("supersedes_id")
    values["author"] = shown_actor(assessment.author, assessment.author_key_id, names=names_visible)
    values["reviewer"] = shown_actor(
        assessment.reviewer, assessment.reviewer_key_id, names=names_visible
    )
    return values
