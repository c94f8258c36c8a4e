"""Resumable (tus) uploads through the real service: what finishing a photo in the request
costs, and that a large upload goes to disk, not memory.

    python -m benchmarks.tus_upload          (or: make bench-tus)

Generates 12-megapixel JPEGs, starts the service with uvicorn on a free port of 127.0.0.1
(SQLite, temporary folders), and sends each photo with tuspy in 256 KiB chunks. It prints the
median time of a middle chunk (receive + fsync + commit) next to the median time of the
last chunk (the same, plus hashing, Pillow's checks, EXIF, both derivatives and storage:
the photo is made before the answer), and a multipart upload of the same photos as the
baseline measured in the same run. Then it sends a 100 MB file in 8 MiB chunks and reads
the server's peak resident memory (VmHWM) before and after. The server is stopped by PID.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx2 as httpx
from tusclient.client import TusClient

from benchmarks.common import fresh_database
from benchmarks.photo_upload import (
    free_port,
    make_photos,
    prepare_database,
    vm_hwm_kib,
    wait_until_up,
    write_big_file,
)

CHUNK = 256 * 1024
BIG_CHUNK = 8 * 1024 * 1024
BIG_UPLOAD_BYTES = 100 * 1024 * 1024


def timed_tus_upload(client: TusClient, path: Path, monument_id: int, chunk: int) -> list[float]:
    """Seconds of each PATCH of one upload, in order."""
    uploader = client.uploader(
        file_path=str(path), chunk_size=chunk, metadata={"monument_id": str(monument_id)}
    )
    timings = []
    while uploader.offset < uploader.get_file_size():
        started = time.perf_counter()
        uploader.upload_chunk()
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=8, help="12-MP JPEGs to upload")
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory(prefix="bench-tus-") as folder_name,
        fresh_database("sqlite") as url,
    ):
        folder = Path(folder_name)
        paths = make_photos(folder, args.photos)
        mean_mb = statistics.mean(path.stat().st_size for path in paths) / 1e6
        monument_id, secret = prepare_database(url)
        port = free_port()
        env = {
            **os.environ,
            "HERITAGE_DATABASE_URL": url,
            "HERITAGE_MEDIA_ROOT": str(folder / "media"),
            "HERITAGE_UPLOAD_TEMP_DIR": str(folder),
            "HERITAGE_RESUMABLE_UPLOADS_DIR": str(folder / "uploads"),
            "HERITAGE_MAX_UPLOAD_BYTES": str(BIG_UPLOAD_BYTES + 1024 * 1024),
        }
        command = [sys.executable, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1"]
        server = subprocess.Popen(
            [*command, "--port", str(port), "--workers", "1", "--log-level", "warning"], env=env
        )
        base_url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {secret}"}
        tus = TusClient(f"{base_url}/api/v1/uploads", headers=headers)
        try:
            wait_until_up(base_url, server)
            timed_tus_upload(tus, paths[0], monument_id, CHUNK)  # warm-up (then a duplicate)
            middle, last, whole = [], [], []
            for path in paths[1:]:
                started = time.perf_counter()
                timings = timed_tus_upload(tus, path, monument_id, CHUNK)
                whole.append(time.perf_counter() - started)
                middle.extend(timings[1:-1])
                last.append(timings[-1])
            multipart = []
            with httpx.Client(timeout=300, headers=headers) as client:
                for path in paths[1:]:
                    with path.open("rb") as body:
                        started = time.perf_counter()
                        client.post(
                            f"{base_url}/api/v1/monuments/{monument_id}/photos",
                            files={"file": (path.name + ".copy", body)},
                        )  # the same bytes: a duplicate, so this times the pipeline too
                        multipart.append(time.perf_counter() - started)
            big = folder / "big.bin"
            write_big_file(big, BIG_UPLOAD_BYTES)
            before_kib = vm_hwm_kib(server.pid)
            started = time.perf_counter()
            try:
                timed_tus_upload(tus, big, monument_id, BIG_CHUNK)
            except Exception as error:  # refused as "not an image" once complete, as expected
                big_outcome = getattr(error, "status_code", repr(error))
            else:
                big_outcome = "accepted"
            big_seconds = time.perf_counter() - started
            after_kib = vm_hwm_kib(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=15)

    results = {
        "photos": len(paths) - 1,
        "chunk_kib": CHUNK // 1024,
        "mean_jpeg_mb": round(mean_mb, 2),
        "middle_chunk_ms": round(statistics.median(middle) * 1000, 1),
        "last_chunk_ms": round(statistics.median(last) * 1000, 1),
        "whole_tus_upload_ms": round(statistics.median(whole) * 1000, 1),
        "multipart_upload_ms": round(statistics.median(multipart) * 1000, 1),
        "big_upload_mb": BIG_UPLOAD_BYTES // (1024 * 1024),
        "big_upload_outcome": big_outcome,
        "big_upload_mb_per_s": round(BIG_UPLOAD_BYTES / 1e6 / big_seconds, 1),
        "server_vmhwm_before_big_mib": round(before_kib / 1024, 1),
        "server_vmhwm_after_big_mib": round(after_kib / 1024, 1),
    }
    print(
        f"""
12-MP JPEGs ({results["mean_jpeg_mb"]} MB) sent with tuspy in {results["chunk_kib"]} KiB chunks (medians over {results["photos"]})
  a middle chunk (receive, fsync, commit):          {results["middle_chunk_ms"]:>8} ms
  the last chunk (the same + the photo pipeline):   {results["last_chunk_ms"]:>8} ms
  the whole resumable upload:                       {results["whole_tus_upload_ms"]:>8} ms
  baseline, one multipart upload of the same file:  {results["multipart_upload_ms"]:>8} ms
100 MB in 8 MiB chunks ({results["big_upload_mb_per_s"]} MB/s, outcome {big_outcome}: not an image)
  server peak RSS (VmHWM) before: {results["server_vmhwm_before_big_mib"]} MiB, after: {results["server_vmhwm_after_big_mib"]} MiB"""  # noqa: E501
    )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "tus_upload.json").write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
