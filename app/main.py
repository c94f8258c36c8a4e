"""The application factory, `create_app`, and `app.main:app` for uvicorn.

Importing this module builds nothing: `app` is made from the environment's settings the
first time it is asked for (uvicorn's `app.main:app` does), so tests, the command line and
tools can import the factory without an engine or a `./data/` folder appearing.
"""

import json
import logging
import secrets
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache, partial

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app import (
    tables,  # noqa: F401  (every table registered before the first query)
    wiring,
)
from app.assessments.router import router as assessments_router
from app.audit.read_cache import ReadCache
from app.audit.router import router as audit_router
from app.bundles.router import router as bundles_router
from app.catalogue.router import router as monuments_router
from app.changes.router import router as changes_router
from app.core.actors import Role
from app.core.auth import install_key_lookup, remember_active_keys, warm_up_key
from app.core.body_size import BodySizeLimitMiddleware, BodyTimeoutMiddleware
from app.core.browser_sessions import SessionCodec, read_or_create_secret
from app.core.config import Settings, get_settings
from app.core.cors import CrossOriginMiddleware
from app.core.db import Database, make_engine
from app.core.errors import PROBLEM_JSON, Problem, install_error_handlers
from app.core.fixed_answers import FixedAnswers
from app.core.gc_pause import freeze_start_up_objects
from app.core.instrumentation import ObservedRequests
from app.core.linked_data import install_linked_data
from app.core.logs import configure_logging
from app.core.openapi import complete_openapi, operation_id
from app.core.rate_limits import RateLimits
from app.core.response_cache import HotReads
from app.core.storage import make_storage, prepare_folders
from app.evidence.router import router as evidence_package_router
from app.health.router import fixed_documents
from app.health.router import router as health_router
from app.iiif.router import router as iiif_router
from app.keys import service as keys
from app.linked_data import service as linked_data
from app.linked_data.router import router as linked_data_router
from app.metrics.router import router as metrics_router
from app.oai.router import router as oai_router
from app.photos import images
from app.photos.dependencies import upload_body_limit
from app.photos.evidence_router import router as evidence_router
from app.photos.router import router as photos_router
from app.property.router import router as property_router
from app.reports.router import router as reports_router
from app.restoration.router import router as restoration_router
from app.sites.router import router as sites_router
from app.sources.router import router as sources_router
from app.ui import pages as ui_pages
from app.ui.router import router as ui_router
from app.uploads.dependencies import chunk_body_limit
from app.uploads.protocol import TusProtocolMiddleware
from app.uploads.router import router as uploads_router
from app.webhooks.router import router as webhooks_router

log = logging.getLogger(__name__)

# The reads partners and the public repeat most, answered from memory while nothing changes
# (app.core.response_cache).
HOT_READ_ROUTES = ("/api/v1/monuments", "/api/v1/monuments/{monument_id}")

DESCRIPTION = """
A registry of cultural-heritage monuments, the damage recorded to them, the photographs that
prove it and what restoring them would take.

Authenticate with `Authorization: Bearer <API key>`. Every error is `application/problem+json`
(RFC 9457). Single resources carry an `ETag`; updates need `If-Match`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """A configured application; tests build one per database."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # At start-up, not import: a wrong folder setting stops the server with its name.
        prepare_folders(settings)
        # Listen for commits elsewhere before the first request is answered from memory.
        # On a thread: it waits (briefly) until the listening connection is up.
        await anyio.to_thread.run_sync(app.state.database.changes.start)
        # What start-up made lives as long as the server: out of the collector's walks.
        # Before the warm-up: the full collection ahead of the freeze walks the whole heap,
        # and would leave what the warm-up touched cold in the CPU's caches again.
        freeze_start_up_objects()
        await _warm_up(app)
        try:
            yield
        finally:
            app.state.database.changes.stop()

    # The documentation pages with Swagger UI and ReDoc served from the package's own copy
    # (fastapi-offline), pinned with the other dependencies: FastAPI's default pages load
    # the latest major version from a CDN, unpinned and without integrity checks.
    app = RegistryApp.made_from(
        FastAPIOffline(
            static_url="/docs-static",
            lifespan=lifespan,
            title="Heritage damage registry",
            version="0.1.0",
            description=DESCRIPTION,
            generate_unique_id_function=operation_id,
            responses={
                "4XX": {"model": Problem, "content": {PROBLEM_JSON: {}}},
                503: {
                    "model": Problem,
                    "content": {PROBLEM_JSON: {}},
                    "description": "The database or the file storage is unavailable; retry after "
                    "the seconds in `Retry-After`.",
                },
            },
        )
    )
    configure_logging(level=settings.log_level, log_format=settings.log_format)
    wiring.connect()
    install_key_lookup(
        app,
        keys.find_active_caller,
        known_keys=settings.read_cache_entries,
        digest=keys.hash_key,
        active_keys=keys.active_callers,
        key_table=keys.KEY_TABLE,
    )
    install_linked_data(
        app,
        {
            "monument": linked_data.monument_document,
            "site": linked_data.site_document,
            "assessment": linked_data.assessment_document,
            "photo": linked_data.photo_document,
        },
    )
    app.state.settings = settings
    app.state.database = Database(
        make_engine(settings.database_url, echo=settings.database_echo),
        read_cache=ReadCache(settings.read_cache_entries) if settings.read_cache_entries else None,
    )
    app.state.storage = make_storage(settings)
    app.state.rate_limits = RateLimits.from_settings(settings)
    images.configure_pillow(
        max_pixels=settings.max_image_pixels, max_decode_bytes=settings.max_decode_bytes
    )
    app.state.session_codec = SessionCodec(
        _session_secret(settings), max_age_seconds=settings.session_max_age_seconds
    )
    install_error_handlers(app, error_page=ui_pages.error_page)
    ui_pages.install_page_answers(app)
    # Inside FastAPI's own stack, only for what reaches the app proper: tus protocol, body
    # timeouts and size limits (each passes requests without a body straight through).
    app.add_middleware(
        BodySizeLimitMiddleware,
        default_limit=settings.max_json_body_bytes,
        limit_for_path=lambda path: (
            upload_body_limit(path, settings) or chunk_body_limit(path, settings)
        ),
    )
    app.add_middleware(
        BodyTimeoutMiddleware,
        idle_seconds=settings.body_idle_timeout_seconds,
        min_bytes_per_second=settings.body_min_bytes_per_second,
        grace_seconds=settings.body_grace_seconds,
    )
    app.add_middleware(TusProtocolMiddleware)
    # In front of FastAPI, outermost first: proxy headers (every layer inside sees the client
    # the trusted proxies name); one observing layer (request id, metrics, access line); CORS
    # (app.core.cors: preflights answered before any other layer sees them); the liveness probe
    # and the hot reads answered from memory; then FastAPI's own stack and routing.
    hot_reads = partial(
        HotReads,
        changes=app.state.database.changes,
        rate_limits=app.state.rate_limits,
        routes=HOT_READ_ROUTES,
        max_entries=settings.read_cache_entries,
    )
    app.put_in_front(
        lambda inner: ProxyHeadersMiddleware(
            ObservedRequests(
                CrossOriginMiddleware(
                    FixedAnswers(hot_reads(inner), documents=fixed_documents()),
                    allowed_origins=settings.cors_allowed_origins,
                    public_origins=settings.iiif_cors_allowed_origins,
                )
            ),
            trusted_hosts=settings.trusted_proxies,
        )
    )
    app.include_router(health_router)
    app.include_router(metrics_router)
    app.include_router(sites_router)
    app.include_router(bundles_router)
    app.include_router(linked_data_router)
    app.include_router(monuments_router)
    app.include_router(assessments_router)
    app.include_router(photos_router)
    app.include_router(evidence_router)
    app.include_router(evidence_package_router)
    app.include_router(uploads_router)
    app.include_router(restoration_router)
    app.include_router(sources_router)
    app.include_router(property_router)
    app.include_router(reports_router)
    app.include_router(audit_router)
    app.include_router(changes_router)
    app.include_router(webhooks_router)
    app.include_router(oai_router)
    app.include_router(iiif_router)
    app.include_router(ui_router)
    app.mount("/ui/static", StaticFiles(directory=ui_pages.STATIC_DIR), name="ui-static")
    complete_openapi(
        app,
        unconditional=frozenset({"/api/v1/audit/verify"}),
        if_match_required=_needs_if_match,
        max_upload_bytes=settings.max_upload_bytes,
    )
    return app


class RegistryApp(FastAPI):
    """FastAPI with layers in front of its own stack: what every request passes through
    (proxy headers, observation) and the hot reads answered before FastAPI's middleware,
    routing and dependency solving, which cost more than serving a kept answer."""

    _front: ASGIApp | None = None

    @classmethod
    def made_from(cls, app: FastAPI) -> "RegistryApp":
        """The same application, able to take layers in front (fastapi-offline builds the
        FastAPI instance itself, so its class is swapped rather than subclassed)."""
        app.__class__ = cls
        return app  # type: ignore[return-value]

    def put_in_front(self, build: Callable[[ASGIApp], ASGIApp]) -> None:
        """Wrap FastAPI's own stack in the layers `build` makes around it."""
        self._front = build(self._stack)

    async def answer_internally(
        self, path: str, query: bytes = b"", *, authorization: bytes | None = None
    ) -> bytes:
        """The body FastAPI's stack answers a GET with, for a caller inside this process
        (start-up's warm-up): not logged, counted or kept."""
        headers = [(b"host", b"localhost")]
        if authorization is not None:
            headers.append((b"authorization", authorization))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "root_path": "",
            "headers": headers,
            "client": ("warm-up", 0),
            "server": ("localhost", 80),
            "state": {},
        }
        body = bytearray()

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))

        await self._stack(scope, receive, send)
        return bytes(body)

    async def _stack(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._front is None or scope["type"] == "lifespan":
            await super().__call__(scope, receive, send)
        else:
            await self._front(scope, receive, send)


# What the first reads after start-up would otherwise pay for (compiling their SQL, building
# validators and serialisers, opening a connection, starting a worker thread): a monument
# list, one monument, a key lookup (a key that matches nothing), the registry's keys, and the
# same reads as a key holder.
_WARM_UP_KEY = b"Bearer warm-up-key-that-matches-nothing"
# psycopg prepares a statement on a connection at its sixth execution (`prepare_threshold`
# 5); until then PostgreSQL parses and plans it every time, and the first five requests after
# a start took 1.5-3 times as long as the later ones. So on PostgreSQL the hot reads are
# sent six times, each time for another monument (one read again comes from memory).
_PREPARED_FROM = 6


async def _warm_up(app: FastAPI) -> None:
    """Send the hot reads through the app, read-only, before the first request."""
    if not isinstance(app, RegistryApp):
        return
    rounds = _PREPARED_FROM if app.state.database.backend == "postgresql" else 1
    try:
        items: list[dict] = []
        # Another page each time, not one from memory; an empty registry has none to read.
        for limit in range(1, rounds + 1):
            listing = await app.answer_internally("/api/v1/monuments", f"limit={limit}".encode())
            items = json.loads(listing).get("items") or []
            if not items:
                break
        for item in (items * rounds)[:rounds]:
            await app.answer_internally(f"/api/v1/monuments/{item['id']}")
        await app.answer_internally("/api/v1/sites", b"limit=1", authorization=_WARM_UP_KEY)
        # And the keys themselves: a key's first request would otherwise look it up on a
        # worker thread of its own before its handler's (two trips instead of one).
        await anyio.to_thread.run_sync(remember_active_keys, app, app.state.database)
        # Then as a key holder, whose reads take code the anonymous ones do not (exact
        # locations, a remembered key): without it a staff key's first read after a start
        # took 2.4 times the median read, with it 1.1 times (in process, SQLite).
        with warm_up_key(app, app.state.database, Role.staff) as authorization:
            if authorization is not None:
                listing = await app.answer_internally(
                    "/api/v1/monuments", b"limit=8", authorization=authorization
                )
                for item in json.loads(listing).get("items") or []:
                    await app.answer_internally(
                        f"/api/v1/monuments/{item['id']}", authorization=authorization
                    )
    except Exception:
        log.warning("Warming up the hot reads failed; the first requests will be slower")


def _session_secret(settings: Settings) -> str:
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value()
    if settings.session_secret_file is not None:
        return read_or_create_secret(settings.session_secret_file)
    # Enough for one process; several workers or machines must share a configured secret.
    log.warning(
        "Neither HERITAGE_SESSION_SECRET nor HERITAGE_SESSION_SECRET_FILE is set: web "
        "sign-ins last until this process stops and are not shared with other workers"
    )
    return secrets.token_urlsafe(48)


def _needs_if_match(path: str, method: str) -> bool:
    # Every update of a resource needs the ETag it was read with; tus chunks are PATCHes too,
    # with offsets instead.
    return method == "patch" and not path.startswith("/api/v1/uploads")


@cache
def _application_from_environment() -> FastAPI:
    return create_app()


def __getattr__(name: str) -> FastAPI:
    """`app.main:app`: the application of the environment's settings, made on first use."""
    if name == "app":
        return _application_from_environment()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
