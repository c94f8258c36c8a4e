"""The Alembic revisions are the schema: they build it from nothing, match the models, undo."""

import json
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import JSON, column, insert, inspect, table, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.core import migrations
from app.core.db import make_engine
from app.restoration import service as restorations
from app.restoration.models import RestorationAssessment
from app.tables import metadata

# The name search indexes of 0014, made in SQL for one database each, which no model
# describes: SQLite's FTS5 table (and its shadow tables), PostgreSQL's trigram index.
SEARCH_INDEX = "monument_name_fts"


def _described_by_models(obj, name, type_, reflected, compare_to) -> bool:
    return not (name or "").startswith((SEARCH_INDEX, "ix_monument_name_search_key_trgm"))


def schema_differences(database_url: str) -> list:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(
                connection,
                opts={"compare_type": True, "include_object": _described_by_models},
            )
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def table_names(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        return {name for name in names if not name.startswith(SEARCH_INDEX)}
    finally:
        engine.dispose()


def test_migrations_build_the_models_schema_from_empty_and_undo_it(scratch_database_url):
    migrations.upgrade(scratch_database_url)
    assert table_names(scratch_database_url) == set(metadata.tables)
    assert schema_differences(scratch_database_url) == []

    migrations.downgrade(scratch_database_url, "base")
    assert table_names(scratch_database_url) == set()

    migrations.upgrade(scratch_database_url)
    assert schema_differences(scratch_database_url) == []


UNOSAT = "UNITAR-UNOSAT, satellite image of 31 August 2015, https://example.org/unosat/bel."
SEED = "Seed article, 27 March 2016"
TWO_LINKS = "DGAM report, https://a.example/1 and its annex https://b.example/2"


def _rows_at_0009(database_url: str) -> dict[str, int]:
    """A site, a monument, three damage and three restoration assessments, stored as 0009
    stored them (free-text sources only); the ids of the citing rows."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import MetaData

    engine = make_engine(database_url)
    tables = MetaData()
    tables.reflect(engine)
    day = datetime(2016, 4, 1, 12, tzinfo=UTC)
    stamps = {"created_at": day, "updated_at": day}
    ids: dict[str, int] = {}
    try:
        with engine.begin() as connection:

            def insert(table: str, **values) -> int:
                result = connection.execute(tables.tables[table].insert().values(**values))
                return result.inserted_primary_key[0]

            site = insert("site", name="Site of Palmyra", country="SY", **stamps)
            monument = insert(
                "monument",
                site_id=site,
                name="Temple of Bel",
                alt_names=["معبد بل"],
                type="temple",
                lat=34.54738,
                lon=38.27393,
                location_precision_m=50,
                sensitive=False,
                public_lat=34.54738,
                public_lon=38.27393,
                public_precision_m=50,
                search_text="temple of bel",
                **stamps,
            )
            for name, text, hours in (("d1", UNOSAT, 2), ("d2", UNOSAT, 1), ("d3", TWO_LINKS, 3)):
                at = day + timedelta(hours=hours)
                ids[name] = insert(
                    "damage_assessment",
                    monument_id=monument,
                    observed_on=day.date(),
                    method="satellite_imagery",
                    source=text,
                    damage_level="destroyed",
                    causes=[],
                    confidence="high",
                    status="draft",
                    author="staff:test",
                    created_at=at,
                    updated_at=at,
                )
            for name, text in (("r1", SEED), ("r2", UNOSAT), ("r3", None)):
                ids[name] = insert(
                    "restoration_assessment",
                    monument_id=monument,
                    assessed_on=day.date(),
                    feasibility="undetermined",
                    prerequisites=["demining"],
                    status="proposed",
                    source=text,
                    author="staff:test",
                    **stamps,
                )
    finally:
        engine.dispose()
    return ids


def test_free_text_sources_become_source_records_linked_to_their_rows(scratch_database_url):
    from datetime import UTC, datetime

    from sqlmodel import select

    from app.assessments import service as assessments
    from app.assessments.models import DamageAssessment
    from app.core.db import Database
    from app.restoration import service as restorations
    from app.restoration.models import RestorationAssessment
    from app.sources.models import Source

    migrations.upgrade(scratch_database_url, "0009")
    ids = _rows_at_0009(scratch_database_url)

    # To head: the models read below are today's, whatever came after 0010.
    migrations.upgrade(scratch_database_url)

    database = Database(make_engine(scratch_database_url))
    try:
        with database.session(write=False) as session:
            by_title = {s.title: s for s in session.exec(select(Source))}
            assert set(by_title) == {UNOSAT, SEED, TWO_LINKS}  # one record per distinct text
            assert {s.kind for s in by_title.values()} == {"other"}
            assert by_title[UNOSAT].url == "https://example.org/unosat/bel"
            assert by_title[SEED].url is None and by_title[TWO_LINKS].url is None
            # As old as the first row that cited it (r2, at noon; d2 and d1 came after).
            assert by_title[UNOSAT].created_at == datetime(2016, 4, 1, 12, tzinfo=UTC)
            assert by_title[TWO_LINKS].created_at == datetime(2016, 4, 1, 15, tzinfo=UTC)

            damage = {
                read.id: read
                for read in assessments.present(
                    session=session,
                    assessments=session.exec(select(DamageAssessment)).all(),
                )
            }
            unosat, seed = by_title[UNOSAT].id, by_title[SEED].id
            assert damage[ids["d1"]].source_ids == damage[ids["d2"]].source_ids == [unosat]
            assert damage[ids["d3"]].source_ids == [by_title[TWO_LINKS].id]
            # Nothing lost: the free text is still there, word for word.
            assert [damage[ids[n]].source for n in ("d1", "d2", "d3")] == [
                UNOSAT,
                UNOSAT,
                TWO_LINKS,
            ]
            rows = session.exec(select(RestorationAssessment)).all()
            cited = restorations.citations(session=session, restorations=rows)
            assert [s.id for s in cited[ids["r1"]]] == [seed]
            assert [s.id for s in cited[ids["r2"]]] == [unosat]
            assert ids["r3"] not in cited
    finally:
        database.engine.dispose()

    # Undoing 0012 rebuilds damage_assessment on SQLite: its citations must survive that.
    migrations.downgrade(scratch_database_url, "0011")
    engine = make_engine(scratch_database_url)
    try:
        with engine.connect() as connection:
            links = connection.exec_driver_sql("SELECT count(*) FROM damage_assessment_source")
            assert links.scalar_one() == 3
    finally:
        engine.dispose()

    migrations.downgrade(scratch_database_url, "0009")
    assert not {"source", "damage_assessment_source"} & table_names(scratch_database_url)
    engine = make_engine(scratch_database_url)
    try:
        with engine.connect() as connection:
            texts = (
                connection.exec_driver_sql("SELECT source FROM damage_assessment ORDER BY id")
                .scalars()
                .all()
            )
    finally:
        engine.dispose()
    assert texts == [UNOSAT, UNOSAT, TWO_LINKS]


# --- 0011: claims are not plans; prerequisites until met ------------------------------------

JSON_DOCUMENT = JSON().with_variant(JSONB(), "postgresql")
NOW = datetime(2016, 4, 1, 12, tzinfo=UTC)
site_0009 = table(
    "site",
    *(column(name) for name in ("id", "name", "country", "created_at", "updated_at")),
)
monument_0009 = table(
    "monument",
    *(
        column(name)
        for name in (
            "id",
            "site_id",
            "name",
            "type",
            "lat",
            "lon",
            "location_precision_m",
            "sensitive",
            "public_lat",
            "public_lon",
            "public_precision_m",
            "search_text",
            "created_at",
            "updated_at",
        )
    ),
    column("alt_names", JSON_DOCUMENT),
)
restoration_0009 = table(
    "restoration_assessment",
    *(
        column(name)
        for name in (
            "id",
            "monument_id",
            "assessed_on",
            "feasibility",
            "approach",
            "restorable_percent",
            "status",
            "organisation",
            "source",
            "author",
            "created_at",
            "updated_at",
        )
    ),
    column("prerequisites", JSON_DOCUMENT),
)


def _restoration(row_id: int, **values) -> dict:
    return {
        "id": row_id,
        "monument_id": 1,
        "assessed_on": date(2016, 3, 27),
        "feasibility": "feasible",
        "approach": None,
        "restorable_percent": None,
        "status": "proposed",
        "organisation": None,
        "source": "Seed article, 27 March 2016",
        "author": "migration test",
        "created_at": NOW,
        "updated_at": NOW,
        "prerequisites": [],
    } | values


def _rows(database_url: str) -> dict[int, dict]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT * FROM restoration_assessment ORDER BY id")
            ).mappings()
            return {row["id"]: dict(row) for row in rows}
    finally:
        engine.dispose()


def test_0011_carries_restoration_records_forward_and_back(scratch_database_url):
    """From 0009 with data in it: single figures become ranges of one, `organisation` the
    claimant's, prerequisite words open items; records stay technical assessments of their
    monument. The downgrade turns them back (site statements, unknown to 0009, go)."""
    url = scratch_database_url
    migrations.upgrade(url, "0009")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            insert(site_0009).values(
                id=1, name="Palmyra", country="SY", created_at=NOW, updated_at=NOW
            )
        )
        connection.execute(
            insert(monument_0009).values(
                id=1,
                site_id=1,
                name="Temple of Bel",
                alt_names=["معبد بل"],
                type="temple",
                lat=34.547,
                lon=38.274,
                location_precision_m=50,
                sensitive=False,
                public_lat=34.547,
                public_lon=38.274,
                public_precision_m=50,
                search_text="temple of bel",
                created_at=NOW,
                updated_at=NOW,
            )
        )
        connection.execute(
            insert(restoration_0009),
            [
                _restoration(
                    1,
                    restorable_percent=90,
                    organisation="Franklin Lamb",
                    prerequisites=["demining", "security_clearance"],
                ),
                _restoration(2, feasibility="not_feasible", status="approved"),
            ],
        )
    engine.dispose()

    migrations.upgrade(url)
    assert schema_differences(url) == []
    rows = _rows(url)
    lamb, verdict = rows[1], rows[2]
    assert (lamb["restorable_percent_min"], lamb["restorable_percent_max"]) == (90, 90)
    assert lamb["claimant_organisation"] == "Franklin Lamb"
    assert lamb["kind"] == verdict["kind"] == "technical_assessment"
    assert (lamb["monument_id"], lamb["site_id"]) == (1, None)
    prerequisites = lamb["prerequisites"]
    if isinstance(prerequisites, str):  # SQLite hands back JSON text to a raw query
        prerequisites = json.loads(prerequisites)
    assert prerequisites == [
        {"prerequisite": "demining", "status": "open", "met_on": None, "source_id": None},
        {"prerequisite": "security_clearance", "status": "open", "met_on": None, "source_id": None},
    ]
    assert (verdict["restorable_percent_min"], verdict["restorable_percent_max"]) == (None, None)

    # The registry reads the carried rows as before: the same figure, organisation, words.
    engine = make_engine(url)
    with Session(engine) as session:
        shown = restorations.present_one(
            session=session, restoration=session.get(RestorationAssessment, 1)
        )
        assert shown.restorable_percent == 90
        assert shown.organisation == "Franklin Lamb"
        assert shown.prerequisites == ["demining", "security_clearance"]
        plan = restorations.present_one(
            session=session, restoration=session.get(RestorationAssessment, 2)
        )
        assert plan.is_latest_approved

    # What 0011 adds: a site statement with a range and a met prerequisite; the checks hold.
    with engine.begin() as connection:
        connection.execute(
            insert(RestorationAssessment.__table__).values(
                id=3,
                site_id=1,
                kind="public_statement",
                assessed_on=date(2016, 3, 27),
                restorable_percent_min=90,
                restorable_percent_max=95,
                claimant_name="F. Lamb",
                status="proposed",
                author="migration test",
                created_at=NOW,
                updated_at=NOW,
                prerequisites=[
                    {
                        "prerequisite": "demining",
                        "status": "met",
                        "met_on": "2016-05-01",
                        "source_id": None,
                    },
                ],
            )
        )
        connection.execute(
            update(RestorationAssessment.__table__)
            .where(RestorationAssessment.id == 1)
            .values(
                prerequisites=[
                    {
                        "prerequisite": "demining",
                        "status": "met",
                        "met_on": "2016-05-01",
                        "source_id": 7,
                    },
                    {
                        "prerequisite": "funding",
                        "status": "open",
                        "met_on": None,
                        "source_id": None,
                    },
                ]
            )
        )
    for bad in (
        {"monument_id": 1, "site_id": 1},
        {"monument_id": None, "site_id": None},
        {"restorable_percent_min": 95, "restorable_percent_max": 90},
        {"restorable_percent_min": 90, "restorable_percent_max": None},
        {"restorable_percent_min": None, "restorable_percent_max": 90},
        {"restorable_percent_min": -1, "restorable_percent_max": 90},
    ):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(
                update(RestorationAssessment.__table__)
                .where(RestorationAssessment.id == 2)
                .values(**bad)
            )
    engine.dispose()

    migrations.downgrade(url, "0009")
    rows = _rows(url)
    assert set(rows) == {1, 2}  # the site statement cannot exist before 0011
    assert rows[1]["restorable_percent"] == 90
    assert rows[1]["organisation"] == "Franklin Lamb"
    words = rows[1]["prerequisites"]
    assert (json.loads(words) if isinstance(words, str) else words) == ["funding"]
    assert rows[2]["feasibility"] == "not_feasible"

    migrations.upgrade(url)
    assert schema_differences(url) == []


def _assessments(database_url: str) -> dict[int, dict]:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT * FROM damage_assessment ORDER BY id")
            ).mappings()
            return {row["id"]: dict(row) for row in rows}
    finally:
        engine.dispose()


def _json(value):
    # SQLite hands JSON columns back as text through a plain SELECT.
    return json.loads(value) if isinstance(value, str) else value


def test_0015_carries_each_cause_into_a_disturbance_and_back(scratch_database_url):
    """From 0013 with data in it: each recorded cause becomes a disturbance (its category,
    the cause as agent, the extent as a range of one, the confidence as certainty); an
    assessment without causes gets none; the downgrade keeps causes and extent as they were."""
    from sqlalchemy import MetaData

    url = scratch_database_url
    migrations.upgrade(url, "0013")
    engine = make_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    stamps = {"created_at": NOW, "updated_at": NOW}
    with engine.begin() as connection:
        connection.execute(
            tables.tables["site"].insert().values(id=1, name="Palmyra", country="SY", **stamps)
        )
        connection.execute(
            tables.tables["monument"]
            .insert()
            .values(
                id=1,
                site_id=1,
                name="Temple of Bel",
                alt_names=[],
                type="temple",
                lat=34.547,
                lon=38.274,
                location_precision_m=50,
                sensitive=False,
                public_lat=34.547,
                public_lon=38.274,
                public_precision_m=50,
                search_text="temple of bel",
                **stamps,
            )
        )
        base = {
            "monument_id": 1,
            "observed_on": date(2015, 8, 31),
            "method": "satellite_imagery",
            "source": "UNOSAT",
            "damage_level": "destroyed",
            "status": "verified",
            "author": "migration test",
            **stamps,
        }
        connection.execute(
            tables.tables["damage_assessment"].insert(),
            [
                base
                | {
                    "id": 1,
                    "causes": ["deliberate_destruction", "explosives"],
                    "extent_percent": 90,
                    "confidence": "high",
                },
                base
                | {"id": 2, "causes": ["looting"], "extent_percent": None, "confidence": "low"},
                base | {"id": 3, "causes": [], "extent_percent": 40, "confidence": "medium"},
            ],
        )
    engine.dispose()
    before = _assessments(url)

    migrations.upgrade(url)

    after = _assessments(url)
    assert _json(after[1]["disturbances"]) == [
        {
            "cause_category": "conflict",
            "cause_agent": "deliberate_destruction",
            "effect": None,
            "extent_percent": {"min": 90, "max": 90},
            "certainty": "high",
        },
        {
            "cause_category": "conflict",
            "cause_agent": "explosives",
            "effect": None,
            "extent_percent": {"min": 90, "max": 90},
            "certainty": "high",
        },
    ]
    assert _json(after[2]["disturbances"]) == [
        {
            "cause_category": "looting",
            "cause_agent": "looting",
            "effect": None,
            "extent_percent": None,
            "certainty": "low",
        }
    ]
    assert _json(after[3]["disturbances"]) == []
    for row_id, row in before.items():
        assert _json(after[row_id]["causes"]) == _json(row["causes"])
        assert after[row_id]["extent_percent"] == row["extent_percent"]
    assert schema_differences(url) == []

    migrations.downgrade(url, "0013")

    undone = _assessments(url)
    assert "disturbances" not in undone[1]
    assert {i: (_json(r["causes"]), r["extent_percent"]) for i, r in undone.items()} == {
        i: (_json(r["causes"]), r["extent_percent"]) for i, r in before.items()
    }
