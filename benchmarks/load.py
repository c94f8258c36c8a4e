"""Load without loss: mixed reads, assessment posts and photo uploads against a live server.

Starts `heritage-registry serve --workers 2` on a free port of 127.0.0.1 over a fresh
PostgreSQL database, drives it with concurrent asyncio clients (httpx) for a bounded time,
then checks what must hold whatever the load: every `201` a client saw is in the database,
the audit chain verifies (`heritage-registry audit verify`), the media check finds no
missing and no orphan file (`heritage-registry media check`), and no answer was a 5xx.
Prints the figures (requests, throughput, p50/p99, statuses) and writes them to
benchmarks/results/load.json.

Run: `make load` (60 s), or `python -m benchmarks.load --seconds 15 --clients 12`.
The CI runs a 15-second version (tests/security/test_load_and_faults.py).

A small asyncio generator rather than Locust: Locust's gevent monkey-patching does not mix
with the pytest process that runs the short version, and the loss check needs every 201's
body, which is a line of code here.
"""

import argparse
import asyncio
import io
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx2 as httpx
from PIL import Image
from sqlalchemy import create_engine, select

from app.assessments.models import DamageAssessment
from app.core.actors import command_line_actor
from app.core.db import Database, make_engine
from app.keys import service as keys
from app.keys.models import Role
from app.monuments import service as monuments
from app.photos.models import Photo
from app.sites import service as sites
from benchmarks.common import fresh_database, write_results

ROOT = Path(__file__).resolve().parent.parent


METRICS_TOKEN = "benchmark-scraper-token"


@dataclass
class Registry:
    """A seeded registry a server can be started on: its database, folders and keys."""

    database_url: str
    folder: Path
    keys: dict[str, str]
    site_id: int
    monument_ids: list[int]

    @property
    def media_root(self) -> Path:
        return self.folder / "media"

    def env(self) -> dict[str, str]:
        """The environment a server or a command line on this registry runs with."""
        return os.environ | {
            "HERITAGE_DATABASE_URL": self.database_url,
            "HERITAGE_MEDIA_ROOT": str(self.media_root),
            "HERITAGE_UPLOAD_TEMP_DIR": str(self.folder / "spool"),
            # The load comes from one address: the limits would turn it into 429s.
            "HERITAGE_RATE_LIMIT_ANONYMOUS": "",
            "HERITAGE_RATE_LIMIT_FAILED_AUTH": "",
            "HERITAGE_RATE_LIMIT_ANONYMOUS_REPORTS": "",
            "HERITAGE_LOG_LEVEL": "WARNING",
            # /metrics is read as Prometheus would: with the scraper's token.
            "HERITAGE_METRICS_TOKEN": METRICS_TOKEN,
        }


@contextmanager
def seeded_registry(monument_count: int = 20) -> Iterator[Registry]:
    """A fresh PostgreSQL registry with a site, monuments (one in five sensitive) and keys."""
    with fresh_database("postgresql") as url, tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "spool").mkdir()
        database = Database(make_engine(url))
        actor = command_line_actor()
        with database.session(write=True) as session:
            secrets = {
                role: keys.create_key(session=session, name=f"load {role}", role=role, actor=actor)[
                    1
                ]
                for role in (Role.staff, Role.field, Role.partner)
            }
            site = sites.create_site(
                session=session, fields={"name": "Load-test property", "country": "SY"}, actor=actor
            )
            ids = [
                monuments.create_monument(
                    session=session,
                    fields={
                        "site_id": site.id,
                        "name": f"Tomb {n}",
                        "alt_names": [],
                        "type": "tomb",
                        "lat": 34.54 + n / 1000,
                        "lon": 38.26 + n / 1000,
                        "location_precision_m": 20,
                        "sensitive": n % 5 == 0,
                    },
                    grid_degrees=0.1,
                    actor=actor,
                ).id
                for n in range(monument_count)
            ]
        database.engine.dispose()
        yield Registry(
            database_url=url,
            folder=Path(folder),
            keys={str(role): secret for role, secret in secrets.items()},
            site_id=site.id,
            monument_ids=ids,
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """`heritage-registry serve` in its own process group, so a kill takes every worker."""

    def __init__(self, registry: Registry, *, workers: int = 2, port: int | None = None) -> None:
        self.registry = registry
        self.workers = workers
        self.port = port or free_port()
        self.log = registry.folder / "server.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--workers", str(self.workers)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.registry.env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.log_tail()}")
            with suppress(OSError):
                urllib.request.urlopen(f"{self.url}/readyz", timeout=2)
                return
            time.sleep(0.2)
        raise RuntimeError(f"the server did not become ready:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL the server and its workers at once: no shutdown, no cleanup."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """A graceful stop (SIGTERM), then SIGKILL if it takes more than 20 s."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def unique_jpeg(rng: random.Random) -> bytes:
    """A small photo no other upload has (noise), so every upload makes a new photo."""
    image = Image.frombytes("RGB", (96, 64), rng.randbytes(96 * 64 * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


@dataclass
class LoadStats:
    """What the clients sent and saw."""

    started: float = field(default_factory=time.monotonic)
    finished: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    created: dict[str, set[int]] = field(
        default_factory=lambda: {"assessment": set(), "photo": set()}
    )
    server_errors: list[str] = field(default_factory=list)
    no_answer: int = 0  # connection refused or cut (the server was being killed)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def figures(self) -> dict:
        seconds = (self.finished or time.monotonic()) - self.started
        ordered = sorted(self.latencies) or [0.0]

        def percentile(values: list[float], share: float) -> float:
            values = sorted(values) or [0.0]
            return round(values[min(len(values) - 1, int(share * len(values)))] * 1000, 1)

        return {
            "seconds": round(seconds, 1),
            "requests": self.requests,
            "throughput_rps": round(self.requests / seconds, 1) if seconds else 0,
            "p50_ms": round(statistics.median(ordered) * 1000, 1),
            "p99_ms": percentile(ordered, 0.99),
            "p99_ms_by_kind": {k: percentile(v, 0.99) for k, v in sorted(self.by_kind.items())},
            "statuses": dict(sorted(self.statuses.items())),
            "created_assessments": len(self.created["assessment"]),
            "created_photos": len(self.created["photo"]),
            "server_errors": len(self.server_errors),
            "no_answer": self.no_answer,
        }


# The mix: (kind, weight). Reads dominate, as on a registry; writes are the field's.
READ_HEAVY = [
    ("list_monuments", 25),
    ("read_monument", 15),
    ("changes_feed", 10),
    ("report", 5),
    ("list_photos", 5),
    ("post_assessment", 25),
    ("upload_photo", 15),
]
WRITE_HEAVY = [("read_monument", 20), ("post_assessment", 40), ("upload_photo", 40)]


async def _one_request(
    client: httpx.AsyncClient, registry: Registry, kind: str, rng: random.Random
) -> tuple[int, str | None, dict | None]:
    monument_id = rng.choice(registry.monument_ids)
    field_key = {"Authorization": f"Bearer {registry.keys['field']}"}
    partner_key = {"Authorization": f"Bearer {registry.keys['partner']}"}
    if kind == "list_monuments":
        response = await client.get("/api/v1/monuments", params={"limit": 50}, headers=partner_key)
    elif kind == "read_monument":
        response = await client.get(f"/api/v1/monuments/{monument_id}")
    elif kind == "changes_feed":
        response = await client.get("/api/v1/changes", params={"limit": 100}, headers=partner_key)
    elif kind == "report":
        response = await client.get(
            f"/api/v1/reports/sites/{registry.site_id}/state-of-conservation"
        )
    elif kind == "list_photos":
        response = await client.get(f"/api/v1/monuments/{monument_id}/photos")
    elif kind == "post_assessment":
        body = {
            "observed_on": f"2016-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
            "method": rng.choice(["field_survey", "drone", "satellite_imagery"]),
            "source": f"load test, observation {rng.random():.12f}",
            "damage_level": rng.choice(["possible_damage", "severe_damage", "destroyed"]),
            "extent_percent": rng.randint(0, 100),
            "causes": ["explosives"],
            "confidence": "medium",
        }
        response = await client.post(
            f"/api/v1/monuments/{monument_id}/assessments", json=body, headers=field_key
        )
    else:
        response = await client.post(
            f"/api/v1/monuments/{monument_id}/photos",
            files={"file": ("field.jpg", unique_jpeg(rng), "image/jpeg")},
            data={"caption": "load test"},
            headers=field_key,
        )
    body = None
    if response.status_code == 201:
        body = response.json()
    return response.status_code, response.text[:300] if response.status_code >= 500 else None, body


async def drive(
    base_url: str,
    registry: Registry,
    *,
    seconds: float,
    clients: int,
    mix: list[tuple[str, int]] = READ_HEAVY,
    stats: LoadStats | None = None,
    seed: int = 2015,
) -> LoadStats:
    """Run `clients` concurrent clients against the server for `seconds`."""
    stats = stats or LoadStats()
    deadline = time.monotonic() + seconds
    kinds, weights = zip(*mix, strict=True)

    async def client_loop(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        timeout = httpx.Timeout(30.0, connect=5.0)
        async with httpx.AsyncClient(base_url=base_url, timeout=timeout) as client:
            while time.monotonic() < deadline:
                kind = rng.choices(kinds, weights)[0]
                started = time.monotonic()
                try:
                    status, error, body = await _one_request(client, registry, kind, rng)
                except httpx.TransportError:
                    # No answer at all: the server is down (being killed or restarted).
                    stats.no_answer += 1
                    await asyncio.sleep(0.1)
                    continue
                elapsed = time.monotonic() - started
                stats.statuses[status] += 1
                stats.latencies.append(elapsed)
                stats.by_kind.setdefault(kind, []).append(elapsed)
                if error is not None:
                    stats.server_errors.append(f"{kind}: {status} {error}")
                if body is not None:
                    stats.created["photo" if kind == "upload_photo" else "assessment"].add(
                        body["id"]
                    )

    await asyncio.gather(*(client_loop(n) for n in range(clients)))
    stats.finished = time.monotonic()
    return stats


@dataclass
class Invariants:
    """What must hold after any run, load or fault."""

    lost_assessments: list[int]
    lost_photos: list[int]
    audit_verify: dict
    audit_ok: bool
    media_check_ok: bool
    media_check_output: str

    @property
    def lost_writes(self) -> int:
        return len(self.lost_assessments) + len(self.lost_photos)

    def figures(self) -> dict:
        return {
            "lost_writes": self.lost_writes,
            "audit_chain_ok": self.audit_ok,
            "audit_chain_length": self.audit_verify.get("length"),
            "media_check_ok": self.media_check_ok,
        }


def heritage_command(registry: Registry, *arguments: str) -> subprocess.CompletedProcess:
    """Run the `heritage-registry` command line on the registry."""
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *arguments],
        cwd=ROOT,
        env=registry.env() | {"COLUMNS": "200"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def check_invariants(registry: Registry, stats: LoadStats) -> Invariants:
    """Every 201 is stored; the audit chain verifies; no file is missing or orphaned."""
    engine = create_engine(registry.database_url)
    with engine.connect() as connection:
        assessments = set(connection.execute(select(DamageAssessment.id)).scalars())
        photos = set(connection.execute(select(Photo.id)).scalars())
    engine.dispose()
    verify = heritage_command(registry, "audit", "verify")
    media = heritage_command(registry, "media", "check")
    return Invariants(
        lost_assessments=sorted(stats.created["assessment"] - assessments),
        lost_photos=sorted(stats.created["photo"] - photos),
        audit_verify=json.loads(verify.stdout.strip().splitlines()[-1]) if verify.stdout else {},
        audit_ok=verify.returncode == 0,
        media_check_ok=media.returncode == 0,
        media_check_output=media.stdout + media.stderr,
    )


def run_load(*, seconds: float, clients: int) -> dict:
    """One bounded load run on a fresh registry; the figures and the invariants."""
    with seeded_registry() as registry:
        server = Server(registry, workers=2)
        server.start()
        try:
            stats = asyncio.run(drive(server.url, registry, seconds=seconds, clients=clients))
            scrape = urllib.request.Request(
                f"{server.url}/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}
            )
            metrics = urllib.request.urlopen(scrape, timeout=10).read().decode()
        finally:
            server.stop()
        invariants = check_invariants(registry, stats)
        return {
            "workers": 2,
            "clients": clients,
            **stats.figures(),
            **invariants.figures(),
            "server_error_samples": stats.server_errors[:5],
            "media_check_output": invariants.media_check_output[-2000:],
            "metrics_requests_counted": _metric_total(metrics, "heritage_http_requests_total"),
        }


def _metric_total(exposition: str, name: str) -> float:
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in exposition.splitlines()
        if line.startswith(name + "{") or line.startswith(name + " ")
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    results = run_load(seconds=args.seconds, clients=args.clients)
    print(json.dumps(results, indent=2))
    print(f"written to {write_results('load', results)}")
    failed = (
        results["lost_writes"]
        or results["server_errors"]
        or not results["audit_chain_ok"]
        or not results["media_check_ok"]
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
