"""Decoding within a memory budget: each decoder's cost is estimated from the file's header
and the estimate holds, the worst files are refused or decoded within it, and concurrent
decodes share one budget per process."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from app.core.errors import ServiceUnavailable, Unprocessable
from app.photos import images
from tests.photos.worst_images import GIANTS, WORST_ACCEPTED

BUDGET = images.DEFAULT_MAX_DECODE_BYTES
MAX_PIXELS = 64_000_000

# Decodes one file in a fresh interpreter and prints its estimate and the memory it took.
MEASURE = """
import json, sys
from pathlib import Path
from PIL import Image
from app.photos import images

images.configure_pillow(max_pixels=64_000_000, max_decode_bytes=4 * 1024**3)
path = Path(sys.argv[1])
with Image.open(path) as image:
    size = image.size
    if image.format in ("JPEG", "MPO"):
        image.draft("RGB", images.fit_within(*size, images.PREVIEW_BOX))
    estimate = images.decode_cost(image, size)
def memory(field):
    # VmHWM, not getrusage: Linux carries ru_maxrss over from the parent across exec.
    status = Path("/proc/self/status").read_text()
    return int(next(l.split()[1] for l in status.splitlines() if l.startswith(field))) * 1024
before = memory("VmRSS")
images.process(path, max_pixels=64_000_000)
print(json.dumps({"estimate": estimate, "used": memory("VmHWM") - before}))
"""


def _estimate(path: Path) -> int:
    with Image.open(path) as image:
        size = image.size
        if image.format in ("JPEG", "MPO"):
            image.draft("RGB", images.fit_within(*size, images.PREVIEW_BOX))
        return images.decode_cost(image, size)


@pytest.mark.parametrize("worst", WORST_ACCEPTED, ids=lambda w: w.name)
def test_a_worst_case_file_takes_no_more_memory_than_its_estimate(worst_images, worst):
    path = worst_images[worst.name]
    assert 0.85 * BUDGET < _estimate(path) <= BUDGET, "no longer the worst accepted: resize it"

    result = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
    )

    figures = json.loads(result.stdout)
    print(f"{worst.name}: used {figures['used'] >> 20} MiB of {figures['estimate'] >> 20}")
    assert figures["used"] <= figures["estimate"]


@pytest.mark.parametrize("giant", GIANTS, ids=lambda w: w.name)
def test_a_file_whose_decoding_would_exceed_the_budget_is_refused_before_decoding(
    worst_images, giant
):
    path = worst_images[giant.name]
    assert path.stat().st_size < 500_000  # small files…
    started = time.perf_counter()

    with pytest.raises(Unprocessable, match=f"MiB of memory, more than the {BUDGET >> 20} MiB"):
        images.process(path, max_pixels=MAX_PIXELS, max_decode_bytes=BUDGET)

    assert time.perf_counter() - started < 2  # …refused from the header, nothing decoded


def test_concurrent_decodes_wait_for_each_other_within_the_budget():
    budget = images.DecodeBudget(100, wait_seconds=5)
    order: list[str] = []

    def second() -> None:
        with budget.reserve(60):
            order.append("second")

    with budget.reserve(60):
        waiting = threading.Thread(target=second)
        waiting.start()
        time.sleep(0.2)
        order.append("first done")
    waiting.join()

    assert order == ["first done", "second"]
    assert budget.in_use == 0


def test_a_decode_that_waits_too_long_for_the_budget_is_a_503_with_retry_after():
    budget = images.DecodeBudget(100, wait_seconds=0.1)
    with budget.reserve(100), pytest.raises(ServiceUnavailable) as refused, budget.reserve(1):
        pass
    assert refused.value.headers["Retry-After"]
    assert budget.in_use == 0
