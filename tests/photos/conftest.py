"""Photo fixtures: an S3-compatible server (moto) on 127.0.0.1, and the API on each backend."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from app.core.config import Settings
from app.core.storage import Storage
from app.main import create_app


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server in a thread, on a free port of the loopback interface."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def s3_settings(settings: Settings, endpoint: str) -> Settings:
    """The test settings with storage in a new bucket of the local S3 server."""
    bucket = f"heritage-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=bucket)
    return settings.model_copy(
        update={
            "storage_backend": "s3",
            "s3_bucket": bucket,
            "s3_endpoint_url": endpoint,
            "s3_access_key_id": "test",
            "s3_secret_access_key": SecretStr("test"),
            "s3_key_prefix": "media/",
        }
    )


@pytest.fixture(scope="session")
def s3_app(settings: Settings, s3_endpoint: str) -> Iterator[FastAPI]:
    """The real application on the test database, keeping files in S3."""
    application = create_app(s3_settings(settings, s3_endpoint))
    yield application
    application.state.database.engine.dispose()


@dataclass
class PhotoApi:
    """A client of the app on one storage backend, and that backend to look into."""

    client: TestClient
    storage: Storage
    backend: str

    def stored_keys(self) -> set[str]:
        return {stored.key for stored in self.storage.list()}


def _empty(storage: Storage) -> None:
    for stored in list(storage.list()):
        storage.delete(stored.key)


@pytest.fixture(params=["local", "s3"])
def api(request: pytest.FixtureRequest, app: FastAPI, database) -> Iterator[PhotoApi]:
    """The API with files in the media folder, then with files in S3."""
    application = app if request.param == "local" else request.getfixturevalue("s3_app")
    storage = application.state.storage
    _empty(storage)
    with TestClient(application, raise_server_exceptions=False) as client:
        yield PhotoApi(client=client, storage=storage, backend=request.param)
    _empty(storage)


@pytest.fixture
def local_api(app: FastAPI, database) -> Iterator[PhotoApi]:
    """The API with files in the media folder only (for tests about HTTP, not storage)."""
    storage = app.state.storage
    _empty(storage)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield PhotoApi(client=client, storage=storage, backend="local")
    _empty(storage)
