"""Offline bundles for field teams: the zip's contents, over HTTP and from the command line."""

import io
import json
import zipfile

import geojson
from geojson_pydantic import FeatureCollection
from PIL import Image

from tests.cli import Ran, command_env, run_command
from tests.factories import (
    TEST_ACTOR,
    create_assessment,
    create_monument,
    create_photo,
    create_site,
)

# The Tower of Elahbel, a sensitive tomb: 34.5450, 38.2540 is rounded to 34.5, 38.3.
TOWER = {"name": "Tower of Elahbel", "type": "tomb", "lat": 34.54503, "lon": 38.25412}


def arrange_palmyra(database, storage) -> dict[str, int]:
    """A site with an ordinary and a sensitive monument, photos, a condition, and things
    that must stay out of its bundle (another site, a withdrawn monument)."""
    from app.monuments import service as monuments

    site_id = create_site(database)
    bel = create_monument(database, site_id)
    tower = create_monument(database, site_id, sensitive=True, **TOWER)
    withdrawn = create_monument(database, site_id, name="Demolished shed", type="other")
    elsewhere = create_monument(database, create_site(database, name="Bosra", country="SY"))
    create_assessment(database, bel, status="verified")
    photos = [create_photo(database, storage, bel), create_photo(database, storage, tower)]
    create_photo(database, storage, elsewhere)
    with database.session(write=True) as session:
        monuments.delete_monument(
            session=session,
            monument=monuments.get_monument(session=session, monument_id=withdrawn),
            actor=TEST_ACTOR,
        )
    return {"site": site_id, "bel": bel, "tower": tower, "bel_photo": photos[0],
            "tower_photo": photos[1]}  # fmt: skip


def open_bundle(data: bytes) -> tuple[zipfile.ZipFile, dict[int, dict]]:
    bundle = zipfile.ZipFile(io.BytesIO(data))
    assert bundle.testzip() is None
    text = bundle.read("monuments.geojson")
    assert geojson.loads(text).is_valid
    collection = FeatureCollection.model_validate_json(text)
    return bundle, {feature.id: feature for feature in collection.features}


def test_the_public_bundle_has_monuments_conditions_and_thumbnails_but_no_exact_tower(
    client, auth, database
):
    ids = arrange_palmyra(database, client.app.state.storage)

    response = client.get(f"/api/v1/sites/{ids['site']}/bundle")

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert f"site-{ids['site']}-bundle.zip" in response.headers["content-disposition"]
    bundle, features = open_bundle(response.content)
    assert set(features) == {ids["bel"], ids["tower"]}
    bel, tower = features[ids["bel"]], features[ids["tower"]]
    assert bel.geometry.coordinates[:2] == (38.27393, 34.54738)
    assert bel.properties["current_condition"]["damage_level"] == "destroyed"
    assert bel.properties["location_generalised"] is False
    assert tower.geometry.coordinates[:2] == (38.3, 34.5)
    assert tower.properties["location_generalised"] is True
    assert tower.properties["location_precision_m"] > 5000
    assert tower.properties["current_condition"] is None
    assert "34.54503" not in response.content.decode("latin-1")
    thumbnails = {
        ids["bel"]: f"thumbnails/{ids['bel']}/{ids['bel_photo']}.jpg",
        ids["tower"]: f"thumbnails/{ids['tower']}/{ids['tower_photo']}.jpg",
    }
    for monument_id, path in thumbnails.items():
        assert features[monument_id].properties["thumbnails"] == [path]
        data = bundle.read(path)
        assert Image.open(io.BytesIO(data)).format == "JPEG"
        photo_id = path.rsplit("/", 1)[1].removesuffix(".jpg")
        assert data == client.get(f"/api/v1/photos/{photo_id}/thumbnail").content
    assert sorted(bundle.namelist()) == sorted(
        ["site.json", "monuments.geojson", "evidence.json", "manifest.json", *thumbnails.values()]
    )
    manifest = json.loads(bundle.read("manifest.json"))
    assert manifest["site_id"] == ids["site"] and manifest["monuments"] == 2
    assert manifest["coordinates"].startswith("generalised")
    assert json.loads(bundle.read("site.json"))["name"] == "Site of Palmyra"

    partner_bundle = client.get(f"/api/v1/sites/{ids['site']}/bundle", headers=auth("partner"))
    assert open_bundle(partner_bundle.content)[1][ids["tower"]].geometry.coordinates[:2] == (
        38.3,
        34.5,
    )


def test_field_teams_get_the_exact_positions(client, auth, database):
    ids = arrange_palmyra(database, client.app.state.storage)

    for role in ("field", "staff", "admin"):
        response = client.get(f"/api/v1/sites/{ids['site']}/bundle", headers=auth(role))
        tower = open_bundle(response.content)[1][ids["tower"]]
        assert tower.geometry.coordinates[:2] == (38.25412, 34.54503)
        assert tower.properties["location_generalised"] is False

    assert client.get("/api/v1/sites/999999/bundle").status_code == 404


def test_the_command_line_writes_exact_bundles_and_public_ones_on_request(
    client, database, settings, tmp_path, monkeypatch
):
    ids = arrange_palmyra(database, client.app.state.storage)
    env = command_env(settings.database_url, settings.media_root)
    monkeypatch.chdir(tmp_path)  # where the command writes a bundle not given --output

    def export(*args: str) -> Ran:
        return run_command(env, "export", "bundle", "--site", str(ids["site"]), *args)

    trusted = export()
    public = export("--public", "--output", str(tmp_path / "public.zip"))

    assert trusted.returncode == 0, trusted.stdout + trusted.stderr
    assert "2 monument(s), 2 thumbnail(s), exact positions" in trusted.stdout
    _, exact = open_bundle((tmp_path / f"site-{ids['site']}-bundle.zip").read_bytes())
    assert exact[ids["tower"]].geometry.coordinates[:2] == (38.25412, 34.54503)
    assert public.returncode == 0, public.stdout + public.stderr
    assert "public positions" in public.stdout
    _, generalised = open_bundle((tmp_path / "public.zip").read_bytes())
    assert generalised[ids["tower"]].geometry.coordinates[:2] == (38.3, 34.5)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    missing = run_command(env, "export", "bundle", "--site", "999999")
    assert missing.returncode == 1 and "no site with id 999999" in missing.stdout
