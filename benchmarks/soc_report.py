"""State-of-conservation report over 10,000 monuments and 100,000 assessments.

Reports the JSON report's median time (through the real app, in process) next to the median
time of the bare queries it rests on (the site's monuments, their counted assessment histories
and the conditions they come to, plans of record and what they wait on: `_report_rows`),
measured in the same run, alternately, on SQLite and PostgreSQL. The report is built with the
cyclic garbage collector paused (`app.core.gc_pause`), which spares the queries' part of it a
third of their time too; so the bare queries are also timed under the same pause, and both
ratios are printed: the second is the report's own cost beyond its data.
Run: `make bench-report` (or `python -m benchmarks.soc_report [--monuments N]`).
"""

import argparse
import os
import statistics
import time
from collections.abc import Callable
from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.config import Settings
from app.core.gc_pause import gc_paused
from app.core.time import TimeAxes
from app.main import create_app
from app.reports import service as reports
from benchmarks.common import fresh_database, seed_site, write_results


def alternating_medians(*actions: Callable[[], object], repeat: int) -> list[float]:
    """The median wall time of each action, run in turn `repeat` times after one warm-up
    round: on a shared machine the load drifts, and alternating exposes both to it alike."""
    for action in actions:
        action()
    timings: list[list[float]] = [[] for _ in actions]
    for _ in range(repeat):
        for action, spent in zip(actions, timings, strict=True):
            started = time.perf_counter()
            action()
            spent.append(time.perf_counter() - started)
    return [statistics.median(spent) for spent in timings]


def run(backend: str, monuments: int, per_monument: int, repeat: int) -> dict:
    with fresh_database(backend) as url:
        app = create_app(Settings(database_url=url, media_root="/tmp/heritage-bench-media"))
        engine = app.state.database.engine
        started = time.perf_counter()
        site_id = seed_site(engine, monuments=monuments, assessments_per_monument=per_monument)
        seeded = time.perf_counter() - started
        as_of = "2020-06-30"

        def bare_query():
            with Session(engine) as session:
                axes = TimeAxes(as_of=date.fromisoformat(as_of))
                return reports._report_rows(session, site_id, axes).monuments

        def bare_query_gc_paused():
            with gc_paused():
                return len(bare_query())

        client = TestClient(app)

        def json_report():
            response = client.get(
                f"/api/v1/reports/sites/{site_id}/state-of-conservation", params={"as_of": as_of}
            )
            assert response.status_code == 200, response.text
            return response

        rows = len(bare_query())
        sql, sql_paused, report = alternating_medians(
            bare_query, bare_query_gc_paused, json_report, repeat=repeat
        )
        engine.dispose()
        return {
            "backend": backend,
            "monuments": monuments,
            "assessments": monuments * per_monument,
            "rows": rows,
            "seed_seconds": round(seeded, 2),
            "bare_sql_median_s": round(sql, 4),
            "bare_sql_gc_paused_median_s": round(sql_paused, 4),
            "json_report_median_s": round(report, 4),
            "ratio": round(report / sql, 2),
            "ratio_gc_paused_alike": round(report / sql_paused, 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monuments", type=int, default=10_000)
    parser.add_argument("--per-monument", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print("load average before:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    results = [
        run(backend, args.monuments, args.per_monument, args.repeat)
        for backend in args.backends.split(",")
    ]
    header = ("backend", "monuments", "assessments", "SQL s", "SQL¹ s", "report s", "ratio")
    print("{:<11} {:>9} {:>11} {:>8} {:>8} {:>9} {:>6} {:>7}".format(*header, "ratio¹"))
    for r in results:
        print(
            f"{r['backend']:<11} {r['monuments']:>9} {r['assessments']:>11} "
            f"{r['bare_sql_median_s']:>8} {r['bare_sql_gc_paused_median_s']:>8} "
            f"{r['json_report_median_s']:>9} {r['ratio']:>6} {r['ratio_gc_paused_alike']:>7}"
        )
    print("¹ the bare queries with the cyclic garbage collector paused, as the report runs")
    print("load average after:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    print(
        "target: report ≤ 1.5 × its bare SQL query;",
        "results in",
        write_results("soc_report", {"runs": results}),
    )


if __name__ == "__main__":
    main()
