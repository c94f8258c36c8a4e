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


def schema_differences(database_url: str) -> list:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return compare_metadata(context, metadata)
    finally:
        engine.dispose()


def table_names(database_url: str) -> set[str]:
    engine = make_engine(database_url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
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
