"""Reading and writing sources, and the citations that link evidence to them.

A record that cites sources (a damage assessment, a restoration assessment, a photo) keeps
its citations in a link table of its own: (its id, source id, position). The functions
here take that table's owner column (e.g. `DamageAssessmentSource.damage_assessment_id`),
so this package knows no evidence package and each of them owns its link table.
"""

from collections.abc import Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import InstrumentedAttribute
from sqlmodel import Session, SQLModel

from app.audit import service as audit
from app.audit.models import AuditEvent
from app.core.actors import Caller
from app.core.db import among_ids, get_or_not_found
from app.core.errors import Unprocessable
from app.core.pagination import id_page_query
from app.core.time import utc_now
from app.sources.models import Source, SourceKind
from app.sources.schemas import SourceRead, SourceSummary

CitingT = TypeVar("CitingT", bound=SQLModel)

# --- sources -------------------------------------------------------------------------------


def get_source(*, session: Session, source_id: int, for_update: bool = False) -> Source:
    """The source with this id, or `NotFound`; `for_update` locks it until commit."""
    return get_or_not_found(session, Source, source_id, "source", for_update=for_update)


def list_sources(
    *,
    session: Session,
    kind: SourceKind | None,
    url: str | None,
    after_id: int | None,
    limit: int,
) -> Sequence[Source]:
    """Sources in id order, after a cursor; one more than `limit` to tell if a page follows."""
    query = id_page_query(Source, after_id=after_id, limit=limit, kind=kind, url=url)
    return session.scalars(query).all()


def create_source(*, session: Session, fields: dict[str, Any], actor: Caller) -> Source:
    """A new source from validated fields."""
    source = Source(**fields)
    return audit.record_creation(session=session, actor=actor, entity=source)


def update_source(
    *, session: Session, source: Source, changes: dict[str, Any], actor: Caller
) -> Source:
    """Apply validated changes to a source."""
    before = audit.snapshot(source)
    source.sqlmodel_update(changes)
    source.updated_at = utc_now()
    session.flush()
    audit.record_write(session=session, actor=actor, action="update", entity=source, before=before)
    return source


def present(source: Source) -> SourceRead:
    """A source as the API shows it (its routes and the changes feed alike)."""
    return SourceRead.model_validate(source, from_attributes=True)


def citation_text(sources: Sequence[Source]) -> str:
    """The sources as one line of free text (author, title, publisher, date, URL; `; `
    between sources), for the free-text `source` field of the records that cite them."""
    citations = []
    for source in sources:
        parts = [source.author, f"'{source.title}'", source.publisher]
        if source.published_on is not None:
            parts.append(source.published_on.isoformat())
        parts.append(source.url)
        citations.append(", ".join(part for part in parts if part))
    return "; ".join(citations)


def summarise(source: Source) -> SourceSummary:
    """The compact form of a source shown by the records that cite it."""
    return SourceSummary(id=source.id, kind=source.kind, title=source.title, url=source.url)


def shown_citations(cited: Sequence[Source]) -> dict[str, Any]:
    """What every citing record's answer says of the sources it cites, in citation order: their
    ids (`source_ids`, as written) and their compact forms (`sources`)."""
    return {
        "source_ids": [source.id for source in cited],
        "sources": [summarise(source) for source in cited],
    }


# --- citations -----------------------------------------------------------------------------


def require_sources(
    *, session: Session, source_ids: Sequence[int], field: str = "source_ids"
) -> list[Source]:
    """The sources with these ids, in this order; `Unprocessable` naming every unknown id."""
    if not source_ids:
        return []
    found = {
        source.id: source
        for source in session.scalars(select(Source).where(Source.id.in_(source_ids)))
    }
    unknown = [(index, source_id) for index, source_id in enumerate(source_ids)
               if source_id not in found]  # fmt: skip
    if unknown:
        names = ", ".join(str(source_id) for _, source_id in unknown)
        raise Unprocessable(
            f"{field} names no source with id {names}; create the source first "
            "(POST /api/v1/sources) and cite the id it gets.",
            errors=[
                {
                    "loc": ["body", field, index],
                    "msg": f"there is no source with id {source_id}",
                    "type": "unknown_source",
                }
                for index, source_id in unknown
            ],
        )
    return [found[source_id] for source_id in source_ids]


def _link(owner: InstrumentedAttribute) -> Any:
    return owner.class_


def cite(
    *,
    session: Session,
    owner: InstrumentedAttribute,
    owner_id: int,
    source_ids: Sequence[int],
    new_record: bool = False,
) -> None:
    """Make a record cite exactly these sources, in this order (ids already checked), with
    one Core insert: the links are never changed as entities, so the session need not track
    them. A `new_record` (written with the ORM or with Core) cites nothing yet (ids are never
    reused), so nothing is removed first."""
    link = _link(owner)
    if not new_record:
        session.execute(delete(link).where(owner == owner_id))
    if source_ids:
        session.connection().execute(
            insert(link.__table__),
            [
                {owner.key: owner_id, "source_id": source_id, "position": position}
                for position, source_id in enumerate(source_ids)
            ],
        )


def cite_changed(
    *, session: Session, owner: InstrumentedAttribute, owner_id: int, changes: dict[str, Any]
) -> None:
    """After an edit: make the record cite the sources `changes` names, when it names them."""
    if "source_ids" in changes:
        cite(session=session, owner=owner, owner_id=owner_id, source_ids=changes["source_ids"])


def cited_by(
    *, session: Session, owner: InstrumentedAttribute, owner_ids: Collection[int]
) -> dict[int, list[Source]]:
    """The sources each of these records cites, in citation order (no entry: none)."""
    if not owner_ids:
        return {}
    link = _link(owner)
    query = (
        select(owner, Source)
        .join(Source, Source.id == link.source_id)
        .where(among_ids(session, owner, owner_ids))
        .order_by(owner, link.position)
    )
    found: dict[int, list[Source]] = {}
    for owner_id, source in session.execute(query):
        found.setdefault(owner_id, []).append(source)
    return found


def cited_ids(*, session: Session, owner: InstrumentedAttribute, owner_id: int) -> list[int]:
    """The ids of the sources one record cites, in citation order."""
    link = _link(owner)
    query = select(link.source_id).where(owner == owner_id).order_by(link.position)
    return list(session.scalars(query))


def state(
    *,
    session: Session,
    entity: SQLModel,
    owner: InstrumentedAttribute,
    source_ids: Sequence[int] | None = None,
) -> dict[str, Any]:
    """A citing record's audited state: its stored columns and the ids it cites (read, unless
    the caller has just written them and passes them as `source_ids`)."""
    if source_ids is None:
        source_ids = cited_ids(session=session, owner=owner, owner_id=entity.id)
    return audit.snapshot(entity) | {"source_ids": list(source_ids)}


def record_write(
    *,
    session: Session,
    actor: Caller,
    action: str,
    entity: SQLModel,
    owner: InstrumentedAttribute,
    before: dict[str, Any] | None = None,
    source_ids: Sequence[int] | None = None,
) -> AuditEvent:
    """`audit.record_write` for a record that cites sources: the state names them too, so
    a change of citations alone is a change in the trail (and in the changes feed)."""
    return audit.record_write(
        session=session,
        actor=actor,
        action=action,
        entity=entity,
        before=before,
        state=lambda row: state(session=session, entity=row, owner=owner, source_ids=source_ids),
    )


def record_creation(
    *,
    session: Session,
    actor: Caller,
    entity: CitingT,
    owner: InstrumentedAttribute,
    cited: Sequence[Source] = (),
) -> CitingT:
    """Add a new citing record (flushed, so it has its id), make it cite `cited` in this
    order, and append the event for it, its citations included."""
    session.add(entity)
    session.flush()
    # A new record cites nothing yet, and the ids just written need no reading back.
    source_ids = [source.id for source in cited]
    cite(session=session, owner=owner, owner_id=entity.id, source_ids=source_ids, new_record=True)
    record_write(
        session=session,
        actor=actor,
        action="create",
        entity=entity,
        owner=owner,
        source_ids=source_ids,
    )
    return entity
