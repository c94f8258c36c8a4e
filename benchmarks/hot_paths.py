"""The hot paths of issue #16, each as a share of its ceiling measured in the same run.

    python -m benchmarks.hot_paths      (or: make bench-hot)

For each backend it seeds 10,000 monuments and starts, side by side and 1 worker each, the
registry, bare Starlette serving the registry's own bytes for the same paths
(`benchmarks/bare_app.py`) and a bare FastAPI route returning `/healthz`'s constant
(`benchmarks/bare_fastapi.py`). The servers run on CPU 0 and wrk (1 thread, 32
connections) on CPU 1, as in the issue. Each pair is run ceiling, service, ceiling,
service, so drift on the shared machine falls on both; the ratio is of the summed rates.

- `/healthz` ÷ bare FastAPI (target ≥ 0.8);
- `GET /api/v1/monuments/{id}`, staff key and anonymous, ÷ bare Starlette (≥ 0.5);
- `GET /api/v1/monuments?limit=50` ÷ bare Starlette (≥ 0.25);
- `POST` damage assessments spread over 1,000 monuments (and to one monument), ÷ the same
  inserts and audit appends done in process with SQLAlchemy Core, one transaction each
  (the data ceiling; ≥ 0.3 on SQLite), with p99 latency; ceiling and service alternate
  as the pairs do, and each round's ratio is printed beside the summed one;
- the first request after start ÷ the median of the next 200 first reads of other
  monuments (≤ 2), the median over five fresh starts.

The 1-minute load average is printed beside every figure.
"""

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlmodel import Session

from app.assessments.models import DamageAssessment
from app.audit.models import AuditEvent
from app.audit.service import CHAIN_LOCK_KEY
from app.core.actors import command_line_actor
from app.core.db import make_engine
from app.keys import service as keys
from app.keys.models import Role
from app.monuments.models import Monument
from benchmarks.common import cpu_seconds, fresh_database, seed_site, write_results
from benchmarks.service_load import ASSESSMENT_BODY, free_port

SERVER_CPU, CLIENT_CPU = "0", "1"


def load() -> float:
    return round(os.getloadavg()[0], 2)


class Server:
    """uvicorn serving `app` on CPU 0, 1 worker; stopped by its PID."""

    def __init__(self, app: str, env: dict[str, str], log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--no-access-log", "--log-level", "warning"]
        if shutil.which("taskset"):
            command[:0] = ["taskset", "-c", SERVER_CPU]
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command, env=os.environ | env, stdout=self._log, stderr=subprocess.STDOUT
        )

    def wait_until_up(self, probe: str = "/healthz") -> None:
        for _ in range(600):
            try:
                urllib.request.urlopen(self.base + probe, timeout=1)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"{self.base} did not start")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._log.close()


def wrk(
    url: str,
    *,
    seconds: int,
    headers: dict[str, str],
    script: str | None = None,
    pid: int | None = None,
) -> dict:
    """Requests/s and latencies of one wrk run (1 thread, 32 connections, on CPU 1), after
    a one-second warm-up of the same requests; with the server's `pid`, also the requests
    served per second of the server's CPU time, which other work on a shared machine
    does not change as much as it changes the wall-clock rate."""
    command = ["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    command.append(url)
    if shutil.which("taskset"):
        command[:0] = ["taskset", "-c", CLIENT_CPU]
    warm_up = [part if not part.startswith("-d") else "-d1s" for part in command]
    subprocess.run(warm_up, capture_output=True, check=True)
    before = load()
    cpu_before = cpu_seconds(pid) if pid else 0.0
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    measured = {"load": before, **parse_wrk(output)}
    if pid:
        used = cpu_seconds(pid) - cpu_before
        measured["cpu_seconds"] = round(used, 2)
        measured["per_cpu_second"] = round(measured["requests"] / used, 1) if used else None
    return measured


def parse_wrk(output: str) -> dict:
    import re

    def milliseconds(pattern: str) -> float:
        value, unit = re.search(pattern, output).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "mean_ms": milliseconds(r"Latency\s+([\d.]+)(us|ms|s)"),
        "p99_ms": milliseconds(r"99%\s+([\d.]+)(us|ms|s)"),
        "non_2xx": int(non_2xx.group(1)) if non_2xx else 0,
    }


def pair(
    ceiling: tuple[str, int], service: tuple[str, int], *, seconds: int, headers: dict, rounds: int
) -> dict:
    """Ceiling and service (url, server pid) run alternately (see `compared`)."""
    ceilings, services = [], []
    for _ in range(rounds):
        ceilings.append(wrk(ceiling[0], seconds=seconds, headers={}, pid=ceiling[1]))
        services.append(wrk(service[0], seconds=seconds, headers=headers, pid=service[1]))
    return compared(ceilings, services) | {"runs": {"ceiling": ceilings, "service": services}}


def per_cpu_second(runs: list[dict]) -> float:
    return sum(run["requests"] for run in runs) / sum(run["cpu_seconds"] for run in runs)


def compared(ceilings: list[dict], services: list[dict]) -> dict:
    """Runs of a ceiling and of the service, made alternately, compared. Two ratios: of the
    mean wall-clock rates, and of the requests served per second of CPU (the steadier on a
    shared machine, and the one the targets are read against), each side summed over its
    runs; and each round's own ratio."""
    ceiling_rps = statistics.mean(run["rps"] for run in ceilings)
    service_rps = statistics.mean(run["rps"] for run in services)
    return {
        "ceiling_rps": round(ceiling_rps),
        "service_rps": round(service_rps),
        "wall_ratio": round(service_rps / ceiling_rps, 3),
        "ceiling_per_cpu_s": round(per_cpu_second(ceilings)),
        "service_per_cpu_s": round(per_cpu_second(services)),
        "ratio": round(per_cpu_second(services) / per_cpu_second(ceilings), 3),
        "ratios_per_round": [
            round(per_cpu_second([service]) / per_cpu_second([ceiling]), 3)
            for ceiling, service in zip(ceilings, services, strict=True)
        ],
        "service_p99_ms": max(run["p99_ms"] for run in services),
        "non_2xx": sum(run["non_2xx"] for run in services),
        "load": [run["load"] for run in ceilings + services],
    }


def post_script(folder: Path, monument_ids: list[int]) -> str:
    """A wrk script that POSTs the assessment to each monument in turn."""
    script = folder / f"posts-{len(monument_ids)}.lua"
    script.write_text(
        f"local ids = {{{','.join(map(str, monument_ids))}}}\n"
        "local i = 0\n"
        'wrk.method = "POST"\n'
        f"wrk.body = {json.dumps(ASSESSMENT_BODY)}\n"
        'wrk.headers["Content-Type"] = "application/json"\n'
        "request = function()\n"
        "  i = i % #ids + 1\n"
        '  return wrk.format(nil, "/api/v1/monuments/" .. ids[i] .. "/assessments")\n'
        "end\n"
    )
    return str(script)


def post_ceiling(engine, monument_ids: list[int], seconds: float = 4.0) -> dict:
    """Assessments written bare, in process, with SQLAlchemy Core for `seconds`: per monument
    one transaction that locks the monument (and the chain on PostgreSQL), inserts the
    assessment, reads the chain's head and appends the audit event. How many, per wall-clock
    second, the CPU seconds of this process they took, and the load before."""
    body = json.loads(ASSESSMENT_BODY)
    writer = engine.execution_options(sqlite_begin="IMMEDIATE")
    postgresql = engine.dialect.name == "postgresql"
    assessment, audit = DamageAssessment.__table__, AuditEvent.__table__
    load_before = load()
    count, started, cpu_started = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - started < seconds:
        monument_id = monument_ids[count % len(monument_ids)]
        now = datetime.now(UTC)
        with writer.begin() as connection:
            if postgresql:
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK_KEY}
                )
            connection.execute(
                select(Monument.id).where(Monument.id == monument_id).with_for_update()
            )
            row = {
                **body,
                "observed_on": date.fromisoformat(body["observed_on"]),
                "monument_id": monument_id,
                "disturbances": [],
                "threats": [],
                "component_conditions": [],
                "status": "draft",
                "author": "bench",
                "created_at": now,
                "updated_at": now,
            }
            new_id = connection.execute(
                insert(assessment).returning(assessment.c.id), row
            ).scalar_one()
            head = connection.execute(
                select(audit.c.hash).order_by(audit.c.id.desc()).limit(1)
            ).scalar()
            event = {
                "occurred_at": now,
                "actor": "bench",
                "actor_role": "staff",
                "action": "create",
                "entity_type": "damage_assessment",
                "entity_id": new_id,
                "state": json.loads(json.dumps(row | {"id": new_id}, default=str)),
                "prev_hash": head or "0" * 64,
            }
            event["hash"] = hashlib.sha256(
                json.dumps(event, default=str, sort_keys=True).encode()
            ).hexdigest()
            connection.execute(insert(audit), event)
        count += 1
    return {
        "requests": count,
        "rps": count / (time.perf_counter() - started),
        "cpu_seconds": time.process_time() - cpu_started,
        "load": load_before,
    }


def post_pair(
    engine,
    ceiling_ids: list[int],
    service: tuple[str, int],
    script: str,
    *,
    seconds: int,
    headers: dict,
    rounds: int,
) -> dict:
    """The Core ceiling and the service's POSTs run alternately, like `pair`: the ceiling
    moves by several per cent from one measurement to the next on a shared machine."""
    ceilings, services = [], []
    for _ in range(rounds):
        ceilings.append(post_ceiling(engine, ceiling_ids, seconds=seconds))
        services.append(
            wrk(service[0], seconds=seconds, headers=headers, script=script, pid=service[1])
        )
    return compared(ceilings, services)


def timed_read(url: str, headers: dict[str, str]) -> float:
    """Seconds one GET takes, body read."""
    started = time.perf_counter()
    urllib.request.urlopen(urllib.request.Request(url, headers=headers)).read()
    return time.perf_counter() - started


def first_request(
    url: str, env: dict, log: Path, staff_key: str, ids: list[int], *, starts: int = 5
) -> dict:
    """A fresh server's first monument read against the median of the next 200 first reads
    of other monuments (each one uncached, so like is compared with like), on `starts` fresh
    servers in turn: one start gives one first request, and one sample of a few milliseconds
    on a shared machine is mostly noise. The median of the starts' ratios is the figure."""
    headers = {"Authorization": f"Bearer {staff_key}"}
    samples = []
    for start in range(starts):
        # Other monuments on each start, so no start reads what an earlier one read.
        sample = ids[start * 201 : (start + 1) * 201]
        server = Server("app.main:app", env, log)
        try:
            server.wait_until_up()
            first = timed_read(f"{server.base}/api/v1/monuments/{sample[0]}", headers)
            median = statistics.median(
                timed_read(f"{server.base}/api/v1/monuments/{monument_id}", headers)
                for monument_id in sample[1:]
            )
        finally:
            server.stop()
        samples.append((first / median, first, median))
    ratio, first, median = sorted(samples)[len(samples) // 2]
    return {
        "first_ms": round(first * 1000, 2),
        "median_ms": round(median * 1000, 2),
        "ratio": round(ratio, 2),
        "ratios": sorted(round(sample[0], 2) for sample in samples),
        "load": load(),
    }


def run_backend(backend: str, seconds: int, rounds: int) -> dict:
    results: dict = {"backend": backend}
    with fresh_database(backend) as url, tempfile.TemporaryDirectory() as folder_name:
        folder = Path(folder_name)
        engine = make_engine(url)
        seed_site(engine, monuments=10_000, assessments_per_monument=2)
        with Session(engine) as session:
            _, staff_key = keys.create_key(
                session=session, name="bench staff", role=Role.staff, actor=command_line_actor()
            )
            ids = session.scalars(select(Monument.id).order_by(Monument.id)).all()
            session.commit()
        sensitive_id = ids[0]  # every tenth seeded monument is sensitive, the first among them
        env = {
            "HERITAGE_DATABASE_URL": url,
            "HERITAGE_MEDIA_ROOT": str(folder / "media"),
            # High enough never to refuse: the anonymous read is measured, not the limit. Per
            # second: the `limits` moving window keeps one entry per request in its window,
            # and a minute of one address at thousands a second is not what 300/minute costs.
            "HERITAGE_RATE_LIMIT_ANONYMOUS": "100000/second",
        }
        log = folder / "server.log"
        staff = {"Authorization": f"Bearer {staff_key}"}
        results["first_request"] = first_request(url, env, log, staff_key, ids[100:1200])
        service = Server("app.main:app", env, log)
        service.wait_until_up()
        # What the service serves at a path, and where bare Starlette serves the same bytes
        # (the anonymous document differs from the staff one: rounded coordinates).
        targets = {
            "monument_staff": (f"/api/v1/monuments/{sensitive_id}", staff),
            "monument_anonymous": (f"/api/v1/monuments/{sensitive_id}", {}),
            "list_50": ("/api/v1/monuments?limit=50", staff),
        }
        documents = {}
        for name, (path, headers) in targets.items():
            request = urllib.request.Request(service.base + path, headers=headers)
            body = urllib.request.urlopen(request).read()
            (folder / f"{name}.json").write_bytes(body)
            documents[f"/{name}{path}"] = str(folder / f"{name}.json")
        manifest = folder / "documents.json"
        manifest.write_text(json.dumps(documents))
        bare = Server("benchmarks.bare_app:app", {"HERITAGE_BENCH_DOCUMENTS": str(manifest)}, log)
        bare_fastapi = Server("benchmarks.bare_fastapi:app", {}, log)
        try:
            bare.wait_until_up()
            bare_fastapi.wait_until_up()
            service_at = service.process.pid
            results["healthz"] = pair(
                (bare_fastapi.base + "/healthz", bare_fastapi.process.pid),
                (service.base + "/healthz", service_at),
                seconds=seconds,
                headers={},
                rounds=rounds,
            )
            for name, (path, headers) in targets.items():
                results[name] = pair(
                    (f"{bare.base}/{name}{path}", bare.process.pid),
                    (service.base + path, service_at),
                    seconds=seconds,
                    headers=headers,
                    rounds=rounds,
                )
            spread = post_script(folder, list(ids[1000:2000]))
            same = post_script(folder, [ids[1]])
            for name, script, ceiling_ids in (
                ("posts_1000_monuments", spread, list(ids[2000:3000])),
                ("posts_one_monument", same, [ids[2]]),
            ):
                results[name] = post_pair(
                    engine,
                    ceiling_ids,
                    (service.base + "/", service_at),
                    script,
                    seconds=seconds,
                    headers=staff,
                    rounds=rounds,
                )
        finally:
            for server in (service, bare, bare_fastapi):
                server.stop()
        engine.dispose()
    return results


TARGETS = {
    "healthz": ("/healthz ÷ bare FastAPI", 0.8),
    "monument_staff": ("GET monument, staff ÷ bare Starlette", 0.5),
    "monument_anonymous": ("GET monument, anonymous ÷ bare Starlette", 0.5),
    "list_50": ("GET monuments?limit=50 ÷ bare Starlette", 0.25),
    "posts_1000_monuments": ("POST to 1,000 monuments ÷ Core ceiling", 0.3),
    "posts_one_monument": ("POST to one monument ÷ Core ceiling", None),
}


def report(runs: list[dict]) -> None:
    for run in runs:
        print(f"\n{run['backend']} (1 worker; server on CPU 0, wrk on CPU 1)")
        print(
            f"{'what':<42}{'ratio':>7}{'target':>7}{'wall':>7}{'rps':>7}{'ceiling':>8}"
            f"{'/CPU-s':>8}{'ceiling':>8}{'p99 ms':>8}  load"
        )
        for key, (label, target) in TARGETS.items():
            row = run[key]
            p99, loads = row["service_p99_ms"], row["load"]
            print(
                f"{label:<42}{row['ratio']:>7}{'≥' + str(target) if target else '':>7}"
                f"{row['wall_ratio']:>7}{row['service_rps']:>7.0f}{row['ceiling_rps']:>8.0f}"
                f"{row['service_per_cpu_s']:>8.0f}{row['ceiling_per_cpu_s']:>8.0f}{p99:>8.1f}  "
                f"{min(loads):.2f}–{max(loads):.2f}"
                + (f"  non-2xx {row['non_2xx']}" if row["non_2xx"] else "")
                + f"  rounds {row['ratios_per_round']}"
            )
        first = run["first_request"]
        print(
            f"{'first request after start ÷ median':<42}{first['ratio']:>7}{'≤2':>7}"
            f"   first {first['first_ms']} ms, median {first['median_ms']} ms  {first['load']:.2f}"
            f"  starts {first['ratios']}"
        )
    print(
        "\nratio: requests per second of server CPU, service ÷ ceiling (read against the "
        "target); wall: the same for requests per wall-clock second."
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=4, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=2, help="ceiling/service alternations")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed: apt-get install wrk")
    load_before = load()
    runs = [run_backend(b, args.seconds, args.rounds) for b in args.backends.split(",")]
    report(runs)
    print(f"\n1-minute load average before the run: {load_before:.2f}; after: {load():.2f}")
    print("results in", write_results("hot_paths", {"runs": runs, "load_before": load_before}))


if __name__ == "__main__":
    main()
