"""A client generated from the OpenAPI document (openapi-python-client) lists, reads,
creates and updates a monument against the running service: the ETag it read goes back as
the declared `if_match` argument, with no header added by hand."""

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import create_monument, create_site

pytestmark = pytest.mark.live_server

CONFIG = "project_name_override: registry-client\npackage_name_override: registry_client\n"
# No formatting hooks: the generated code is imported, never read.
CONFIG += "post_hooks: []\n"


@pytest.fixture
def registry_client(app, tmp_path, monkeypatch):
    """The package openapi-python-client generates from /openapi.json, imported."""
    document = tmp_path / "openapi.json"
    document.write_text(json.dumps(app.openapi()))
    (tmp_path / "config.yaml").write_text(CONFIG)
    tool = Path(sys.executable).parent / "openapi-python-client"
    arguments = ["generate", "--path", document, "--output-path", tmp_path / "registry_client"]
    arguments += ["--config", tmp_path / "config.yaml", "--meta", "none"]
    generated = subprocess.run(
        [tool, *arguments],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in [n for n in sys.modules if n.startswith("registry_client")]:
        del sys.modules[name]
    return importlib.import_module("registry_client")


def test_a_generated_client_lists_reads_creates_and_updates_a_monument(
    registry_client, live_url, database, api_keys
):
    from registry_client.api.monuments import (
        create_monument as create,
    )
    from registry_client.api.monuments import (
        list_monuments,
        read_monument,
        update_monument,
    )
    from registry_client.models import MonumentCreate, MonumentType, MonumentUpdate

    site_id = create_site(database)
    create_monument(database, site_id, name="Temple of Bel")
    client = registry_client.AuthenticatedClient(base_url=live_url, token=api_keys["staff"])

    listed = list_monuments.sync_detailed(client=client)
    assert listed.status_code == 200
    assert [m.name for m in listed.parsed.items] == ["Temple of Bel"]

    created = create.sync_detailed(
        client=client,
        body=MonumentCreate(
            site_id=site_id,
            name="Monumental Arch",
            type_=MonumentType.ARCH,
            lat=34.5508,
            lon=38.2703,
        ),
    )
    assert created.status_code == 201, created.content
    monument_id = created.parsed.id
    assert created.headers["location"].endswith(f"/api/v1/monuments/{monument_id}")

    read = read_monument.sync_detailed(monument_id, client=client)
    assert read.status_code == 200 and read.parsed.name == "Monumental Arch"
    updated = update_monument.sync_detailed(
        monument_id,
        client=client,
        body=MonumentUpdate(period="2nd–3rd century AD"),
        if_match=read.headers["etag"],
    )
    assert updated.status_code == 200, updated.content
    assert updated.parsed.period == "2nd–3rd century AD"

    stale = update_monument.sync_detailed(
        monument_id, client=client, body=MonumentUpdate(period="x"), if_match=read.headers["etag"]
    )
    assert stale.status_code == 412
    assert stale.parsed.status == 412  # the problem document, typed
