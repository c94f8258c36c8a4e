"""The changes feed: the audit trail, filtered to what the caller may read, without state.

Audit events get their ids in commit order (appends are serialised until commit, see
app.audit.service), so a reader that has seen event N will never later see a new event
below N: `id > cursor` misses nothing and repeats nothing. The feed never shows the state
snapshot of an event (it may hold exact coordinates of a sensitive monument or an
unpublished assessment); it links to the resource and gives the ETag the caller would get.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from app.assessments import service as assessments
from app.assessments.models import DamageAssessment
from app.audit.models import AuditEvent
from app.catalogue import service as catalogue
from app.changes import entities
from app.changes.entities import FeedEntity
from app.changes.schemas import ChangeRead
from app.core.actors import Caller
from app.core.http import etag_for, render
from app.monuments.models import Monument
from app.photos import evidence
from app.photos import service as photos
from app.photos.models import EvidenceItem, Photo
from app.property import service as property_records
from app.restoration import service as restorations
from app.restoration.models import RestorationAssessment
from app.sites import service as sites
from app.sites.models import Site
from app.sources import service as sources
from app.sources.models import Source

# Roles that see every published change, the review workflow included: those that may read
# every assessment. Field teams may read their own drafts too, but the feed shows them the
# public view: it is a partner's tool, and a per-author filter would need every snapshot.
FULL_FEED_ROLES = assessments.REVIEWER_ROLES


def _visible(caller: Caller, wanted: Iterable[FeedEntity]) -> Any:
    """The SQL condition selecting the events of `wanted` types this caller may see."""
    clauses = []
    for entity in wanted:
        actions = (
            entities.ACTIONS[entity]
            if caller.role in FULL_FEED_ROLES
            else entities.PUBLIC_ACTIONS[entity]
        )
        clauses.append(and_(AuditEvent.entity_type == entity, AuditEvent.action.in_(actions)))
    return or_(*clauses)


def list_changes(
    *,
    session: Session,
    caller: Caller,
    after_id: int | None,
    entity_types: Sequence[FeedEntity] | None,
    limit: int,
) -> Sequence[AuditEvent]:
    """The published events after a cursor that the caller may see, oldest first; one more
    than `limit` to tell whether more follow."""
    query = (
        select(AuditEvent)
        .where(_visible(caller, entity_types or list(FeedEntity)))
        .order_by(AuditEvent.id)
        .limit(limit + 1)
    )
    if after_id is not None:
        query = query.where(AuditEvent.id > after_id)
    return session.exec(query).all()


def _ids(events: Sequence[AuditEvent], entity: FeedEntity) -> set[int]:
    return {e.entity_id for e in events if e.entity_type == entity}


def _with_live_monument(model: Any, ids: set[int]) -> Any:
    """The rows of `model` (photos, evidence items) with these ids, each with its monument,
    except those of a deleted monument."""
    return (
        select(model, Monument)
        .join(Monument, Monument.id == model.monument_id)
        .where(model.id.in_(ids), Monument.deleted_at.is_(None))
    )


# How each kind of resource is read back for the feed, exactly as its GET route presents it
# to this caller: a few queries per page, and nothing for what is gone or hidden.
Presenter = Callable[[Session, Caller, set[int]], Iterable[Any]]


def _sites(session: Session, caller: Caller, ids: set[int]) -> Iterable[Any]:
    for site in session.exec(select(Site).where(Site.id.in_(ids))):
        yield sites.present(site)


def _monuments(session: Session, caller: Caller, ids: set[int]) -> Iterable[Any]:
    query = select(Monument).where(Monument.id.in_(ids), Monument.deleted_at.is_(None))
    return catalogue.present_many(
        session=session,
        monuments=session.exec(query).all(),
        exact_locations=caller.sees_exact_locations,
    )


def _assessments(session: Session, caller: Caller, ids: set[int]) -> Iterable[Any]:
    query = select(DamageAssessment).where(DamageAssessment.id.in_(ids))
    visible = [a for a in session.exec(query) if assessments.may_see(a, caller)]
    return assessments.present(
        session=session, assessments=visible, names_visible=caller.sees_names
    )


def _restorations(session: Session, caller: Caller, ids: set[int]) -> Iterable[Any]:
    query = select(RestorationAssessment).where(RestorationAssessment.id.in_(ids))
    for restoration in session.exec(query):
        yield restorations.present_one(
            session=session, restoration=restoration, names_visible=caller.sees_names
        )


def _photos(session: Session, caller: Caller, ids: set[int]) -> Iterable[Any]:
    rows = session.exec(_with_live_monument(Photo, ids)).all()
    return photos.present_many(session=session, photos=rows, caller=caller)


def _evidence_items(session: Session, caller: Caller, ids: set[int]) -> Iterable[Any]:
    rows = session.exec(_with_live_monument(EvidenceItem, ids)).all()
    return evidence.present_many(session=session, items=rows, caller=caller)


def _sources(session: Session, caller: Caller, ids: set[int]) -> Iterable[Any]:
    for source in session.exec(select(Source).where(Source.id.in_(ids))):
        yield sources.present(source)


def _property_records(model: Any) -> Presenter:
    def present(session: Session, caller: Caller, ids: set[int]) -> Iterable[Any]:
        for record in session.exec(select(model).where(model.id.in_(ids))):
            yield property_records.present(record)

    return present


PRESENTERS: dict[str, Presenter] = {
    FeedEntity.site: _sites,
    FeedEntity.monument: _monuments,
    FeedEntity.damage_assessment: _assessments,
    FeedEntity.restoration_assessment: _restorations,
    FeedEntity.photo: _photos,
    FeedEntity.evidence_item: _evidence_items,
    FeedEntity.source: _sources,
    **{
        entity_type: _property_records(model)
        for entity_type, model in property_records.ENTITY_MODELS.items()
    },
}


def current_etags(
    *, session: Session, caller: Caller, events: Sequence[AuditEvent]
) -> dict[tuple[str, int], str]:
    """The ETag each event's resource has now for this caller (absent when it is gone or
    hidden), rendered exactly as its GET route renders it: a few queries per page."""
    etags: dict[tuple[str, int], str] = {}
    for entity_type, present in PRESENTERS.items():
        ids = _ids(events, FeedEntity(entity_type))
        if ids:
            for shown in present(session, caller, ids):
                etags[entity_type, shown.id] = etag_for(render(shown))
    return etags


def describe(*, session: Session, caller: Caller, events: Sequence[AuditEvent]) -> list[ChangeRead]:
    """The feed entries for events: links and current ETags, never the state snapshots."""
    etags = current_etags(session=session, caller=caller, events=events)
    return [
        ChangeRead(
            **entities.change_data(event), etag=etags.get((event.entity_type, event.entity_id))
        )
        for event in events
    ]
