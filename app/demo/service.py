"""Loading the Palmyra demo data (idempotent: a second run changes nothing)."""

from dataclasses import dataclass

from sqlmodel import Session, select

from app.assessments import service as assessments
from app.assessments.models import DamageAssessment
from app.assessments.schemas import AssessmentCreate
from app.core.actors import Caller
from app.demo import palmyra_data
from app.keys.models import Role
from app.monuments import service as monuments
from app.monuments.models import Monument
from app.sites import service as sites
from app.sites.models import Site


@dataclass
class DemoLoadResult:
    """What a load added (zeros when the data was already there)."""

    site_id: int
    sites_added: int = 0
    monuments_added: int = 0
    assessments_added: int = 0


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
    return result


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
