"""How close the service comes to what the framework and the database allow.

    python -m benchmarks.service_load      (or: make bench-service)

For each backend (SQLite, PostgreSQL) it seeds 10,000 monuments, their assessments and
1,000,000 recorded changes, starts the real service with uvicorn on 127.0.0.1 (1 and 2
workers) next to a bare Starlette app serving the same JSON from memory (the framework
ceiling), drives both with wrk, times the raw database queries behind each endpoint
in-process (the data ceiling), prints a table of ratios and writes JSON. Every server is
stopped by its PID. Absolute numbers drift on a shared machine; the ratios are measured in
the same run.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlmodel import Session

from app.assessments import service as assessments
from app.audit.models import AuditEvent
from app.core.actors import command_line_actor
from app.core.db import make_engine
from app.keys import service as keys
from app.keys.models import Role
from app.monuments.models import Monument
from app.restoration import service as restorations
from benchmarks.common import fresh_database, seed_site, write_results

CHANGES = 1_000_000
ASSESSMENT_BODY = json.dumps(
    {
        "observed_on": "2015-08-31",
        "method": "satellite_imagery",
        "source": "UNITAR-UNOSAT, image of 31 August 2015",
        "damage_level": "destroyed",
        "extent_percent": 90,
        "causes": ["deliberate_destruction", "explosives"],
        "confidence": "high",
    }
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


LOAD_SAMPLES: list[float] = []


@contextmanager
def server(app: str, workers: int, env: dict[str, str], log: Path):
    """uvicorn serving `app` on a free port; yields its base URL and PID; stopped by PID.

    Its log lines (one per request: logging is part of the cost) go to `log`.
    """
    port = free_port()
    log_file = log.open("ab")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            app,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        env=os.environ | env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log_file.close()


def wrk(url: str, *, seconds: int, key: str | None = None, post: str | None = None) -> dict:
    """Requests/s, mean and p99 latency (ms) of a wrk run (2 threads, 16 connections),
    after a one-second warm-up run of the same requests."""
    LOAD_SAMPLES.append(os.getloadavg()[0])
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url]
    if key:
        command[1:1] = ["-H", f"Authorization: Bearer {key}"]
    if post is not None:
        # wrk sends the same body each time; the Lua script names it.
        lua = Path(tempfile.gettempdir()) / f"wrk-post-{os.getpid()}.lua"
        lua.write_text(
            'wrk.method = "POST"\n'
            f"wrk.body = {json.dumps(post)}\n"
            'wrk.headers["Content-Type"] = "application/json"\n'
        )
        command[1:1] = ["-s", str(lua)]
    # One second first, not measured: a fresh server's first requests compile SQL, build
    # validators and start threads, and would otherwise land in the percentiles.
    warm_up = [part if not part.startswith("-d") else "-d1s" for part in command]
    subprocess.run(warm_up, capture_output=True, check=True)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def milliseconds(pattern: str) -> float:
        value, unit = re.search(pattern, output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "mean_ms": milliseconds(r"Latency\s+([\d.]+)(us|ms|s)"),
        "p99_ms": milliseconds(r"99%\s+([\d.]+)(us|ms|s)"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def per_second(action, seconds: float = 3.0) -> float:
    """How many times a second `action` runs, single-threaded, in process."""
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        action()
        count += 1
    return count / (time.perf_counter() - started)


def seed_changes(engine, count: int) -> None:
    """`count` recorded changes (monument updates) for the feed, inserted in bulk."""
    now = datetime.now(UTC)
    batch = []
    with engine.begin() as connection:
        monument_ids = connection.execute(select(Monument.id)).scalars().all()
        for index in range(count):
            batch.append(
                {
                    "occurred_at": now,
                    "actor": "bench",
                    "actor_role": "staff",
                    "action": "update",
                    "entity_type": "monument",
                    "entity_id": monument_ids[index % len(monument_ids)],
                    "prev_hash": "0" * 64,
                    "hash": f"{index:064x}",
                }
            )
            if len(batch) == 50_000:
                connection.execute(insert(AuditEvent), batch)
                batch = []
        if batch:
            connection.execute(insert(AuditEvent), batch)
        connection.execute(text("ANALYZE"))


def run_backend(backend: str, seconds: int, worker_counts: list[int]) -> dict:
    results: dict = {"backend": backend}
    with fresh_database(backend) as url, tempfile.TemporaryDirectory() as folder:
        engine = make_engine(url)
        started = time.perf_counter()
        seed_site(engine, monuments=10_000, assessments_per_monument=2)
        seed_changes(engine, CHANGES)
        results["seed_seconds"] = round(time.perf_counter() - started, 1)
        with Session(engine) as session:
            _, partner_key = keys.create_key(
                session=session,
                name="bench partner",
                role=Role.partner,
                actor=command_line_actor(),
            )
            _, staff_key = keys.create_key(
                session=session,
                name="bench staff",
                role=Role.staff,
                actor=command_line_actor(),
            )
            monument_id = session.scalars(
                select(Monument.id).where(Monument.sensitive).limit(1)
            ).one()
            last_ids = session.scalars(
                select(Monument.id)
                .where(Monument.type == "tomb")
                .order_by(Monument.id.desc())
                .limit(51)
            ).all()
            last_event = session.scalars(
                select(AuditEvent.id).order_by(AuditEvent.id.desc())
            ).first()
            session.commit()
        from app.core.pagination import encode_cursor

        env = {"HERITAGE_DATABASE_URL": url, "HERITAGE_MEDIA_ROOT": f"{folder}/media"}
        log = Path(folder) / "server.log"
        monument_path = f"/api/v1/monuments/{monument_id}"

        # The data ceiling: the queries behind GET /monuments/{id} when nothing is cached,
        # run bare in process.
        def monument_queries():
            with Session(engine) as session:
                keys.find_active_key(session=session, secret=partner_key)
                monument = session.get(Monument, monument_id)
                assessments.current_conditions(session=session, monument_ids=[monument_id])
                restorations.for_monuments(
                    session=session, monuments=[(monument_id, monument.site_id)]
                )

        results["monument_data_ceiling_per_s"] = round(per_second(monument_queries), 1)

        for workers in worker_counts:
            with server("app.main:app", workers, env, log) as (base, _):
                document = urllib.request.urlopen(
                    urllib.request.Request(
                        base + monument_path, headers={"Authorization": f"Bearer {partner_key}"}
                    )
                ).read()
                # The service's own floor: framework, middleware and logging, no data.
                liveness = wrk(base + "/healthz", seconds=seconds)
                service = wrk(base + monument_path, seconds=seconds, key=partner_key)
                deep_cursor = encode_cursor(last_ids[-1])
                list_url = f"{base}/api/v1/monuments?limit=50&type=tomb"
                first_page = wrk(list_url, seconds=seconds, key=partner_key)
                last_page = wrk(
                    f"{list_url}&cursor={deep_cursor}", seconds=seconds, key=partner_key
                )
                feed_first = wrk(
                    f"{base}/api/v1/changes?limit=100", seconds=seconds, key=partner_key
                )
                feed_last = wrk(
                    f"{base}/api/v1/changes?limit=100&since={encode_cursor(last_event - 150)}",
                    seconds=seconds,
                    key=partner_key,
                )
                posts = wrk(
                    f"{base}/api/v1/monuments/{monument_id}/assessments",
                    seconds=seconds,
                    key=staff_key,
                    post=ASSESSMENT_BODY,
                )
            # The same read with nothing kept in memory: every request runs its queries.
            with server(
                "app.main:app", workers, env | {"HERITAGE_READ_CACHE_ENTRIES": "0"}, log
            ) as (base, _):
                uncached = wrk(base + monument_path, seconds=seconds, key=partner_key)
            document_file = Path(folder) / "document.json"
            document_file.write_bytes(document)
            with server(
                "benchmarks.bare_app:app",
                workers,
                {"HERITAGE_BENCH_DOCUMENT": str(document_file)},
                log,
            ) as (bare_base, _):
                bare = wrk(bare_base + monument_path, seconds=seconds)
                bare_post = wrk(bare_base + "/post", seconds=seconds, post=ASSESSMENT_BODY)
            results[f"workers_{workers}"] = {
                "monument_get": service,
                "bare_starlette_get": bare,
                "monument_get_vs_starlette": round(service["rps"] / bare["rps"], 3),
                "monument_get_uncached": uncached,
                "monument_get_uncached_vs_starlette": round(uncached["rps"] / bare["rps"], 3),
                "liveness_get": liveness,
                "liveness_vs_starlette": round(liveness["rps"] / bare["rps"], 3),
                "monument_get_vs_data_ceiling": round(
                    service["rps"] / results["monument_data_ceiling_per_s"], 3
                ),
                "list_first_page": first_page,
                "list_last_page": last_page,
                "list_last_vs_first_latency": round(
                    last_page["mean_ms"] / first_page["mean_ms"], 3
                ),
                "feed_first_page": feed_first,
                "feed_last_page": feed_last,
                "feed_last_vs_first_latency": round(
                    feed_last["mean_ms"] / feed_first["mean_ms"], 3
                ),
                "assessment_posts": posts,
                "bare_starlette_post": bare_post,
                "assessment_post_vs_starlette": round(posts["rps"] / bare_post["rps"], 3),
            }
        engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--workers", default="1,2")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    load_before = os.getloadavg()
    runs = [
        run_backend(backend, args.seconds, [int(w) for w in args.workers.split(",")])
        for backend in args.backends.split(",")
    ]
    columns = [
        ("backend", 11),
        ("workers", 8),
        ("bare rps", 9),
        ("/healthz÷bare", 14),
        ("GET÷bare", 9),
        ("GET rps", 8),
        ("uncached÷bare", 14),
        ("uncached rps", 13),
        ("data ceiling/s", 15),
        ("list last÷first", 16),
        ("feed last÷first", 16),
        ("POST rps", 9),
        ("non-2xx", 8),
    ]
    print("".join(f"{name:>{width}}" for name, width in columns))
    for run in runs:
        for key, row in run.items():
            if not key.startswith("workers_"):
                continue
            errors = sum(
                measured["non_2xx"] for measured in row.values() if isinstance(measured, dict)
            )
            cells = [
                run["backend"],
                key.removeprefix("workers_"),
                f"{row['bare_starlette_get']['rps']:.0f}",
                row["liveness_vs_starlette"],
                row["monument_get_vs_starlette"],
                f"{row['monument_get']['rps']:.0f}",
                row["monument_get_uncached_vs_starlette"],
                f"{row['monument_get_uncached']['rps']:.0f}",
                run["monument_data_ceiling_per_s"],
                row["list_last_vs_first_latency"],
                row["feed_last_vs_first_latency"],
                f"{row['assessment_posts']['rps']:.0f}",
                errors,
            ]
            print(
                "".join(f"{cell:>{width}}" for cell, (_, width) in zip(cells, columns, strict=True))
            )
    load = {
        "before": load_before,
        "during_min": min(LOAD_SAMPLES),
        "during_mean": round(sum(LOAD_SAMPLES) / len(LOAD_SAMPLES), 2),
        "during_max": max(LOAD_SAMPLES),
    }
    print(
        f"1-minute load average: {load_before[0]:.2f} before; during the wrk runs "
        f"{load['during_min']:.2f}–{load['during_max']:.2f} (mean {load['during_mean']:.2f})"
    )
    summary = {"runs": runs, "load_average": load}
    print("results in", write_results("service_load", summary))


if __name__ == "__main__":
    main()
