"""Faults: the server killed mid-write, the database gone; nothing acknowledged is lost.

1. **SIGKILL during uploads and writes.** Clients post assessments and upload photos as
   fast as they can while the server (the uvicorn parent and both workers) is killed with
   SIGKILL, restarted, and killed again. Afterwards every `201` a client saw is in the
   database, the audit chain verifies and no stored photo lacks a file. A kill between a
   photo's file write and its commit leaves a file without a row, by design (files first,
   then the row): the media check lists such orphans and `media check --repair
   --grace-minutes 0` removes them, after which the check is clean.
2. **Database unavailable.** The server's PostgreSQL database stops accepting connections
   (`ALTER DATABASE … ALLOW_CONNECTIONS false` and its sessions terminated; the shared
   PostgreSQL server itself keeps running for everyone else; a `CONNECTION LIMIT 0` would
   not stop a superuser). `/readyz` then answers 503, reads and writes answer 503 problem
   details with `Retry-After`, `/healthz` stays 200; once the database accepts connections
   again the service recovers by itself, with no restart.

Run: `make faults` (or `python -m benchmarks.faults --kills 3`); the CI runs a shorter
version in tests/security/test_load_and_faults.py. Figures go to
benchmarks/results/faults.json.
"""

import argparse
import asyncio
import json
import sys
import time
import urllib.error
import urllib.request

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.common import POSTGRES_ADMIN_URL, write_results
from benchmarks.load import (
    METRICS_TOKEN,
    WRITE_HEAVY,
    LoadStats,
    Registry,
    Server,
    check_invariants,
    drive,
    heritage_command,
    seeded_registry,
)


def kill_during_writes(
    registry: Registry, *, kills: int = 2, seconds_between: float = 4, clients: int = 10
) -> dict:
    """Write-heavy load while the server is SIGKILLed `kills` times and restarted."""
    server = Server(registry, workers=2)
    server.start()
    stats = LoadStats()
    outages: list[float] = []

    async def killer() -> None:
        for _ in range(kills):
            await asyncio.sleep(seconds_between)
            down = time.monotonic()
            await asyncio.to_thread(server.kill)
            await asyncio.sleep(0.5)
            await asyncio.to_thread(server.start)
            outages.append(round(time.monotonic() - down, 1))

    async def run() -> None:
        total = seconds_between * (kills + 1) + 5 * kills
        load = asyncio.create_task(
            drive(
                server.url, registry, seconds=total, clients=clients, mix=WRITE_HEAVY, stats=stats
            )
        )
        await killer()
        await load

    try:
        asyncio.run(run())
    finally:
        server.stop()
    spooled = sorted(p.name for p in (registry.folder / "spool").glob("upload-*"))
    invariants = check_invariants(registry, stats)
    orphans = _count(invariants.media_check_output, "orphan")
    missing = _count(invariants.media_check_output, "missing")
    repair = heritage_command(registry, "media", "check", "--repair", "--grace-minutes", "0")
    after_repair = heritage_command(registry, "media", "check")
    spooled_after = list((registry.folder / "spool").glob("upload-*"))
    return {
        "kills": kills,
        "restart_seconds": outages,
        **stats.figures(),
        **invariants.figures(),
        "missing_files": missing,
        "orphan_files_after_kills": orphans,
        "media_check_ok_after_repair": after_repair.returncode == 0,
        "repair_output": repair.stdout[-1000:],
        "spooled_uploads_left_by_kills": len(spooled),
        "spooled_uploads_left_after_repair": len(spooled_after),
        "server_error_samples": stats.server_errors[:5],
    }


def _count(media_check_output: str, word: str) -> int:
    # The summary line: "<storage>: N missing file(s), M orphan file(s), K removed."
    summary = media_check_output.strip().splitlines()[-1]
    for part in summary.split(":")[-1].split(","):
        if word in part:
            return int(part.split()[0])
    return 0


def _answer(url: str, method: str = "GET", body: dict | None = None, key: str | None = None):
    request = urllib.request.Request(url, method=method)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, data=data, timeout=30) as response:
            headers = {k.lower(): v for k, v in response.headers.items()}
            return response.status, headers, response.read().decode()
    except urllib.error.HTTPError as error:
        headers = {k.lower(): v for k, v in error.headers.items()}
        return error.code, headers, error.read().decode()


ASSESSMENT = {
    "observed_on": "2016-03-27",
    "method": "field_survey",
    "source": "fault test",
    "damage_level": "severe_damage",
    "confidence": "high",
}


def _set_connections(admin, database: str, *, allowed: bool) -> None:
    with admin.connect() as connection:
        connection.execute(
            text(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
        )
        if not allowed:
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": database},
            )


def database_outage(registry: Registry, *, probes: int = 12) -> dict:
    """Make the server's database refuse connections, probe every kind of request, restore."""
    server = Server(registry, workers=2)
    server.start()
    database = make_url(registry.database_url).database
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    monument = registry.monument_ids[0]
    field_key = registry.keys["field"]
    writes = f"{server.url}/api/v1/monuments/{monument}/assessments"
    stats = LoadStats()
    answers: dict[str, list] = {"readyz": [], "read": [], "write": [], "healthz": []}
    try:
        status, _, body = _answer(writes, "POST", ASSESSMENT, field_key)
        assert status == 201, body
        stats.created["assessment"].add(json.loads(body)["id"])

        _set_connections(admin, database, allowed=False)
        # Several of each, so both workers (and their pooled connections) are tried.
        for _ in range(probes):
            answers["readyz"].append(_answer(f"{server.url}/readyz"))
            answers["read"].append(_answer(f"{server.url}/api/v1/monuments"))
            answers["write"].append(_answer(writes, "POST", ASSESSMENT, field_key))
            answers["healthz"].append(_answer(f"{server.url}/healthz"))
        metrics_down = _answer(f"{server.url}/metrics", key=METRICS_TOKEN)[2]

        _set_connections(admin, database, allowed=True)
        restored = time.monotonic()
        while _answer(f"{server.url}/readyz")[0] != 200:
            if time.monotonic() - restored > 60:
                raise AssertionError("the service did not recover within 60 s")
            time.sleep(0.2)
        recovery = time.monotonic() - restored
        after = [_answer(writes, "POST", ASSESSMENT, field_key) for _ in range(probes)]
        for status, _, body in after:
            if status == 201:
                stats.created["assessment"].add(json.loads(body)["id"])
        reads_after = [_answer(f"{server.url}/api/v1/monuments")[0] for _ in range(probes)]
    finally:
        _set_connections(admin, database, allowed=True)
        admin.dispose()
        server.stop()

    def summary(kind: str) -> dict:
        statuses = [status for status, _, _ in answers[kind]]
        problems = [
            headers.get("content-type") == "application/problem+json"
            and headers.get("retry-after", "").isdigit()
            and json.loads(body).get("status") == 503
            for status, headers, body in answers[kind]
            if status == 503
        ]
        return {
            "statuses": sorted(set(statuses)),
            "problem_details_with_retry_after": all(problems) and len(problems) == len(statuses),
        }

    invariants = check_invariants(registry, stats)
    return {
        "during_outage": {kind: summary(kind) for kind in ("readyz", "read", "write")},
        "healthz_during_outage": sorted({status for status, _, _ in answers["healthz"]}),
        "metrics_database_up_during_outage": "heritage_database_up 0.0" in metrics_down,
        "recovery_seconds": round(recovery, 2),
        "writes_after_recovery": sorted({status for status, _, _ in after}),
        "reads_after_recovery": sorted(set(reads_after)),
        **invariants.figures(),
        "sample_503": answers["write"][0][2][:300],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seconds-between", type=float, default=8)
    args = parser.parse_args()
    results = {}
    with seeded_registry() as registry:
        results["kill_during_writes"] = kill_during_writes(
            registry, kills=args.kills, seconds_between=args.seconds_between
        )
    with seeded_registry() as registry:
        results["database_outage"] = database_outage(registry)
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('faults', results)}")
    killed, outage = results["kill_during_writes"], results["database_outage"]
    failed = (
        killed["lost_writes"]
        or killed["server_errors"]
        or not killed["audit_chain_ok"]
        or killed["missing_files"]
        or not killed["media_check_ok_after_repair"]
        or outage["lost_writes"]
        or not outage["audit_chain_ok"]
        or any(v["statuses"] != [503] for v in outage["during_outage"].values())
        or outage["writes_after_recovery"] != [201]
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
