"""Loading the Palmyra demo data (idempotent: a second run changes nothing)."""

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from app.assessments import service as assessments
from app.assessments.models import DamageAssessment, DamageLevel
from app.assessments.schemas import AssessmentCreate
from app.core.actors import Caller, Role
from app.demo import palmyra_data
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.restoration import service as restorations
from app.restoration.models import RestorationAssessment
from app.restoration.schemas import RestorationCreate
from app.sites import service as sites
from app.sites.models import Site


@dataclass
class DemoLoadResult:
    """What a load added (zeros when the data was already there)."""

    site_id: int
    sites_added: int = 0
    monuments_added: int = 0
    assessments_added: int = 0
    restorations_added: int = 0


def _site_fields() -> dict:
    source = palmyra_data.SOURCES[palmyra_data.SITE["source"]]
    fields = {k: v for k, v in palmyra_data.SITE.items() if k != "source"}
    fields["description"] = f"{fields['description']}\n\nSource: {source}"
    return fields


def _monument_fields(entry: dict, site_id: int) -> dict:
    citations = "; ".join(palmyra_data.SOURCES[key] for key in entry["sources"])
    return {
        "site_id": site_id,
        "name": entry["name"],
        "alt_names": entry["alt_names"],
        "type": entry["type"],
        "period": entry["period"],
        "lat": entry["lat"],
        "lon": entry["lon"],
        "location_precision_m": entry["location_precision_m"],
        "sensitive": entry["sensitive"],
        "description": f"{entry['description']}\n\nSources: {citations}",
    }


def load_palmyra(*, session: Session, grid_degrees: float, actor: Caller) -> DemoLoadResult:
    """The Palmyra site and its monuments, added where missing."""
    site = session.exec(select(Site).where(Site.whc_id == palmyra_data.SITE["whc_id"])).first()
    result = DemoLoadResult(site_id=0)
    if site is None:
        site = sites.create_site(session=session, fields=_site_fields(), actor=actor)
        result.sites_added = 1
    result.site_id = site.id
    monument_ids = dict(
        session.exec(select(Monument.name, Monument.id).where(Monument.site_id == site.id)).all()
    )
    for entry in palmyra_data.MONUMENTS:
        if entry["name"] in monument_ids:
            continue
        monument = monuments.create_monument(
            session=session,
            fields=_monument_fields(entry, site.id),
            grid_degrees=grid_degrees,
            actor=actor,
        )
        monument_ids[entry["name"]] = monument.id
        result.monuments_added += 1
    names = {entry["key"]: entry["name"] for entry in palmyra_data.MONUMENTS}
    for observation in palmyra_data.DAMAGE_HISTORY:
        monument_id = monument_ids[names[observation["monument_key"]]]
        if _load_observation(session, monument_id, observation, reviewer=actor):
            result.assessments_added += 1
    for opinion in palmyra_data.RESTORATION_OPINIONS:
        if opinion["monument_key"] is not None:
            targets = [monument_ids[names[opinion["monument_key"]]]]
        else:
            targets = _damaged_before(session, list(monument_ids.values()), opinion["assessed_on"])
        for monument_id in targets:
            if _load_opinion(session, monument_id, opinion):
                result.restorations_added += 1
    return result


def _damaged_before(session: Session, monument_ids: list[int], day: date) -> list[int]:
    """Monuments whose recorded condition, observed on or before `day`, is severe damage or
    destruction: what a site-wide claim made that day was about."""
    conditions = assessments.current_conditions(session=session, monument_ids=monument_ids)
    damaged = [
        monument_id
        for monument_id, condition in sorted(conditions.items())
        if condition.observed_on <= day
        and condition.damage_level in (DamageLevel.severe_damage, DamageLevel.destroyed)
    ]
    return damaged


def _load_opinion(session: Session, monument_id: int, opinion: dict) -> bool:
    """Record one published restoration opinion, unless it already is."""
    source = palmyra_data.SOURCES[opinion["source"]]
    site_wide = opinion["monument_key"] is None
    notes = opinion["notes"] + (
        "\n\nA site-wide statement, recorded against each monument severely damaged or "
        "destroyed by then."
        if site_wide
        else ""
    )
    fields = RestorationCreate.model_validate(
        {
            "assessed_on": opinion["assessed_on"],
            "feasibility": opinion["feasibility"],
            "approach": opinion["approach"],
            "restorable_percent": opinion["restorable_percent"],
            "prerequisites": opinion["prerequisites"],
            "organisation": opinion["author_organisation"],
            "source": source,
            "notes": notes,
        }
    ).model_dump()
    already = session.exec(
        select(RestorationAssessment.id).where(
            RestorationAssessment.monument_id == monument_id,
            RestorationAssessment.assessed_on == fields["assessed_on"],
            RestorationAssessment.source == source,
            RestorationAssessment.claimant_organisation == fields["organisation"],
        )
    ).first()
    if already is not None:
        return False
    author = Caller(role=Role.staff, name=f"Palmyra demo import ({opinion['source']})")
    restorations.create_restoration(
        session=session, monument_id=monument_id, fields=fields, actor=author
    )
    return True


def _load_observation(
    session: Session, monument_id: int, observation: dict, *, reviewer: Caller
) -> bool:
    """Record one published observation as a verified assessment, unless it already is."""
    fields = AssessmentCreate.model_validate(
        {
            "observed_on": observation["observed_on"],
            "method": observation["method"],
            "source": palmyra_data.SOURCES[observation["source"]],
            "damage_level": observation["damage_level"],
            "extent_percent": observation["extent_percent"],
            "causes": observation["causes"],
            "confidence": observation["confidence"],
            "notes": observation["notes"],
        }
    ).model_dump()
    already = session.exec(
        select(DamageAssessment.id).where(
            DamageAssessment.monument_id == monument_id,
            DamageAssessment.observed_on == fields["observed_on"],
            DamageAssessment.source == fields["source"],
            DamageAssessment.damage_level == fields["damage_level"],
        )
    ).first()
    if already is not None:
        return False
    # The published source is the author; whoever runs the import vouches for the transcription.
    author = Caller(role=Role.staff, name=f"Palmyra demo import ({observation['source']})")
    assessment = assessments.create_assessment(
        session=session, monument_id=monument_id, fields=fields, actor=author
    )
    assessments.submit_assessment(session=session, assessment=assessment, actor=author)
    assessments.review_assessment(
        session=session,
        assessment=assessment,
        decision="verify",
        note="Transcribed from the published source named in `source`.",
        actor=reviewer,
    )
    return True
