"""Small factories that store realistic rows through the services, as the API would."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from app.core.actors import Caller
from app.core.db import Database
from app.keys.models import Role
from app.monuments import service as monuments
from app.sites import service as sites

GRID = 0.1
TEST_ACTOR = Caller(role=Role.staff, name="test fixture")


def site_fields(**overrides: Any) -> dict[str, Any]:
    """A valid site body (Palmyra-like) with overrides."""
    return {
        "name": "Site of Palmyra",
        "country": "SY",
        "whc_id": None,
        "inscribed_year": 1980,
        "danger_list_year": 2013,
        "lat": 34.5514,
        "lon": 38.2686,
        "description": "Oasis city in the Syrian desert.",
    } | overrides


def monument_fields(site_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid monument body (the Temple of Bel) with overrides."""
    return {
        "site_id": site_id,
        "name": "Temple of Bel",
        "alt_names": ["معبد بل", "Temple de Bêl"],
        "type": "temple",
        "period": "1st century AD (dedicated 32 AD)",
        "lat": 34.54738,
        "lon": 38.27393,
        "location_precision_m": 50,
        "sensitive": False,
        "description": None,
    } | overrides


def create_site(database: Database, **overrides: Any) -> int:
    """Store a site; returns its id."""
    with database.session(write=True) as session:
        return sites.create_site(
            session=session, fields=site_fields(**overrides), actor=TEST_ACTOR
        ).id


def create_monument(database: Database, site_id: int | None = None, **overrides: Any) -> int:
    """Store a monument (in a new site unless one is given); returns its id."""
    if site_id is None:
        site_id = create_site(database)
    with database.session(write=True) as session:
        fields = monument_fields(site_id, **overrides)
        return monuments.create_monument(
            session=session, fields=fields, grid_degrees=GRID, actor=TEST_ACTOR
        ).id


def count_rows(database: Database, table: type) -> int:
    """How many rows a table holds now."""
    from sqlalchemy import func, select

    with database.session(write=False) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()


@contextmanager
def listening(database: Database, name: str, listener: Callable[..., None]) -> Iterator[None]:
    """`listener` hears the engine's event `name` (a SQLAlchemy engine event) inside the block."""
    event.listen(database.engine, name, listener)
    try:
        yield
    finally:
        event.remove(database.engine, name, listener)


REVIEWER = Caller(role=Role.staff, name="test reviewer")


def assessment_fields(**overrides: Any) -> dict[str, Any]:
    """A valid damage assessment body (Bel, as UNOSAT saw it on 31 August 2015)."""
    return {
        "observed_on": "2015-08-31",
        "method": "satellite_imagery",
        "source": "UNITAR-UNOSAT, satellite image of 31 August 2015",
        "damage_level": "destroyed",
        "extent_percent": 90,
        "causes": ["deliberate_destruction", "explosives"],
        "confidence": "high",
        "notes": "Cella destroyed; gate still standing.",
    } | overrides


def create_assessment(
    database: Database,
    monument_id: int,
    *,
    status: str = "draft",
    author: Caller = TEST_ACTOR,
    reviewer: Caller = REVIEWER,
    **overrides: Any,
) -> int:
    """Store an assessment and take it through the workflow up to `status`; returns its id."""
    from app.assessments import service as assessments
    from app.assessments.schemas import AssessmentCreate

    fields = AssessmentCreate.model_validate(assessment_fields(**overrides)).model_dump()
    with database.session(write=True) as session:
        assessment = assessments.create_assessment(
            session=session, monument_id=monument_id, fields=fields, actor=author
        )
        if status != "draft":
            assessments.submit_assessment(session=session, assessment=assessment, actor=author)
        if status in ("verified", "rejected"):
            decision = "verify" if status == "verified" else "reject"
            assessments.review_assessment(
                session=session,
                assessment=assessment,
                decision=decision,
                note="checked against imagery",
                actor=reviewer,
            )
        return assessment.id


def create_photo(
    database: Database, storage: Any, monument_id: int, *, uploader: Caller = TEST_ACTOR
) -> int:
    """Store a small JPEG as a photo of the monument through the service; returns its id."""
    import hashlib
    import io
    import tempfile
    from pathlib import Path

    from PIL import Image

    from app.core.multipart import ReceivedFile
    from app.photos import service as photos

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (180, 150, 100)).save(out, format="JPEG")
    data = out.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "photo.jpg"
        path.write_bytes(data)
        upload = ReceivedFile(
            path=path,
            sha256=hashlib.sha256(data).hexdigest(),
            size=len(data),
            file_name="photo.jpg",
            declared_type="image/jpeg",
        )
        with database.session(write=True) as session:
            outcome = photos.add_photo(
                session=session,
                storage=storage,
                monument_id=monument_id,
                upload=upload,
                fields={},
                idempotency_key=None,
                rules=photos.ImageRules(max_pixels=10_000_000, min_side=1, mismatch_metres=2000),
                actor=uploader,
            )
            return outcome.photo.id


def restoration_fields(**overrides: Any) -> dict[str, Any]:
    """A valid restoration assessment body (the Arch: anastylosis once demined)."""
    return {
        "assessed_on": "2016-04-18",
        "feasibility": "partially_feasible",
        "approach": "anastylosis",
        "original_material_percent": 30,
        "estimated_cost": {"amount": "1500000.00", "currency": "USD"},
        "estimated_duration_months": 24,
        "priority": "high",
        "prerequisites": ["demining", "security_clearance"],
        "organisation": "Directorate-General of Antiquities and Museums",
        "source": "Seed article, 27 March 2016",
        "notes": "Rebuild with the stones that remain.",
    } | overrides


# The statuses a restoration record passes through to reach each one.
RESTORATION_PATH = {
    "proposed": [],
    "approved": ["approved"],
    "on_hold": ["on_hold"],
    "in_progress": ["approved", "in_progress"],
    "completed": ["approved", "in_progress", "completed"],
}


def create_restoration(
    database: Database,
    monument_id: int | None = None,
    *,
    site_id: int | None = None,
    status: str = "proposed",
    **overrides: Any,
) -> int:
    """Store a restoration record about a monument (or, with `site_id`, a statement about
    the whole site) and take it to `status`; returns its id."""
    from app.restoration import service as restoration
    from app.restoration.schemas import RestorationCreate

    fields = RestorationCreate.model_validate(restoration_fields(**overrides)).model_dump()
    with database.session(write=True) as session:
        created = restoration.create_restoration(
            session=session,
            monument_id=monument_id,
            site_id=site_id,
            fields=fields,
            actor=TEST_ACTOR,
        )
        for step in RESTORATION_PATH[status]:
            changes: dict[str, Any] = {"status": step}
            if step == "completed":
                changes["completed_on"] = created.assessed_on
            restoration.update_restoration(
                session=session, restoration=created, changes=changes, actor=TEST_ACTOR
            )
        return created.id


def statement_fields(**overrides: Any) -> dict[str, Any]:
    """A public statement about a whole property (Franklin Lamb on Palmyra, March 2016):
    a range, a claimant, no approach or feasibility stated."""
    return {
        "kind": "public_statement",
        "assessed_on": "2016-03-27",
        "claimant": {"name": "Franklin Lamb", "role": "commentator"},
        "quote": "between 90 and 95 percent of all the damage ... can be restored",
        "feasibility": None,
        "approach": None,
        "original_material_percent": None,
        "restorable_percent_min": 90,
        "restorable_percent_max": 95,
        "estimated_cost": None,
        "estimated_duration_months": None,
        "priority": None,
        "prerequisites": [],
        "organisation": None,
        "source": "Seed article, 27 March 2016",
        "notes": None,
    } | overrides


def source_fields(**overrides: Any) -> dict[str, Any]:
    """A valid source body (UNOSAT's analysis of the Temple of Bel) with overrides."""
    return {
        "kind": "satellite_image_analysis",
        "title": "Satellite imagery analysis of the Temple of Bel, Palmyra",
        "author": None,
        "publisher": "UNITAR-UNOSAT",
        "published_on": "2015-09-01",
        "url": "https://example.org/unosat/palmyra-temple-of-bel-2015",
        "archived_url": None,
        "accessed_on": "2026-11-30",
        "language": "en",
        "licence": None,
    } | overrides


def create_source(database: Database, **overrides: Any) -> int:
    """Store a source; returns its id."""
    from app.sources import service as sources
    from app.sources.schemas import SourceCreate

    fields = SourceCreate.model_validate(source_fields(**overrides)).model_dump()
    with database.session(write=True) as session:
        return sources.create_source(session=session, fields=fields, actor=TEST_ACTOR).id


def footprint_around(lat: float, lon: float, half: float = 0.004) -> dict[str, Any]:
    """A GeoJSON Polygon, a square around a point whose first corner is the point's
    longitude and a latitude just north of it (so the exact digits are in it)."""
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon, lat + half],
                [lon - half, lat],
                [lon, lat - half],
                [lon + half, lat],
                [lon, lat + half],
            ]
        ],
    }


def satellite_fields(**overrides: Any) -> dict[str, Any]:
    """A record of a published satellite image of the Temple of Bel (monument_fields)."""
    return {
        "kind": "satellite_image",
        "title": "Temple of Bel from above",
        "acquired_at": "2015-08-31T08:00:00Z",
        "provider": "Test Imaging",
        "footprint": footprint_around(34.54738, 38.27393),
        "source_url": "https://example.org/scenes/bel",
    } | overrides


def stac_item_fields(**overrides: Any) -> dict[str, Any]:
    """A STAC Item of a scene over the Temple of Bel."""
    return {
        "type": "Feature",
        "stac_version": "1.1.0",
        "id": "bel-scene",
        "geometry": footprint_around(34.54738, 38.27393),
        "bbox": [38.26993, 34.54338, 38.27793, 34.55138],
        "properties": {"datetime": "2015-08-31T08:00:00Z", "platform": "test-sat-1"},
        "links": [],
        "assets": {},
    } | overrides


def create_satellite_item(database: Database, monument_id: int, acquired_at: str) -> int:
    """Store a satellite image record of the monument; returns its evidence id."""
    from app.photos import evidence
    from app.photos.schemas import EvidenceCreate

    fields = EvidenceCreate.model_validate(
        satellite_fields(acquired_at=acquired_at, source_url=f"https://example.org/{acquired_at}")
    ).model_dump(exclude_none=True)
    with database.session(write=True) as session:
        return evidence.create_item(
            session=session, monument_id=monument_id, fields=fields, actor=TEST_ACTOR
        ).id


# --- the property layer ---------------------------------------------------------------------

# A valid body for each kind of record of the property layer (POST /api/v1/sites/{id}/<kind>).
PROPERTY_BODIES: dict[str, dict[str, Any]] = {
    "attributes": {"name": "The Temple of Bel ensemble"},
    "factors": {"code": "war", "status": "current", "since": "2011-03-01", "note": "Conflict."},
    "corrective-measures": {
        "text": "Emergency consolidation of the portico of the Temple of Bel.",
        "responsible_body": "DGAM",
        "status": "planned",
    },
    "benchmarks": {"text": "A recovery action plan agreed with the State Party."},
    "decisions": {
        "session": "37th session (Phnom Penh, 2013)",
        "code": "37 COM 7B.57",
        "decided_on": "2013-06-20",
        "url": "http://whc.unesco.org/en/decisions/5069/",
    },
    "missions": {
        "type": "rapid_assessment",
        "started_on": "2016-04-23",
        "ended_on": "2016-04-27",
        "organisations": ["UNESCO World Heritage Centre"],
    },
}
# The model each kind is stored as, by the path segment.
PROPERTY_TABLES = {
    "attributes": "PropertyAttribute",
    "factors": "PropertyFactor",
    "corrective-measures": "CorrectiveMeasure",
    "benchmarks": "Benchmark",
    "decisions": "CommitteeDecision",
    "missions": "Mission",
}


def create_property_record(database: Database, site_id: int, kind: str, **overrides: Any) -> int:
    """Store one record of the property layer of a site; returns its id."""
    from app.property import models, schemas
    from app.property import service as property_records
    from app.sites.models import Site

    bodies = {
        "attributes": schemas.AttributeCreate,
        "factors": schemas.FactorCreate,
        "corrective-measures": schemas.CorrectiveMeasureCreate,
        "benchmarks": schemas.BenchmarkCreate,
        "decisions": schemas.DecisionCreate,
        "missions": schemas.MissionCreate,
    }
    fields = bodies[kind].model_validate(PROPERTY_BODIES[kind] | overrides).model_dump()
    with database.session(write=True) as session:
        return property_records.create_record(
            session=session,
            site=session.get(Site, site_id),
            model=getattr(models, PROPERTY_TABLES[kind]),
            fields=fields,
            actor=TEST_ACTOR,
        ).id


def create_component(database: Database, monument_id: int, name: str = "Cella") -> int:
    """Store a component of a monument; returns its id."""
    from app.monuments.models import Monument
    from app.property import service as property_records

    with database.session(write=True) as session:
        return property_records.create_component(
            session=session,
            monument=session.get(Monument, monument_id),
            fields={"name": name, "description": None, "source_ids": []},
            actor=TEST_ACTOR,
        ).id
