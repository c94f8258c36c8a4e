"""Short versions of the load and fault runs (benchmarks/load.py, benchmarks/faults.py):
a live server with two workers on a fresh PostgreSQL database, driven over HTTP.

`make load` and `make faults` run the long versions and record their figures.
"""

import asyncio
import os

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from benchmarks import faults, load
from benchmarks.common import POSTGRES_ADMIN_URL


@pytest.fixture
def registry():
    """A seeded registry on a fresh PostgreSQL database (the load runs need real workers)."""
    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is not reachable: {error.orig}")
        pytest.skip(f"PostgreSQL is not reachable: {error.orig}")
    finally:
        engine.dispose()
    with load.seeded_registry() as seeded:
        yield seeded


@pytest.mark.load
def test_fifteen_seconds_of_mixed_load_lose_nothing_and_answer_no_5xx(registry):
    server = load.Server(registry, workers=2)
    try:
        server.start()
        stats = asyncio.run(load.drive(server.url, registry, seconds=15, clients=10))
    finally:
        server.stop()
    invariants = load.check_invariants(registry, stats)
    print(stats.figures() | invariants.figures())

    assert stats.server_errors == []
    assert stats.created["assessment"] and stats.created["photo"]
    assert invariants.lost_writes == 0
    assert invariants.audit_ok, invariants.audit_verify
    assert invariants.media_check_ok, invariants.media_check_output


@pytest.mark.faults
def test_killing_the_server_mid_write_loses_no_acknowledged_write(registry):
    result = faults.kill_during_writes(registry, kills=2, seconds_between=3, clients=8)
    print(result)

    assert result["no_answer"] > 0  # the kills did cut requests off
    assert result["created_assessments"] and result["created_photos"]
    assert result["server_errors"] == 0
    assert result["lost_writes"] == 0
    assert result["audit_chain_ok"]
    assert result["missing_files"] == 0
    assert result["media_check_ok_after_repair"]
    assert result["spooled_uploads_left_after_repair"] == 0


@pytest.mark.faults
def test_a_database_outage_answers_503_and_the_service_recovers_by_itself(registry):
    result = faults.database_outage(registry, probes=6)
    print(result)

    for kind in ("readyz", "read", "write"):
        assert result["during_outage"][kind] == {
            "statuses": [503],
            "problem_details_with_retry_after": True,
        }
    assert result["healthz_during_outage"] == [200]
    assert result["metrics_database_up_during_outage"]
    assert result["writes_after_recovery"] == [201]
    assert result["reads_after_recovery"] == [200]
    assert result["lost_writes"] == 0
    assert result["audit_chain_ok"]
