"""Shared benchmark plumbing: fresh databases, seeding in bulk, timing, reporting."""

import json
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from app.assessments.models import DamageAssessment
from app.core import migrations
from app.monuments.models import Monument
from app.sites.models import Site

POSTGRES_ADMIN_URL = os.environ.get(
    "HERITAGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
RESULTS = Path(__file__).parent / "results"
LEVELS = ["no_visible_damage", "possible_damage", "moderate_damage", "severe_damage", "destroyed"]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def fresh_database(backend: str) -> Iterator[str]:
    """A new, migrated database on `backend`, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/bench.db"
            migrations.upgrade(url)
            yield url
        return
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"heritage_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        migrations.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_site(engine, *, monuments: int, assessments_per_monument: int, seed: int = 23) -> int:
    """One site with many monuments and verified assessments, inserted in bulk."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        site_id = connection.execute(
            insert(Site).returning(Site.id),
            {
                "name": "Benchmark property",
                "country": "SY",
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()
        rows = []
        for i in range(monuments):
            lat, lon = 34.5 + rng.random() / 10, 38.2 + rng.random() / 10
            rows.append(
                {
                    "site_id": site_id,
                    "name": f"Monument {i}",
                    "alt_names": [],
                    "type": "tomb",
                    "lat": lat,
                    "lon": lon,
                    "location_precision_m": 50,
                    "sensitive": i % 10 == 0,
                    "public_lat": round(lat, 1),
                    "public_lon": round(lon, 1),
                    "public_precision_m": 7500,
                    "search_text": f"monument {i}",
                    "created_at": now - timedelta(days=4000),
                    "updated_at": now,
                }
            )
        connection.execute(insert(Monument), rows)
        ids = (
            connection.execute(
                text("SELECT id FROM monument WHERE site_id = :s ORDER BY id"), {"s": site_id}
            )
            .scalars()
            .all()
        )
        start = date(2011, 1, 1)
        batch = []
        for monument_id in ids:
            for _ in range(assessments_per_monument):
                observed = start + timedelta(days=rng.randrange(4000))
                batch.append(
                    {
                        "monument_id": monument_id,
                        "observed_on": observed,
                        "method": "satellite_imagery",
                        "source": "benchmark",
                        "damage_level": rng.choice(LEVELS),
                        "extent_percent": rng.randrange(101),
                        "causes": ["explosives"],
                        "disturbances": [],
                        "threats": [],
                        "component_conditions": [],
                        "confidence": "high",
                        "status": "verified",
                        "author": "bench",
                        "reviewer": "bench reviewer",
                        "reviewed_at": datetime.combine(observed, datetime.min.time(), UTC)
                        + timedelta(days=3),
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            if len(batch) >= 20_000:
                connection.execute(insert(DamageAssessment), batch)
                batch = []
        if batch:
            connection.execute(insert(DamageAssessment), batch)
    with engine.begin() as connection:
        # What autovacuum (PostgreSQL) or a periodic ANALYZE (SQLite) would have gathered.
        connection.execute(text("ANALYZE"))
    return site_id


def median_seconds(action: Callable[[], object], *, repeat: int, warmup: int = 1) -> float:
    """The median wall time of `action` over `repeat` runs, after `warmup` runs."""
    for _ in range(warmup):
        action()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def write_results(name: str, results: dict) -> Path:
    """Save results as JSON under benchmarks/results/, with the machine's load average."""
    RESULTS.mkdir(exist_ok=True)
    results = results | {
        "load_average": os.getloadavg(),
        "recorded_at": datetime.now(UTC).isoformat(),
    }
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(results, indent=2, default=str))
    return path
