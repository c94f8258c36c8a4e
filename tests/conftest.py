"""Fixtures shared by every test: a migrated database per backend, the app, keys, factories.

Every API test runs twice, on SQLite and on PostgreSQL: the `database_url` fixture is
parametrised per test session, each backend gets a fresh database built by the Alembic
migrations (so they are tested too), and each test starts from empty tables.

`--backend sqlite|postgresql|both` (or HERITAGE_TEST_BACKEND) keeps the items of one backend
only; `make test-fast` runs SQLite alone. The slow kinds of test carry markers (registered in
pyproject.toml) so a run can leave them out: `browser` and `live_server` are set here from
the fixtures a test uses, `fuzz`, `load` and `faults` by their modules.
"""

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.core import migrations
from app.core.config import Settings
from app.core.db import Database
from app.keys import service as keys
from app.keys.models import Role
from app.main import create_app
from app.tables import metadata
from tests import demo_data
from tests.factories import TEST_ACTOR
from tests.webhooks.receiver import Receiver

POSTGRES_ADMIN_URL = os.environ.get(
    "HERITAGE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
ROLES = [role.value for role in Role]
BACKENDS = ("sqlite", "postgresql")
# The fixtures that make a test of a slow kind, and the marker each one sets.
MARKED_BY_FIXTURE = {
    "browser_page": "browser",
    "live_server": "live_server",
    "live_url": "live_server",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--backend",
        choices=[*BACKENDS, "both"],
        default=os.environ.get("HERITAGE_TEST_BACKEND", "both"),
        help="run the database tests on this backend only (default: both; "
        "env HERITAGE_TEST_BACKEND)",
    )


def _backend_of(item: pytest.Item) -> str | None:
    """The database an item runs on (None: it needs none)."""
    if item.get_closest_marker("load") or item.get_closest_marker("faults"):
        return "postgresql"  # the short load and fault runs need real worker processes
    params = getattr(item, "callspec", None)
    params = params.params if params else {}
    for name in ("empty_database_url", "scratch_database_url"):
        if name in params:
            return params[name]
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` selects by the markers set here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the tests that drive a browser or a live server; keep one backend if asked; put
    the slowest kind first."""
    for item in items:
        for fixture, marker in MARKED_BY_FIXTURE.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
    chosen = config.getoption("backend")
    if chosen != "both":
        kept, dropped = [], []
        for item in items:
            backend = _backend_of(item)
            (dropped if backend not in (None, chosen) else kept).append(item)
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = kept
    # The longest kind first: `make test` deals tests two at a time, so the fuzzing runs
    # spread over the workers and the short tests fill in behind them, instead of one run
    # starting last and holding the whole suite up. The sort is stable: modules stay whole.
    items.sort(key=lambda item: 0 if item.get_closest_marker("fuzz") else 1)


def _postgres_database() -> Iterator[str]:
    admin_engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin_engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as error:
        message = f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so the PostgreSQL half may not be skipped)")
        pytest.skip(f"{message}; the PostgreSQL half of the suite is skipped on this machine")
    name = f"heritage_test_{uuid.uuid4().hex[:12]}"
    with admin_engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
        # A test database is thrown away: its commits need not wait for the disk.
        connection.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin_engine.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin_engine.dispose()


def _empty_database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'registry.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture(scope="session", params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[str]:
    """A fresh, empty database on each backend, dropped at the end of the session."""
    yield from _empty_database(request.param, tmp_path_factory.mktemp(request.param))


@pytest.fixture(params=BACKENDS)
def scratch_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database for one test (migration tests start from nothing)."""
    yield from _empty_database(request.param, tmp_path)


@pytest.fixture(scope="session")
def database_url(empty_database_url: str) -> str:
    """The test database, migrated to head with the project's Alembic revisions."""
    migrations.upgrade(empty_database_url)
    return empty_database_url


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory) -> Settings:
    """Settings pointing at the test database and a temporary media folder.

    Rate limits are off: the suite makes thousands of anonymous and refused requests from
    one address. tests/core/test_rate_limits.py builds apps with limits of its own.
    """
    return Settings(
        database_url=database_url,
        media_root=tmp_path_factory.mktemp("media"),
        signing_key_file=tmp_path_factory.mktemp("keys") / "signing-key.pem",
        rate_limit_anonymous=None,
        rate_limit_failed_auth=None,
        rate_limit_anonymous_reports=None,
        resumable_uploads_dir=tmp_path_factory.mktemp("uploads"),
        # The webhook tests' receivers listen on 127.0.0.1, named so; any other spelling of
        # a local address (localhost, 2130706433, [::1]…) stays refused.
        webhook_allowed_hosts=["127.0.0.1"],
        # TestClient sends `Host: testserver`.
        allowed_hosts=["localhost", "127.0.0.1", "[::1]", "testserver"],
    )


@pytest.fixture(scope="session")
def app(settings: Settings) -> Iterator[FastAPI]:
    """The real application, on the test database."""
    application = create_app(settings)
    yield application
    application.state.database.engine.dispose()


@pytest.fixture(scope="session")
def database(app: FastAPI) -> Database:
    """The application's own database handle, for arranging and checking stored rows."""
    return app.state.database


@pytest.fixture(autouse=True)
def _empty_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test that touches the database starts from (and leaves) empty tables."""
    if "database" not in request.fixturenames:
        yield
        return
    postgresql_only = request.node.get_closest_marker("postgresql_only")
    if postgresql_only and request.getfixturevalue("database").backend != "postgresql":
        pytest.skip("checks PostgreSQL's concurrency; SQLite serialises writers by design")
    yield
    database: Database = request.getfixturevalue("database")
    tables = reversed(metadata.sorted_tables)
    with database.engine.begin() as connection:
        if database.backend == "postgresql":
            # One round trip for all the tables: 1 ms instead of 9 on every PostgreSQL test.
            connection.exec_driver_sql("; ".join(f'DELETE FROM "{table.name}"' for table in tables))
        else:
            for table in tables:
                connection.execute(table.delete())


@pytest.fixture(scope="session")
def _serving(app: FastAPI) -> Iterator[TestClient]:
    # Started once, as a server is: its start-up (the change signal, the warm-up) ran for
    # every test when each test started its own, a fifth of a short test's time. The tests
    # of start-up itself start a client of their own.
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def client(_serving: TestClient, app: FastAPI, database: Database) -> TestClient:
    """An HTTP client talking to the real app (server errors become 500 responses), with no
    cookies from earlier tests."""
    _serving.cookies.clear()
    # A test that started and stopped a client of its own stopped the change signal with it.
    database.changes.start()
    return _serving


@pytest.fixture
def api_keys(database: Database) -> dict[str, str]:
    """A fresh key secret for every role."""
    with database.session(write=True) as session:
        return {
            role: keys.create_key(
                session=session, name=f"test {role}", role=Role(role), actor=TEST_ACTOR
            )[1]
            for role in ROLES
        }


@pytest.fixture
def palmyra(database: Database):
    """The Palmyra demo in the test database: imported once, then put back (tests/demo_data.py)."""
    return demo_data.palmyra(database)


@pytest.fixture
def auth(api_keys: dict[str, str]) -> Callable[[str | None], dict[str, str]]:
    """Headers that authenticate as a role (`None`: anonymous)."""

    def headers(role: str | None) -> dict[str, str]:
        return {} if role is None else {"Authorization": f"Bearer {api_keys[role]}"}

    return headers


@pytest.fixture
def media_root(settings: Settings) -> Path:
    """The media folder the app writes to."""
    return settings.media_root


@dataclass(frozen=True)
class LiveServer:
    """A uvicorn process serving the app, and its base URL."""

    url: str
    process: subprocess.Popen

    def peak_rss_bytes(self) -> int:
        """The most memory the server process has held (VmHWM), in bytes."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        kib = next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
        return int(kib) * 1024


@contextmanager
def serve_live(settings: Settings, **env: str) -> Iterator[LiveServer]:
    """The real service under uvicorn on a free 127.0.0.1 port (settings as `settings`, plus
    `env`); stopped by PID afterwards."""
    import signal
    import socket
    import sys
    import tempfile
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = os.environ | {
        "HERITAGE_DATABASE_URL": settings.database_url,
        "HERITAGE_MEDIA_ROOT": str(settings.media_root),
        "HERITAGE_RATE_LIMIT_ANONYMOUS": "",
        "HERITAGE_RATE_LIMIT_FAILED_AUTH": "",
        "HERITAGE_RATE_LIMIT_ANONYMOUS_REPORTS": "",
        "HERITAGE_RESUMABLE_UPLOADS_DIR": str(settings.resumable_uploads_dir),
        "HERITAGE_WEBHOOK_ALLOWED_HOSTS": ",".join(settings.webhook_allowed_hosts),
        **env,
    }
    # A file, not a pipe: a pipe nobody reads would stall a server that logs a lot.
    log = tempfile.TemporaryFile()  # noqa: SIM115  (closed below, after the server)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        # A busy machine may take many seconds to import the app.
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base_url}/healthz", timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the server did not start: {log.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield LiveServer(url=base_url, process=server)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def live_server(settings: Settings, database: Database) -> Iterator[str]:
    """The real service under uvicorn on a free 127.0.0.1 port, one per test module (each
    test still starts from empty tables); stopped by PID afterwards."""
    with serve_live(settings) as server:
        yield server.url


@pytest.fixture
def live_url(app: FastAPI, database: Database) -> Iterator[str]:
    """The test's own app under uvicorn, in this process, on a free port of 127.0.0.1: for
    clients that speak real HTTP (Sickle, a generated client) against the test's data."""
    from tests.servers import served

    with served(app) as url:
        yield url


@pytest.fixture(scope="session")
def worst_images(request: pytest.FixtureRequest, tmp_path_factory) -> dict[str, Path]:
    """The worst small image files (tests/photos/worst_images.py) by name, made once and
    kept in pytest's cache between runs: HEIC files take a minute to encode."""
    from tests.photos import worst_images as worst

    cache = getattr(request.config, "cache", None)
    folder = (
        cache.mkdir(worst.cache_key())
        if cache is not None
        else tmp_path_factory.mktemp(worst.cache_key())
    )
    return worst.make_all(folder, worst.WORST_ACCEPTED + worst.GIANTS)


CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """A headless Chromium (Debian's chromium, driven by Playwright), one per test module."""
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"{message}; CI must run the browser tests")
        pytest.skip(f"{message}; browser tests skipped on this machine")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    """A page in a browser context of its own (no cookies or storage from other tests)."""
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    try:
        yield page
    finally:
        page.context.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A webhook receiver on 127.0.0.1."""
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def subscription(client, auth, receiver) -> dict:
    """An admin's subscription of the receiver to every event type (with its secret)."""
    response = client.post(
        "/api/v1/webhooks",
        json={"url": receiver.url, "event_types": ["*"], "description": "test receiver"},
        headers=auth("admin"),
    )
    assert response.status_code == 201, response.text
    return response.json()
