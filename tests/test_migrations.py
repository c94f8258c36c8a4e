"""The Alembic revisions are the schema: they build it from nothing, match the models, undo."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.core import migrations
from app.core.db import make_engine
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
