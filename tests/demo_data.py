"""The Palmyra demo for tests that read it: loaded by the importer users use, once per test
process and database, and afterwards put back from the rows that load wrote.

About sixty tests on each database read the demo (search, names, linked data, IIIF, the
report, the Schemathesis run); importing it takes 1–3 s each time (validation, sources,
the audit chain), putting its rows back about a tenth of that. The importer's own tests
(tests/demo/test_load_demo.py, tests/imports/) run the importer every time.

The rows go back exactly as they were written (ids, audit chain hashes and all) in one
transaction, parents first. Ids stay unique because sequences only grow: the tables are
emptied with DELETE after each test, never reset. The rows are only put back into an empty
registry (no audit event yet); otherwise the demo is imported, so that it follows the rows
a test wrote before it in the audit chain, as a real load would.
"""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, select, text

from app.audit.models import AuditEvent
from app.core.actors import command_line_actor
from app.core.changes import CHANNEL
from app.core.db import Database
from app.demo import PALMYRA
from app.imports import records
from app.tables import metadata


@dataclass(frozen=True)
class _Snapshot:
    report: records.RecordsReport
    rows: list[tuple[Table, list[dict[str, Any]]]]


# One per database URL in this test process.
_snapshots: dict[str, _Snapshot] = {}


def import_palmyra(database: Database) -> records.RecordsReport:
    """Load the bundled Palmyra files with the importer, as `heritage-registry load-demo` does."""
    with database.session(write=True) as session:
        report = records.import_records(
            session=session, paths=[PALMYRA], grid_degrees=0.1, actor=command_line_actor()
        )
    assert report.problems == []
    return report


def _registry_is_empty(database: Database) -> bool:
    with database.engine.connect() as connection:
        return connection.execute(select(AuditEvent.id).limit(1)).first() is None


def _rows(database: Database) -> list[tuple[Table, list[dict[str, Any]]]]:
    with database.engine.connect() as connection:
        return [
            (table, [dict(row) for row in connection.execute(select(table)).mappings()])
            for table in metadata.sorted_tables
        ]


def _put_back(database: Database, rows: list[tuple[Table, list[dict[str, Any]]]]) -> None:
    with database.engine.begin() as connection:
        if database.backend == "postgresql":
            # Read caches of other processes (a live server) hear of it as of any write.
            connection.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
        for table, table_rows in rows:
            if table_rows:
                connection.execute(table.insert(), table_rows)


def palmyra(database: Database) -> records.RecordsReport:
    """The demo in `database`: imported the first time, its rows put back afterwards."""
    url = str(database.engine.url)
    snapshot = _snapshots.get(url)
    if not _registry_is_empty(database):
        return import_palmyra(database)
    if snapshot is None:
        report = import_palmyra(database)
        _snapshots[url] = _Snapshot(report, _rows(database))
        return report
    _put_back(database, snapshot.rows)
    return snapshot.report
