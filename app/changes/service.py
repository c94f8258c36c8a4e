"""The changes feed: the audit trail, filtered to what the caller may read, without state.

Audit events get their ids in commit order (appends are serialised until commit, see
app.audit.service), so a reader that has seen event N will never later see a new event
below N: `id > cursor` misses nothing and repeats nothing. The feed never shows the state
snapshot of an event (it may hold exact coordinates of a sensitive monument or an
unpublished assessment); it links to the resource and gives the ETag the caller would get.
"""

from collections.abc import Iterable, Sequence
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
from app.sites.models import Site
from app.sites.schemas import SiteRead
from app.sources.models import Source
from app.sources.schemas import SourceRead

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


def current_etags(
    *, session: Session, caller: Caller, events: Sequence[AuditEvent]
) -> dict[tuple[str, int], str]:
    """The ETag each event's resource has now for this caller (absent when it is gone or
    hidden), rendered exactly as its GET route renders it: a few queries per page."""
    etags: dict[tuple[str, int], str] = {}
    site_ids = _ids(events, FeedEntity.site)
    if site_ids:
        for site in session.exec(select(Site).where(Site.id.in_(site_ids))):
            etags[FeedEntity.site, site.id] = etag_for(
                render(SiteRead.model_validate(site, from_attributes=True))
            )
    monument_ids = _ids(events, FeedEntity.monument)
    if monument_ids:
        query = select(Monument).where(Monument.id.in_(monument_ids), Monument.deleted_at.is_(None))
        shown = catalogue.present_many(
            session=session,
            monuments=session.exec(query).all(),
            exact_locations=caller.sees_exact_locations,
        )
        for monument in shown:
            etags[FeedEntity.monument, monument.id] = etag_for(render(monument))
    assessment_ids = _ids(events, FeedEntity.damage_assessment)
    if assessment_ids:
        query = select(DamageAssessment).where(DamageAssessment.id.in_(assessment_ids))
        visible = [a for a in session.exec(query) if assessments.may_see(a, caller)]
        for shown in assessments.present(
            session=session, assessments=visible, names_visible=caller.sees_names
        ):
            etags[FeedEntity.damage_assessment, shown.id] = etag_for(render(shown))
    restoration_ids = _ids(events, FeedEntity.restoration_assessment)
    if restoration_ids:
        query = select(RestorationAssessment).where(RestorationAssessment.id.in_(restoration_ids))
        for restoration in session.exec(query):
            shown = restorations.present_one(
                session=session, restoration=restoration, names_visible=caller.sees_names
            )
            etags[FeedEntity.restoration_assessment, restoration.id] = etag_for(render(shown))
    photo_ids = _ids(events, FeedEntity.photo)
    if photo_ids:
        rows = session.exec(_with_live_monument(Photo, photo_ids)).all()
        shown = photos.present_many(session=session, photos=rows, caller=caller)
        for (photo, _), photo_shown in zip(rows, shown, strict=True):
            etags[FeedEntity.photo, photo.id] = etag_for(render(photo_shown))
    evidence_ids = _ids(events, FeedEntity.evidence_item)
    if evidence_ids:
        found = session.exec(_with_live_monument(EvidenceItem, evidence_ids)).all()
        shown = evidence.present_many(session=session, items=found, caller=caller)
        for (item, _), item_shown in zip(found, shown, strict=True):
            etags[FeedEntity.evidence_item, item.id] = etag_for(render(item_shown))
    source_ids = _ids(events, FeedEntity.source)
    if source_ids:
        for source in session.exec(select(Source).where(Source.id.in_(source_ids))):
            etags[FeedEntity.source, source.id] = etag_for(
                render(SourceRead.model_validate(source, from_attributes=True))
            )
    for entity_type, model in property_records.ENTITY_MODELS.items():
        record_ids = _ids(events, FeedEntity(entity_type))
        if record_ids:
            for record in session.exec(select(model).where(model.id.in_(record_ids))):
                etags[entity_type, record.id] = etag_for(render(property_records.present(record)))
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
