"""Reading and writing the property layer of a site, and the components of monuments.

Every record here is written the same way: its links are checked against its site (monuments
of the site, attributes of the site, components of the site's monuments, existing sources),
then it is flushed and audited, so it reaches the changes feed like any other record.
"""

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, SQLModel, select

from app.audit import service as audit
from app.core.actors import Caller
from app.core.db import columns, get_or_not_found
from app.core.errors import Unprocessable
from app.core.time import utc_now
from app.monuments.models import Monument
from app.property import schemas
from app.property.models import (
    Benchmark,
    CommitteeDecision,
    CorrectiveMeasure,
    FactorStatus,
    Mission,
    MonumentComponent,
    PropertyAttribute,
    PropertyFactor,
)
from app.property.vocabulary import factors as standard_factors
from app.sites.models import Site
from app.sources import service as sources

Record = TypeVar("Record", bound=SQLModel)

# The records of the property layer, by the name the API and the audit trail give them.
SITE_RECORDS: dict[str, type[SQLModel]] = {
    "attributes": PropertyAttribute,
    "factors": PropertyFactor,
    "corrective-measures": CorrectiveMeasure,
    "benchmarks": Benchmark,
    "decisions": CommitteeDecision,
    "missions": Mission,
}
_NAMES = {
    PropertyAttribute: "attribute",
    PropertyFactor: "factor",
    CorrectiveMeasure: "corrective measure",
    Benchmark: "benchmark",
    CommitteeDecision: "decision",
    Mission: "mission",
    MonumentComponent: "component",
}


def get_record(
    *, session: Session, model: type[Record], record_id: int, for_update: bool = False
) -> Record:
    """The record with this id, or `NotFound`; `for_update` locks it until commit."""
    return get_or_not_found(session, model, record_id, _NAMES[model], for_update=for_update)


def list_records(
    *,
    session: Session,
    model: type[Record],
    site_id: int,
    after_id: int | None = None,
    limit: int | None = None,
) -> Sequence[Record]:
    """A site's records of one kind in id order, after a cursor; one more than `limit`."""
    query = select(model).where(model.site_id == site_id).order_by(model.id)  # type: ignore[attr-defined]
    if after_id is not None:
        query = query.where(model.id > after_id)  # type: ignore[attr-defined]
    if limit is not None:
        query = query.limit(limit + 1)
    return session.exec(query).all()


def list_components(
    *, session: Session, monument_id: int, after_id: int | None = None, limit: int | None = None
) -> Sequence[MonumentComponent]:
    """A monument's components in id order, after a cursor; one more than `limit`."""
    query = (
        select(MonumentComponent)
        .where(MonumentComponent.monument_id == monument_id)
        .order_by(MonumentComponent.id)
    )
    if after_id is not None:
        query = query.where(MonumentComponent.id > after_id)
    if limit is not None:
        query = query.limit(limit + 1)
    return session.exec(query).all()


def components_of_monuments(
    *, session: Session, monument_ids: Sequence[int]
) -> Sequence[MonumentComponent]:
    """The components of these monuments, in the order they were recorded."""
    if not monument_ids:
        return []
    return session.exec(
        select(MonumentComponent)
        .where(MonumentComponent.monument_id.in_(monument_ids))  # type: ignore[attr-defined]
        .order_by(MonumentComponent.id)
    ).all()


def components_of_site(*, session: Session, site_id: int) -> Sequence[MonumentComponent]:
    """Every component of a site's monuments."""
    return session.exec(
        select(MonumentComponent)
        .join(Monument, Monument.id == MonumentComponent.monument_id)
        .where(Monument.site_id == site_id)
        .order_by(MonumentComponent.id)
    ).all()


def _unknown(field: str, wanted: Sequence[int], found: set[int], what: str) -> list[dict]:
    return [
        {
            "loc": ["body", field, index],
            "msg": f"there is no {what} with id {item}",
            "type": f"unknown_{field.removesuffix('_ids')}",
        }
        for index, item in enumerate(wanted)
        if item not in found
    ]


def _check_links(session: Session, site_id: int, record: SQLModel) -> None:
    """Every id a record names must exist, and belong to its site."""
    errors: list[dict] = []
    monument_ids = getattr(record, "monument_ids", None)
    if monument_ids:
        found = set(
            session.exec(
                select(Monument.id).where(
                    Monument.site_id == site_id,
                    Monument.id.in_(monument_ids),  # type: ignore[union-attr]
                    Monument.deleted_at.is_(None),  # type: ignore[union-attr]
                )
            )
        )
        errors += _unknown("monument_ids", monument_ids, found, "monument of this site")
    component_ids = getattr(record, "component_ids", None)
    if component_ids:
        found = {component.id for component in components_of_site(session=session, site_id=site_id)}
        errors += _unknown("component_ids", component_ids, found, "component of this site")
    attribute_ids = getattr(record, "attribute_ids", None)
    if attribute_ids:
        found = set(
            session.exec(select(PropertyAttribute.id).where(PropertyAttribute.site_id == site_id))
        )
        errors += _unknown("attribute_ids", attribute_ids, found, "attribute of this site")
    if errors:
        raise Unprocessable(
            "The record names records that are not part of this property; name monuments, "
            "components and attributes of the same site.",
            errors=errors,
        )
    sources.require_sources(session=session, source_ids=getattr(record, "source_ids", []))
    _check_dates(record)


def _check_dates(record: SQLModel) -> None:
    pairs = (("started_on", "completed_on"), ("started_on", "ended_on"), ("started_on", "due_on"))
    for first, last in pairs:
        start, end = getattr(record, first, None), getattr(record, last, None)
        if start is not None and end is not None and end < start:
            raise Unprocessable.at(
                last,
                f"{last} ({end}) cannot be earlier than {first} ({start}).",
                "date_order",
                msg=f"is before {first}",
            )


def create_record(
    *, session: Session, site: Site, model: type[Record], fields: dict[str, Any], actor: Caller
) -> Record:
    """A new record of the property layer of `site`, from validated fields."""
    record = model(site_id=site.id, **fields)
    _check_links(session, site.id, record)
    return audit.record_creation(session=session, actor=actor, entity=record)


def update_record(
    *, session: Session, record: Record, changes: dict[str, Any], actor: Caller
) -> Record:
    """Apply validated changes to a record of the property layer."""
    before = audit.snapshot(record)
    record.sqlmodel_update(changes)
    site_id = record.site_id if hasattr(record, "site_id") else _site_of_component(session, record)
    _check_links(session, site_id, record)
    record.updated_at = utc_now()  # type: ignore[attr-defined]
    session.add(record)
    session.flush()
    audit.record_write(session=session, actor=actor, action="update", entity=record, before=before)
    return record


def _site_of_component(session: Session, component: SQLModel) -> int:
    monument = session.get(Monument, component.monument_id)  # type: ignore[attr-defined]
    return monument.site_id if monument else 0


def create_component(
    *, session: Session, monument: Monument, fields: dict[str, Any], actor: Caller
) -> MonumentComponent:
    """A new component of a monument."""
    component = MonumentComponent(monument_id=monument.id, **fields)
    sources.require_sources(session=session, source_ids=component.source_ids)
    return audit.record_creation(session=session, actor=actor, entity=component)


def factor_fields(factor: PropertyFactor) -> dict[str, Any]:
    """A factor's columns with its names in the standard list."""
    standard = standard_factors()[factor.code]
    return columns(factor) | {
        "name": standard.name,
        "primary_code": standard.primary_code,
        "primary_name": standard.primary_name,
    }


def current_factors(factors: Sequence[PropertyFactor]) -> list[PropertyFactor]:
    """The confirmed factors that affect the property now; a potential one never does."""
    return [f for f in factors if f.status == FactorStatus.current and f.confirmed]


def monuments_outside(*, site: Site, monuments: Sequence[Monument]) -> list[int]:
    """The ids of the monuments whose recorded position lies outside the site's boundary."""
    if not site.boundary:
        return []
    from shapely.geometry import Point, shape  # on first use (see app.sites.schemas)

    area = shape(site.boundary)
    return [m.id for m in monuments if not area.covers(Point(m.lon, m.lat))]


_READS: dict[type, type[BaseModel]] = {
    PropertyAttribute: schemas.AttributeRead,
    CorrectiveMeasure: schemas.CorrectiveMeasureRead,
    Benchmark: schemas.BenchmarkRead,
    CommitteeDecision: schemas.DecisionRead,
    Mission: schemas.MissionRead,
    MonumentComponent: schemas.ComponentRead,
}

# The audit trail's entity type of each record, for the changes feed.
ENTITY_MODELS: dict[str, type[SQLModel]] = {
    model.__tablename__: model  # type: ignore[attr-defined]
    for model in (*SITE_RECORDS.values(), MonumentComponent)
}


def present(record: SQLModel) -> BaseModel:
    """A record of the property layer as the API shows it."""
    if isinstance(record, PropertyFactor):
        return schemas.FactorRead.model_validate(factor_fields(record))
    return _READS[type(record)].model_validate(record, from_attributes=True)
