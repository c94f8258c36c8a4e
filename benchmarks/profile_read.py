"""Where a monument read spends its time: py-spy samples the real service while wrk drives it.

    python -m benchmarks.profile_read [--backend postgresql] [--no-cache] [--seconds 10]

Seeds a fresh database (2,000 monuments), starts the service under uvicorn (one worker) on
127.0.0.1, drives `GET /api/v1/monuments/{id}` with a partner key through wrk and, meanwhile,
records the server's stacks with py-spy (the thread holding the GIL). Prints the share
of samples by package (our code, SQLAlchemy, FastAPI/Starlette, anyio, uvicorn…), the
functions holding the most samples themselves, and writes the collapsed stacks (flame-graph
input) to benchmarks/results/. `--no-cache` profiles the read with the read cache off, as
every read ran before it existed. The server is stopped by its PID.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session

from app.core.actors import command_line_actor
from app.core.db import make_engine
from app.keys import service as keys
from app.keys.models import Role
from app.monuments.models import Monument
from benchmarks.common import RESULTS, fresh_database, seed_site
from benchmarks.service_load import server, wrk

# py-spy comes with the dev extras, next to the interpreter running this.
PY_SPY = shutil.which(
    "py-spy", path=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
)

# Where a frame's file lives, from most to least specific, and the name it is reported under.
PACKAGES = [
    ("sqlalchemy", "SQLAlchemy"),
    ("sqlmodel", "SQLAlchemy"),
    ("sqlite3", "database driver"),
    ("psycopg", "database driver"),
    ("fastapi", "FastAPI / Starlette"),
    ("starlette", "FastAPI / Starlette"),
    ("pydantic", "pydantic"),
    ("anyio", "anyio (thread pool)"),
    ("asgi_correlation_id", "logging"),
    ("structlog", "logging"),
    ("logging", "logging"),
    ("prometheus_client", "metrics"),
    ("uvicorn", "uvicorn / HTTP"),
    ("httptools", "uvicorn / HTTP"),
    ("uvloop", "uvicorn / HTTP"),
    ("threading", "anyio (thread pool)"),
    ("queue", "anyio (thread pool)"),
    ("asyncio", "asyncio"),
    ("contextlib", "contextlib"),
]


def package_of(frame: str) -> str:
    """The package a py-spy frame (`function (path)`) belongs to."""
    location = frame.rpartition("(")[2]
    if location.startswith("app/") or "/app/" in location:
        return "registry (app/)"
    for marker, name in PACKAGES:
        if marker in location:
            return name
    return "standard library / other"


def start_recording(pid: int, seconds: int, output: Path) -> subprocess.Popen:
    """py-spy recording every thread of `pid` for `seconds`, as collapsed stacks."""
    return subprocess.Popen(
        [
            PY_SPY,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(seconds),
            "--rate",
            "200",
            "--format",
            "raw",
            "--function",
            # Only the thread holding the GIL: what Python is executing, not threads waiting.
            "--gil",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def summarise(stacks_file: Path, top: int) -> None:
    """Print the share of on-CPU samples per package and per function (self time)."""
    by_package: Counter[str] = Counter()
    by_function: Counter[str] = Counter()
    total = 0
    for line in stacks_file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        leaf = stack.rsplit(";", 1)[-1]
        samples = int(count)
        total += samples
        by_package[package_of(leaf)] += samples
        by_function[leaf] += samples
    print(f"{total} samples of the thread holding the GIL\n\nself time by package:")
    for package, samples in by_package.most_common():
        print(f"  {100 * samples / total:5.1f} %  {package}")
    print(f"\nfunctions with the most self time (top {top}):")
    for function, samples in by_function.most_common(top):
        print(f"  {100 * samples / total:5.1f} %  {function}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="sqlite", choices=["sqlite", "postgresql"])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--no-cache", action="store_true", help="profile with the cache off")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if shutil.which("wrk") is None or PY_SPY is None:
        sys.exit("wrk and py-spy are needed: apt-get install wrk; pip install -e '.[dev]'")
    with fresh_database(args.backend) as url, tempfile.TemporaryDirectory() as folder:
        engine = make_engine(url)
        seed_site(engine, monuments=2_000, assessments_per_monument=2)
        with Session(engine) as session:
            _, partner_key = keys.create_key(
                session=session, name="profile", role=Role.partner, actor=command_line_actor()
            )
            monument_id = session.scalars(
                select(Monument.id).where(Monument.sensitive).limit(1)
            ).one()
            session.commit()
        engine.dispose()
        env = {"HERITAGE_DATABASE_URL": url, "HERITAGE_MEDIA_ROOT": f"{folder}/media"}
        if args.no_cache:
            env["HERITAGE_READ_CACHE_ENTRIES"] = "0"
        stacks = RESULTS / f"profile_read_{args.backend}{'_no_cache' if args.no_cache else ''}.txt"
        RESULTS.mkdir(exist_ok=True)
        with server("app.main:app", 1, env, Path(folder) / "server.log") as (base, pid):
            profiler = start_recording(pid, args.seconds, stacks)
            # wrk runs a little longer, so every sample is taken under load.
            measured = wrk(
                f"{base}/api/v1/monuments/{monument_id}",
                seconds=args.seconds + 2,
                key=partner_key,
            )
            if profiler.wait() != 0:
                sys.exit("py-spy could not sample the server (it needs ptrace permission)")
    print(f"GET /api/v1/monuments/{{id}}: {measured['rps']:.0f} requests/s while sampled\n")
    summarise(stacks, args.top)
    print(f"\ncollapsed stacks (flame-graph input) in {stacks}")


if __name__ == "__main__":
    main()
