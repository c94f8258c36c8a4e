"""Restoration assessments: recording opinions, their status transitions, and money."""

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, func, select
from sqlmodel import Session

from app.assessments.models import AssessmentStatus, DamageAssessment
from app.assessments.service import known_by
from app.audit import service as audit
from app.core.actors import Caller, shown_actor
from app.core.errors import Conflict, NotFound, Unprocessable
from app.core.time import utc_now
from app.restoration.models import RestorationAssessment, RestorationStatus
from app.restoration.schemas import MoneyRead, RestorationRead, RestorationSummary

S = RestorationStatus
# Where each status may go next; `completed` is final.
TRANSITIONS: dict[RestorationStatus, frozenset[RestorationStatus]] = {
    S.proposed: frozenset({S.approved, S.on_hold}),
    S.approved: frozenset({S.in_progress, S.on_hold}),
    S.in_progress: frozenset({S.completed, S.on_hold}),
    S.on_hold: frozenset({S.proposed, S.approved, S.in_progress}),
    S.completed: frozenset(),
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


def get_restoration(
    *, session: Session, restoration_id: int, for_update: bool = False
) -> RestorationAssessment:
    """The restoration assessment with this id, or `NotFound`."""
    restoration = session.get(RestorationAssessment, restoration_id, with_for_update=for_update)
    if restoration is None:
        raise NotFound(f"There is no restoration assessment with id {restoration_id}.")
    return restoration


def _latest_first(query: Select) -> Select:
    return query.order_by(RestorationAssessment.assessed_on.desc(), RestorationAssessment.id.desc())


def latest_approved_id(*, session: Session, monument_id: int) -> int | None:
    """The most recent opinion on the monument that reached approval."""
    query = select(RestorationAssessment.id).where(
        RestorationAssessment.monument_id == monument_id,
        RestorationAssessment.status.in_(APPROVED),
    )
    return session.scalars(_latest_first(query).limit(1)).first()


def list_for_monument(
    *, session: Session, monument_id: int, after_id: int | None, limit: int
) -> Sequence[RestorationAssessment]:
    """Every opinion on the monument, in id order; one more than `limit`."""
    query = select(RestorationAssessment).where(RestorationAssessment.monument_id == monument_id)
    if after_id is not None:
        query = query.where(RestorationAssessment.id > after_id)
    return session.scalars(query.order_by(RestorationAssessment.id).limit(limit + 1)).all()


def latest_query(
    as_of: date | None = None, monument_ids: Collection[int] | Select | BindParameter | None = None
) -> Select:
    """Per monument, its latest restoration assessment (by `assessed_on`, then id); with
    `as_of`, the latest one recorded and assessed by the end of that day; `monument_ids`
    limits the ranking to those monuments."""
    rank = func.row_number().over(
        partition_by=RestorationAssessment.monument_id,
        order_by=(RestorationAssessment.assessed_on.desc(), RestorationAssessment.id.desc()),
    )
    ranked = select(RestorationAssessment, rank.label("rank"))
    if monument_ids is not None:
        ranked = ranked.where(RestorationAssessment.monument_id.in_(monument_ids))
    if as_of is not None:
        ranked = ranked.where(
            RestorationAssessment.assessed_on <= as_of,
            RestorationAssessment.created_at < known_by(as_of),
        )
    ranked = ranked.subquery("ranked_restoration")
    return select(ranked).where(ranked.c.rank == 1)


def latest_summaries(
    *, session: Session, monument_ids: Collection[int]
) -> dict[int, RestorationSummary]:
    """The latest restoration assessment of each of these monuments that has one."""
    if not monument_ids:
        return {}
    rows = session.execute(_latest_of(), {"monument_ids": list(monument_ids)}).all()
    return {row.monument_id: summarise(row) for row in rows}


@lru_cache(maxsize=1)
def _latest_of() -> Select:
    """The latest-restoration query for a list of monuments, built once: every read of a
    monument runs it, and building the statement costs more than running it."""
    return latest_query(None, bindparam("monument_ids", expanding=True))


def summarise(restoration: Any) -> RestorationSummary:
    """The summary shown beside a monument's condition (from a row or a model)."""
    return RestorationSummary.model_validate(restoration, from_attributes=True)


def present(
    restoration: RestorationAssessment,
    *,
    latest_approved: int | None,
    names_visible: bool = False,
) -> RestorationRead:
    """A restoration assessment as the API shows it; its author by name only when
    `names_visible` (staff), else by role and key."""
    values = {c.key: getattr(restoration, c.key) for c in RestorationAssessment.__table__.columns}
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


# --- writing -------------------------------------------------------------------------------


def _invalid(field: str, detail: str) -> Unprocessable:
    return Unprocessable(
        detail, errors=[{"loc": ["body", field], "msg": detail, "type": "value_error"}]
    )


def _has_verified_damage(session: Session, monument_id: int) -> bool:
    query = select(DamageAssessment.id).where(
        DamageAssessment.monument_id == monument_id,
        DamageAssessment.status == AssessmentStatus.verified,
    )
    return session.scalars(query.limit(1)).first() is not None


def _check(session: Session, restoration: RestorationAssessment) -> None:
    """Rules that involve more than one field or other records."""
    if restoration.restorable_percent is not None and not _has_verified_damage(
        session, restoration.monument_id
    ):
        raise _invalid(
            "restorable_percent",
            "restorable_percent is a share of recorded damage, and this monument has no "
            "verified damage assessment yet; record and verify one first.",
        )
    if restoration.based_on_assessment_id is not None:
        basis = session.get(DamageAssessment, restoration.based_on_assessment_id)
        if (
            basis is None
            or basis.monument_id != restoration.monument_id
            or basis.status != AssessmentStatus.verified
        ):
            raise _invalid(
                "based_on_assessment_id",
                f"based_on_assessment_id must name a verified damage assessment of monument "
                f"{restoration.monument_id}; {restoration.based_on_assessment_id} is not one.",
            )
    if restoration.status == S.completed and restoration.completed_on is None:
        raise _invalid("completed_on", "A completed restoration needs its completed_on date.")
    if restoration.completed_on is not None and restoration.status != S.completed:
        raise _invalid("completed_on", "completed_on is only set when the status is completed.")
    if restoration.completed_on is not None and restoration.completed_on < restoration.assessed_on:
        raise _invalid("completed_on", "completed_on cannot be earlier than assessed_on.")


def _apply(restoration: RestorationAssessment, fields: dict[str, Any]) -> None:
    for field, value in fields.items():
        if field == "estimated_cost":
            restoration.estimated_cost_thousandths = (
                None if value is None else to_thousandths(value["amount"])
            )
            restoration.estimated_cost_currency = None if value is None else value["currency"]
        else:
            setattr(restoration, field, value)


def create_restoration(
    *, session: Session, monument_id: int, fields: dict[str, Any], actor: Caller
) -> RestorationAssessment:
    """A new, proposed restoration assessment of the monument."""
    restoration = RestorationAssessment(
        monument_id=monument_id,
        assessed_on=fields["assessed_on"],
        feasibility=fields["feasibility"],
        author=actor.label,
        author_key_id=actor.key_id,
    )
    _apply(restoration, fields)
    _check(session, restoration)
    session.add(restoration)
    session.flush()
    audit.record_write(session=session, actor=actor, action="create", entity=restoration)
    return restoration


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
    before = audit.snapshot(restoration)
    status_changed = target != restoration.status
    _apply(restoration, changes)
    _check(session, restoration)
    restoration.updated_at = utc_now()
    session.flush()
    audit.record_write(
        session=session,
        actor=actor,
        action=f"status:{target}" if status_changed else "update",
        entity=restoration,
        before=before,
    )
    return restoration
