"""The server's memory while the worst small images are uploaded at once (issue 18, #1).

A 38-byte lossless WebP may declare 16000×4000 pixels. Uploaded four at a time to a live
server with its default settings, the worst files either are refused from their headers or
decode one after another within the budget (HERITAGE_MAX_DECODE_BYTES, 224 MiB), so the
server process never holds more than 400 MB, however many arrive together.
"""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import serve_live
from tests.factories import create_monument
from tests.photos.worst_images import GIANTS, WORST_ACCEPTED

# It serves the app under uvicorn, so `make test-fast` leaves it out.
pytestmark = pytest.mark.live_server

MB = 1_000_000
PEAK_LIMIT = 400 * MB


def test_four_worst_small_images_at_once_keep_the_server_under_400_mb(
    settings, database, api_keys, worst_images
):
    monument_id = create_monument(database)
    field = {"Authorization": f"Bearer {api_keys['field']}"}

    with serve_live(settings) as server:
        started_at = server.peak_rss_bytes()

        def upload(worst) -> int:
            with worst_images[worst.name].open("rb") as file:
                response = requests.post(
                    f"{server.url}/api/v1/monuments/{monument_id}/photos",
                    files={"file": (worst.name, file, worst.content_type)},
                    headers=field,
                    timeout=300,
                )
            return response.status_code

        answers = {}
        for batch in (WORST_ACCEPTED[:4], GIANTS, WORST_ACCEPTED[4:]):
            with ThreadPoolExecutor(len(batch)) as pool:
                answers |= dict(zip((w.name for w in batch), pool.map(upload, batch), strict=True))
        peak = server.peak_rss_bytes()

    print(f"server peak RSS {peak / MB:.0f} MB (at start {started_at / MB:.0f} MB)")
    assert answers == {w.name: 201 for w in WORST_ACCEPTED} | {w.name: 422 for w in GIANTS}
    assert peak < PEAK_LIMIT
