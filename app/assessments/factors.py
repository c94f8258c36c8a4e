"""Factors of a property derived from the verified disturbances of its monuments.

Field recording names what damaged a monument (a disturbance's cause agent); the Committee's
report names factors from its standard list. Where an agent plainly is one of the listed
factors, the verified disturbances of a property's monuments propose that factor, current,
unconfirmed: it is not reported until staff confirm it (PATCH `confirmed: true`).
"""

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from app.assessments.models import DamageAssessment, DamageAssessmentSource
from app.assessments.service import _counted
from app.core.actors import Caller
from app.monuments.models import Monument
from app.property import service as property_records
from app.property.models import FactorStatus, PropertyFactor
from app.sites.models import Site

# Cause agents that plainly are a factor of the standard list; the others (fire, earthquake,
# weathering, development pressure…) need a person's judgement and propose nothing.
AGENT_FACTORS: dict[str, str] = {
    "deliberate_destruction": "deliberate_destruction_of_heritage",
    "explosives": "war",
    "military_activity": "war",
    "looting": "illegal_activities",
    "illegal_excavation": "illegal_activities",
    "neglect": "management_systems",
}
MAX_SOURCES = 50


def derive_factors(*, session: Session, site: Site, actor: Caller) -> list[PropertyFactor]:
    """Propose, unconfirmed, each factor the verified disturbances of the site's monuments
    point to and the site does not record yet; the factors proposed."""
    monument_ids = select(Monument.id).where(
        Monument.site_id == site.id, Monument.deleted_at.is_(None)
    )
    counted = _counted(DamageAssessment, as_of=None, known_by=None, monument_ids=monument_ids)
    rows = session.execute(
        select(DamageAssessment.id, DamageAssessment.monument_id, DamageAssessment.disturbances)
        .where(*counted)
        .order_by(DamageAssessment.id)
    ).all()
    monuments: dict[str, list[int]] = defaultdict(list)
    assessments: dict[str, list[int]] = defaultdict(list)
    for assessment_id, monument_id, disturbances in rows:
        for disturbance in disturbances or []:
            code = AGENT_FACTORS.get(disturbance.get("cause_agent"))
            if code is None:
                continue
            if monument_id not in monuments[code]:
                monuments[code].append(monument_id)
            if assessment_id not in assessments[code]:
                assessments[code].append(assessment_id)
    recorded = {
        factor.code
        for factor in property_records.list_records(
            session=session, model=PropertyFactor, site_id=site.id
        )
    }
    proposed = []
    for code, monument_list in monuments.items():
        if code in recorded:
            continue
        fields: dict[str, Any] = {
            "code": code,
            "status": FactorStatus.current,
            "since": None,
            "note": "Derived from the verified disturbances of assessments "
            + ", ".join(str(i) for i in assessments[code])
            + "; to be confirmed by staff.",
            "monument_ids": monument_list,
            "attribute_ids": [],
            "source_ids": _sources_of(session, assessments[code]),
            "confirmed": False,
        }
        proposed.append(
            property_records.create_record(
                session=session, site=site, model=PropertyFactor, fields=fields, actor=actor
            )
        )
    return proposed


def _sources_of(session: Session, assessment_ids: list[int]) -> list[int]:
    found = session.scalars(
        select(DamageAssessmentSource.source_id)
        .where(DamageAssessmentSource.damage_assessment_id.in_(assessment_ids))
        .order_by(DamageAssessmentSource.damage_assessment_id, DamageAssessmentSource.position)
    )
    return list(dict.fromkeys(found))[:MAX_SOURCES]
