"""Slow request bodies are timed out (issue 18, #15): a body that stalls, or trickles in
below the floor once the grace period is over, is answered 408 by a live server."""

import json
import socket
import time
from urllib.parse import urlsplit

import pytest

from tests.conftest import serve_live

# It serves the app under uvicorn, so `make test-fast` leaves it out.
pytestmark = pytest.mark.live_server

# Each case runs with the other deadline far away, so a client or server starved of CPU for
# a second or two on a busy machine still meets the deadline the case is about.
STALL_TIMEOUTS = {
    "HERITAGE_BODY_IDLE_TIMEOUT_SECONDS": "2",
    "HERITAGE_BODY_MIN_BYTES_PER_SECOND": "0",
}
TRICKLE_TIMEOUTS = {
    "HERITAGE_BODY_IDLE_TIMEOUT_SECONDS": "20",
    "HERITAGE_BODY_GRACE_SECONDS": "2",
    "HERITAGE_BODY_MIN_BYTES_PER_SECOND": "1000",
}


def _post_slowly(url: str, key: str, pieces: list[bytes], pause: float) -> tuple[bytes, float]:
    """POST a site whose body is sent in `pieces`, `pause` seconds apart; the answer's
    head and body, and how long the server took to answer."""
    address = urlsplit(url)
    body = b"".join(pieces)
    head = (
        "POST /api/v1/sites HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {key}\r\nContent-Length: {len(body) + 1000}\r\n"
        "Connection: close\r\n\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head)
        sock.settimeout(pause)
        answer = b""
        for piece in pieces:
            try:
                sock.sendall(piece)
                answer += sock.recv(65536)  # answered already?
                break
            except TimeoutError:
                continue
            except OSError:
                break
        sock.settimeout(30)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass  # the server closed on body bytes it never read: what arrived stands
    return answer, time.monotonic() - started


def test_stalled_and_trickling_bodies_get_408(settings, database, api_keys):
    staff = api_keys["staff"]
    with serve_live(settings, **STALL_TIMEOUTS) as server:
        # The client sends ten bytes, then nothing.
        stalled, stalled_after = _post_slowly(server.url, staff, [b'{"name": "H'], pause=10)
    with serve_live(settings, **TRICKLE_TIMEOUTS) as server:
        # A byte every 0.3 s: about 3 bytes/s, under the floor once the grace is over.
        trickle = [b" "] * 60
        trickled, trickled_after = _post_slowly(server.url, staff, trickle, pause=0.3)

    for answer in (stalled, trickled):
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408"), answer[:300]
        assert b"application/problem+json" in head
        assert json.loads(body)["status"] == 408
    assert b"No more of the request body arrived for 2 seconds" in stalled
    assert b"too slowly" in trickled
    # Answered at the deadline, not when the client gave up (10 s, 18 s).
    assert stalled_after < 10 and trickled_after < 15
