"""Prometheus metrics of this process: HTTP requests by route template and status, uploads.

prometheus-client (the Prometheus project's own library) keeps the numbers. Under several
worker processes each worker counts on its own, so with `PROMETHEUS_MULTIPROC_DIR` set (the
`serve` command sets it for more than one worker) every worker writes its numbers to files
there and `/metrics` adds them up; the folder must be empty when the server starts.
Figures that live in the database (audit chain length, webhook deliveries) are read at
scrape time by app.metrics, so they are right whichever worker answers.
"""

import os
import time

from asgi_correlation_id import correlation_id
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.logs import REQUEST_ID_HEADER_BYTES, log_request, request_id_of

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "unmatched"  # one label for every unknown path, so scanners add no series

PROCESS_METRICS = CollectorRegistry()
HTTP_REQUESTS = Counter(
    "heritage_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
    registry=PROCESS_METRICS,
)
HTTP_LATENCY = Histogram(
    "heritage_http_request_duration_seconds",
    "Time from receiving a request to the end of its response, by route and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    registry=PROCESS_METRICS,
)
PHOTO_UPLOADS = Counter(
    "heritage_photo_uploads",
    "Photo uploads accepted: `created` (a new photo) or `duplicate` (bytes already stored).",
    ["outcome"],
    registry=PROCESS_METRICS,
)
PHOTO_UPLOAD_BYTES = Counter(
    "heritage_photo_upload_bytes",
    "Bytes of the photo files accepted as new photos.",
    registry=PROCESS_METRICS,
)


STORED_FILE_MISMATCHES = Counter(
    "heritage_stored_file_mismatches",
    "Stored files whose bytes no longer match their recorded SHA-256 when served, by kind.",
    ["kind"],
    registry=PROCESS_METRICS,
)


def count_mismatch(kind: str) -> None:
    """Count one stored file found altered while it was being served."""
    STORED_FILE_MISMATCHES.labels(kind=kind).inc()


def count_upload(*, created: bool, byte_size: int) -> None:
    """Count one accepted upload (and its bytes when it made a new photo)."""
    PHOTO_UPLOADS.labels(outcome="created" if created else "duplicate").inc()
    if created:
        PHOTO_UPLOAD_BYTES.inc(byte_size)


def exposition(*extra: Collector) -> tuple[bytes, str]:
    """This process's metrics (or every worker's), with `extra` collectors, as text."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_DIR_VARIABLE):
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (HTTP_REQUESTS, HTTP_LATENCY, PHOTO_UPLOADS, PHOTO_UPLOAD_BYTES):
            registry.register(collector)
    for collector in extra:
        registry.register(collector)
    return generate_latest(registry), CONTENT_TYPE_LATEST


class ObservedRequests:
    """The one pure-ASGI layer around every HTTP request: gives it its request id (the
    client's `X-Request-ID` when it is well-formed, otherwise a new one, returned in the
    response and put on every log line of the request), times it once, notes the status it
    answers with (500 if the app fails before answering), then counts it under its route
    template (`/api/v1/sites/{site_id}`) and writes its access line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._series: dict[tuple[str, str, int], tuple[object, object]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        request_id = request_id_of(scope)
        correlation_id.set(request_id)
        id_header = (REQUEST_ID_HEADER_BYTES, request_id.encode("ascii"))

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), id_header]
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or UNMATCHED_ROUTE
            series = self._series.get((scope["method"], route, status))
            if series is None:
                labels = {"method": scope["method"], "route": route, "status": str(status)}
                series = (HTTP_REQUESTS.labels(**labels), HTTP_LATENCY.labels(**labels))
                # Bounded: route templates, methods and statuses are few.
                self._series[(scope["method"], route, status)] = series
            series[0].inc()  # type: ignore[attr-defined]
            series[1].observe(seconds)  # type: ignore[attr-defined]
            log_request(scope, status=status, seconds=seconds, request_id=request_id)
