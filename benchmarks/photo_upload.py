"""Photo uploads through the real HTTP service, against the bare Pillow pipeline, same run.

    python -m benchmarks.photo_upload          (or: make bench-photos)

Generates 12-megapixel JPEGs with EXIF and times the bare pipeline: the honest minimum of the
work the service must do for each photo, without HTTP, a database or our code around it.
That is SHA-256 of the bytes, Pillow's checks, EXIF and both derivatives (`images.process`,
with and without draft mode), and then the three files stored durably, as any store of
evidence must: the original and both derivatives each written once and fsynced once (an
acknowledged photo must survive a crash; without this step the baseline would compare a
service that stores with a pipeline that throws its results away). Then, for SQLite and
PostgreSQL in turn, it starts the service with uvicorn on a free port of 127.0.0.1 (a fresh
database, a media folder in a temporary folder), uploads the same files over HTTP, and prints
photos/s for both and their ratio: by wall-clock (medians), and per second of CPU (the
server's CPU time from /proc over all uploads against the pipeline's, so the shared machine's
load, which stretches wall-clock times, counts less), with the 1-minute load average before
and after. It also sends a 200 MB file and reads the server's peak resident memory (VmHWM)
before and after, to show the upload is streamed rather than held in memory. The server is
stopped by its PID.
"""

import argparse
import hashlib
import io
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from PIL import Image, ImageDraw, ImageFilter

from app.core.actors import command_line_actor
from app.core.db import Database, make_engine
from app.keys import service as keys
from app.keys.models import Role
from app.monuments import service as monuments
from app.photos import images
from app.sites import service as sites
from benchmarks.common import cpu_seconds, fresh_database, write_results

MEGAPIXELS_12 = (4000, 3000)
BIG_UPLOAD_BYTES = 200 * 1024 * 1024


def make_photos(folder: Path, count: int) -> list[Path]:
    """`count` different 12-MP JPEGs that compress like photos (a few MB each), with EXIF."""
    base = Image.radial_gradient("L").resize(MEGAPIXELS_12).convert("RGB")
    noise = Image.effect_noise(MEGAPIXELS_12, 40).convert("RGB")
    base = Image.blend(base, noise, 0.35).filter(ImageFilter.GaussianBlur(1))
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "Canon", "Canon EOS 5D Mark III", 6
    paths = []
    for index in range(count):
        image = base.copy()
        ImageDraw.Draw(image).rectangle((100 * index, 100, 100 * index + 600, 700), fill="white")
        path = folder / f"IMG_{index:04d}.jpg"
        image.save(path, format="JPEG", quality=90, exif=exif)
        paths.append(path)
    return paths


def bare_pipeline(path: Path, *, use_draft: bool, store_in: Path) -> float:
    """Seconds for one photo's hash + EXIF + derivatives, then its three files written and
    fsynced once each (see the module's docstring)."""
    started = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    processed = images.process(path, max_pixels=64_000_000, min_side=32, use_draft=use_draft)
    stored = store_in / f"{path.stem}-original"
    shutil.copyfile(path, stored)
    with stored.open("rb") as file:
        os.fsync(file.fileno())
    for name, data in (("preview", processed.preview), ("thumbnail", processed.thumbnail)):
        with (store_in / f"{path.stem}-{name}").open("wb") as file:
            file.write(data.data)
            file.flush()
            os.fsync(file.fileno())
    return time.perf_counter() - started


def pillow_only(path: Path) -> float:
    """Seconds for one photo's hash + EXIF + derivatives, stored nowhere (the old baseline)."""
    started = time.perf_counter()
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    images.process(path, max_pixels=64_000_000, min_side=32)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prepare_database(url: str) -> tuple[int, str]:
    """Add a site and a monument to a migrated database, create a field key; returns
    (monument id, key)."""
    database = Database(make_engine(url))
    actor = command_line_actor()
    with database.session(write=True) as session:
        site = sites.create_site(
            session=session,
            fields={"name": "Palmyra", "country": "SY", "lat": 34.55, "lon": 38.27},
            actor=actor,
        )
        monument = monuments.create_monument(
            session=session,
            fields={
                "site_id": site.id,
                "name": "Temple of Bel",
                "type": "temple",
                "lat": 34.54738,
                "lon": 38.27393,
                "location_precision_m": 50,
            },
            grid_degrees=0.1,
            actor=actor,
        )
        _, secret = keys.create_key(session=session, name="bench", role=Role.field, actor=actor)
    database.engine.dispose()
    return monument.id, secret


def vm_hwm_kib(pid: int) -> int:
    """The process's peak resident memory so far (VmHWM), in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc status")


def wait_until_up(base_url: str, server: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("the server exited during start-up")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start in time")


def write_big_file(path: Path, size: int) -> None:
    block = os.urandom(1024 * 1024)
    with path.open("wb") as file:
        for _ in range(size // len(block)):
            file.write(block)


def upload_through_service(
    backend: str, url: str, folder: Path, paths: list[Path], *, big_upload: bool, store_in: Path
) -> dict:
    """Start the service on `url` and upload `paths` over HTTP (and the 200 MB file)."""
    monument_id, secret = prepare_database(url)
    port = free_port()
    media = folder / f"media-{backend}"
    env = {
        **os.environ,
        "HERITAGE_DATABASE_URL": url,
        "HERITAGE_MEDIA_ROOT": str(media),
        "HERITAGE_UPLOAD_TEMP_DIR": str(folder),
        "HERITAGE_MAX_UPLOAD_BYTES": str(BIG_UPLOAD_BYTES + 1024 * 1024),
    }
    command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
    server = subprocess.Popen(
        [*command, "--port", str(port), "--workers", "1", "--log-level", "warning"],
        env=env,
    )
    base_url = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {secret}"}
    upload_url = f"{base_url}/api/v1/monuments/{monument_id}/photos"
    found: dict = {}
    try:
        wait_until_up(base_url, server)
        with httpx.Client(timeout=300, headers=headers) as client:
            small = io.BytesIO()
            Image.new("RGB", (64, 64)).save(small, format="PNG")
            client.post(upload_url, files={"file": ("warm.png", small.getvalue())})

            if big_upload:
                # A 200 MB body first, so the high-water mark shows the receive alone.
                big = folder / "big.bin"
                write_big_file(big, BIG_UPLOAD_BYTES)
                before_kib = vm_hwm_kib(server.pid)
                with big.open("rb") as body:
                    started = time.perf_counter()
                    answer = client.post(upload_url, files={"file": ("big.bin", body)})
                    seconds = time.perf_counter() - started
                after_kib = vm_hwm_kib(server.pid)
                big.unlink()
                found |= {
                    "big_upload_mb": BIG_UPLOAD_BYTES // (1024 * 1024),
                    "big_upload_status": answer.status_code,
                    "big_upload_mb_per_s": round(BIG_UPLOAD_BYTES / 1e6 / seconds, 1),
                    "server_vmhwm_before_big_mib": round(before_kib / 1024, 1),
                    "server_vmhwm_after_big_mib": round(after_kib / 1024, 1),
                }

            # The 12-MP photos, one after another, as one phone would send them; each photo
            # goes through the bare pipeline (and Pillow alone) just before it is sent, so
            # the shared machine's drifting load falls on baseline and service alike.
            timings, bare, unstored = [], [], []
            bare_cpu = server_cpu = 0.0
            for path in paths:
                cpu_started = time.process_time()
                bare.append(bare_pipeline(path, use_draft=True, store_in=store_in))
                bare_cpu += time.process_time() - cpu_started
                unstored.append(pillow_only(path))
                with path.open("rb") as body:
                    cpu_started = cpu_seconds(server.pid)
                    started = time.perf_counter()
                    answer = client.post(upload_url, files={"file": (path.name, body)})
                    timings.append(time.perf_counter() - started)
                    server_cpu += cpu_seconds(server.pid) - cpu_started
                if answer.status_code != 201:
                    raise RuntimeError(f"upload failed: {answer.status_code} {answer.text}")
            found["server_vmhwm_after_photos_mib"] = round(vm_hwm_kib(server.pid) / 1024, 1)
    finally:
        server.terminate()
        server.wait(timeout=15)
    return found | {
        "http_s": statistics.median(timings),
        "bare_s": statistics.median(bare),
        "unstored_s": statistics.median(unstored),
        "bare_cpu_s": bare_cpu / len(paths),
        "server_cpu_s": server_cpu / len(paths),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=12, help="12-MP JPEGs to upload")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()

    runs = []
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-photos-") as folder_name:
        folder = Path(folder_name)
        print(f"Generating {args.photos} 12-megapixel JPEGs…", flush=True)
        paths = make_photos(folder, args.photos)
        sizes = [path.stat().st_size for path in paths]
        mean_mb = round(statistics.mean(sizes) / 1e6, 2)
        print(f"  {mean_mb} MB each on average")
        stored = folder / "bare-store"
        stored.mkdir()

        images.process(paths[0], max_pixels=64_000_000)  # warm-up: imports, codecs
        full_s = statistics.median(
            bare_pipeline(path, use_draft=False, store_in=stored) for path in paths
        )
        for index, backend in enumerate(args.backends.split(",")):
            with fresh_database(backend) as url:
                http = upload_through_service(
                    backend, url, folder, paths, big_upload=index == 0, store_in=stored
                )
            http_s, draft_s, unstored_s = (
                http.pop("http_s"),
                http.pop("bare_s"),
                http.pop("unstored_s"),
            )
            bare_cpu_s, server_cpu_s = http.pop("bare_cpu_s"), http.pop("server_cpu_s")
            runs.append(
                {
                    "backend": backend,
                    "photos": args.photos,
                    "mean_jpeg_mb": mean_mb,
                    "bare_pipeline_photos_per_s": round(1 / draft_s, 2),
                    "bare_pillow_unstored_photos_per_s": round(1 / unstored_s, 2),
                    "http_photos_per_s": round(1 / http_s, 2),
                    "http_to_bare_ratio": round(draft_s / http_s, 2),
                    "http_to_unstored_ratio": round(unstored_s / http_s, 2),
                    "bare_cpu_ms": round(bare_cpu_s * 1000, 1),
                    "server_cpu_ms": round(server_cpu_s * 1000, 1),
                    "cpu_ratio": round(bare_cpu_s / server_cpu_s, 2),
                    "bare_full_decode_photos_per_s": round(1 / full_s, 2),
                    "draft_speedup": round(full_s / draft_s, 2),
                    **http,
                }
            )
    print(f"\n12-MP JPEG uploads (median of {args.photos}, {mean_mb} MB each), photos/s")
    header = ("backend", "bare", "HTTP", "ratio", "Pillow only", "HTTP ÷ it")
    header += ("CPU ms: bare", "server", "ratio")
    print("{:<11} {:>6} {:>6} {:>6} {:>12} {:>10} {:>13} {:>7} {:>6}".format(*header))
    for r in runs:
        print(
            f"{r['backend']:<11} {r['bare_pipeline_photos_per_s']:>6} "
            f"{r['http_photos_per_s']:>6} {r['http_to_bare_ratio']:>6} "
            f"{r['bare_pillow_unstored_photos_per_s']:>12} {r['http_to_unstored_ratio']:>10} "
            f"{r['bare_cpu_ms']:>13} {r['server_cpu_ms']:>7} {r['cpu_ratio']:>6}"
        )
    first = runs[0]
    print(
        "bare: hash + EXIF + 2 derivatives (draft) + 3 files written and fsynced once each;",
        "'Pillow only' leaves out the storing; CPU: mean per photo, the pipeline's own process",
        "against the server's (all threads), ratio bare ÷ server.",
        f"\nWithout draft mode the bare pipeline does {first['bare_full_decode_photos_per_s']}",
        f"photos/s (draft mode: {first['draft_speedup']}× faster).",
    )
    if "big_upload_status" in first:
        print(
            f"200 MB upload ({first['big_upload_mb_per_s']} MB/s, answered "
            f"{first['big_upload_status']}: not an image); server peak RSS (VmHWM) before "
            f"{first['server_vmhwm_before_big_mib']} MiB, after "
            f"{first['server_vmhwm_after_big_mib']} MiB, after the 12-MP uploads "
            f"{first['server_vmhwm_after_photos_mib']} MiB"
        )
    print(f"1-minute load average: {load_before:.2f} before, {os.getloadavg()[0]:.2f} after")
    print("target: HTTP ≥ 0.8 × bare; results in", write_results("photo_upload", {"runs": runs}))


if __name__ == "__main__":
    main()
