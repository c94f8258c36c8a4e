"""Structured logs: one JSON object per line, each with the request id it belongs to.

structlog renders every record, the registry's own and those of the libraries (uvicorn,
SQLAlchemy) through the standard `logging` module; asgi-correlation-id takes the request id
from `X-Request-ID` (or makes one) and returns it in the response. One access line per
request replaces uvicorn's. What is never written: API keys (the Authorization header, or a
key quoted anywhere), request bodies and query strings (a `bbox` or a body may hold the
exact position of a sensitive monument), and SQL parameters (the engine hides them).
"""

import json
import logging
import os
import re
import threading
import time
from collections.abc import MutableMapping
from typing import Any

import orjson
import structlog
from asgi_correlation_id import correlation_id
from starlette.types import Scope

HANDLER_NAME = "heritage-registry"
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_HEADER_BYTES = REQUEST_ID_HEADER.lower().encode("ascii")
# What a client may send as its request id: enough for UUIDs, trace ids and ULIDs, and
# nothing that could forge a log line or smuggle a key into one.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{8,128}")
# Bearer credentials and the registry's own key format, wherever they appear in a message.
SECRETS = re.compile(r"(?i)(bearer\s+)\S+|\bhr_[A-Za-z0-9_\-]{8,}")
SECRET_FIELDS = frozenset({"authorization", "api_key", "key", "secret", "password", "token"})

ACCESS_LOGGER_NAME = "heritage_registry.access"


def _scrub(text: str) -> str:
    # Every access line scrubs its path and address: most hold neither word the pattern
    # starts with, and looking for them is a tenth of running the pattern.
    lowered = text.lower()
    if "hr_" not in lowered and "bearer" not in lowered:
        return text
    return SECRETS.sub(lambda m: (m.group(1) or "") + "[redacted]", text)


def redact_secrets(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """Drop credential fields and blank out anything that looks like a key."""
    for name in list(event):
        if name.lower() in SECRET_FIELDS:
            event[name] = "[redacted]"
        elif isinstance(event[name], str):
            event[name] = _scrub(event[name])
    return event


def add_request_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """The id of the request being handled, when there is one."""
    request_id = correlation_id.get()
    if request_id:
        event.setdefault("request_id", request_id)
    return event


def _shared_processors() -> list[Any]:
    # Run on structlog's own events when logged and on the standard library's when written.
    return [
        structlog.contextvars.merge_contextvars,
        add_request_id,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_secrets,
    ]


class _Formatter(structlog.stdlib.ProcessorFormatter):
    """structlog's formatter, rendering an access line (already a finished event) once for
    every handler that writes JSON, without copying the record or running the chain."""

    def __init__(self, *, json_lines: bool, **options: Any) -> None:
        super().__init__(**options)
        self.json_lines = json_lines

    def format(self, record: logging.LogRecord) -> str:
        """The line for `record`: an access line rendered straight to JSON, others as before."""
        if not (self.json_lines and isinstance(record, _AccessRecord)):
            return super().format(record)
        if record.line is None:
            # orjson: a line on every request, in a tenth of json.dumps's time (UTF-8 as is,
            # as with ensure_ascii=False); json for what orjson refuses (lone surrogates).
            try:
                record.line = orjson.dumps(record.msg).decode()
            except orjson.JSONEncodeError:
                record.line = json.dumps(record.msg, ensure_ascii=False)
        return record.line


def formatter(log_format: str = "json") -> logging.Formatter:
    """The formatter every log line goes through (tests attach it to capture lines)."""
    renderer = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if log_format == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    return _Formatter(
        json_lines=log_format == "json",
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


def configure_logging(*, level: str, log_format: str) -> None:
    """Send every logger's records, ours and the libraries', through structlog to stderr."""
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler()
    handler.set_name(HANDLER_NAME)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    # Idempotent: an app built twice (tests build one per database) keeps one handler.
    for existing in [h for h in root.handlers if h.get_name() == HANDLER_NAME]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        library_logger = logging.getLogger(name)
        library_logger.handlers.clear()
        library_logger.propagate = True
    # Replaced by the access line below, which carries the request id and the status.
    logging.getLogger("uvicorn.access").disabled = True


_ACCESS_LOGGER = logging.getLogger(ACCESS_LOGGER_NAME)
# Methods as HTTP names them; anything else a client sends is scrubbed like a path.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class _AccessRecord(logging.LogRecord):
    """An access line's record: a finished event (`msg`, a dict), made from a template
    instead of `LogRecord.__init__`, whose per-record lookups (frame, thread, process
    names) cost as much as the rest of the line; `line` is its JSON, rendered once."""

    line: str | None = None


_ACCESS_TEMPLATE: dict[str, Any] = {}


def _access_record(event: dict[str, Any], now: float) -> _AccessRecord:
    if not _ACCESS_TEMPLATE or _ACCESS_TEMPLATE["process"] != os.getpid():
        _ACCESS_TEMPLATE.update(
            logging.LogRecord(
                ACCESS_LOGGER_NAME, logging.INFO, __file__, 0, "", None, None, "log_request"
            ).__dict__
        )
        # What structlog's `wrap_for_formatter` attaches: the formatter takes the dict as is.
        _ACCESS_TEMPLATE["_logger"] = _ACCESS_LOGGER
        _ACCESS_TEMPLATE["_name"] = "info"
    record = _AccessRecord.__new__(_AccessRecord)
    record.__dict__.update(_ACCESS_TEMPLATE)
    record.msg = event
    record.created = now
    record.msecs = now % 1 * 1000
    record.relativeCreated = (now - logging._startTime) * 1000  # type: ignore[attr-defined]
    record.thread = threading.get_ident()
    return record


_second: int | None = None
_second_text = ""


def _timestamp(now: float) -> str:
    """ISO 8601 in UTC with microseconds, as structlog's TimeStamper writes it; the date
    and time of day formatted once per second."""
    global _second, _second_text
    second = int(now)
    if second != _second:
        _second_text = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        _second = second
    return f"{_second_text}.{int((now - second) * 1_000_000):06d}Z"


def log_request(scope: Scope, *, status: int, seconds: float, request_id: str | None) -> None:
    """The access line of a finished request: method, path (no query), route, status,
    duration, the caller's role and key id (never the key).

    Written on every request, so it goes straight to the handlers as a finished structlog
    event (our formatter renders it to JSON once): the same fields and redaction as a line
    logged through structlog, without looking up the caller's frame or running the
    pre-chain, which cost about as much as serving a cached read. `request_id` is one
    `request_id_of` gave (well-formed, so it cannot hold a key).
    """
    if _ACCESS_LOGGER.disabled or not _ACCESS_LOGGER.isEnabledFor(logging.INFO):
        return
    route = scope.get("route")
    state = scope.get("state") or {}
    client = scope.get("client")
    method = scope["method"]
    now = time.time()
    # What `redact_secrets` would do: the fields a client chooses may carry a key (the
    # others are numbers, names of ours and the route template).
    event: dict[str, Any] = {
        "method": method if method in _METHODS else _scrub(method),
        "path": _scrub(scope["path"]),
        "route": getattr(route, "path", None),
        "status": status,
        "duration_ms": round(seconds * 1000, 1),
        "role": state.get("caller_role"),
        "key_id": state.get("caller_key_id"),
        "client": _scrub(client[0]) if client else None,
        "event": "request",
    }
    if request_id:
        event["request_id"] = request_id
    event["level"] = "info"
    event["logger"] = ACCESS_LOGGER_NAME
    event["timestamp"] = _timestamp(now)
    _ACCESS_LOGGER.handle(_access_record(event, now))


def request_id_of(scope: Scope) -> str:
    """The request's id: the client's `X-Request-ID` when well-formed, else a new one.

    A malformed one is replaced (and the replacement noted), never logged as sent.
    """
    for name, value in scope["headers"]:
        if name == REQUEST_ID_HEADER_BYTES:
            sent = value.decode("latin-1")
            if REQUEST_ID.fullmatch(sent):
                return sent
            request_id = os.urandom(16).hex()
            logging.getLogger(__name__).warning(
                "Generated new request ID (%s), since request header value failed validation",
                request_id,
            )
            return request_id
    return os.urandom(16).hex()
