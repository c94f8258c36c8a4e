"""`heritage-registry import`: inventories from spreadsheets and GIS, folders of photos.

Run as the installed script, as staff would run it, against the test database.
"""

import json

from sqlmodel import select

from app.audit.models import AuditEvent
from app.monuments.models import Monument
from app.photos.models import Photo
from app.webhooks.models import WebhookDelivery
from tests.cli import Ran, command_env, run_command
from tests.factories import count_rows, create_site
from tests.photos.pictures import MUSEUM, exif, image_bytes, jpeg_bytes, two_colour_image

HEADER = "external_id,site_id,name,alt_names,type,period,lat,lon,sensitive,description"


def run_import(settings, *args: str) -> Ran:
    return run_command(command_env(settings.database_url, settings.media_root), "import", *args)


def monuments_by_external_id(database) -> dict[str, Monument]:
    with database.session(write=False) as session:
        return {m.external_id: m for m in session.exec(select(Monument)).all()}


def audit_actions(database) -> list[tuple[str, str]]:
    with database.session(write=False) as session:
        return session.exec(
            select(AuditEvent.entity_type, AuditEvent.action).order_by(AuditEvent.id)
        ).all()


def palmyra_csv(site_id: int, *, bel_period: str = "1st century AD") -> str:
    return "\n".join(
        [
            HEADER,
            f'PAL-001,{site_id},Temple of Bel,"معبد بل; Temple de Bêl",temple,{bel_period},'
            "34.54738,38.27393,false,",
            f"PAL-002,{site_id},Monumental Arch,,arch,3rd century AD,34.55139,38.26956,,"
            '"Blown up in October 2015;\nthe central arch fell."',
            f"PAL-003,{site_id},Tower of Elahbel,برج إلهبل,tomb,103 AD,34.54500,38.25400,true,",
            "",
        ]
    )


def test_a_csv_with_errors_reports_every_problem_by_line_and_stores_nothing(
    database, settings, tmp_path
):
    site_id = create_site(database)
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(
        "\n".join(
            [
                HEADER + ",condition",
                f"PAL-001,{site_id},Temple of Bel,,temple,,34.54738,38.27393,false,,good",
                f"PAL-002,{site_id},Arch,,arch,,95,38.26956,false,,",
                f"PAL-003,{site_id},Tomb,,pyramid,,34.545,38.254,false,,",
                f'PAL-004,{site_id},Theatre,,theatre,,34.5505,38.2680,false,"Stage front',
                'damaged in 2017",',
                f"PAL-001,{site_id},Temple again,,temple,,34.5,38.2,false,,",
                "PAL-005,999999,Agora,,agora,,34.55,38.27,false,,",
                f"PAL-006,{site_id},,,tomb,,34.5,38.2,maybe,,",
                f"PAL-007,{site_id},Short row",
                "",
            ]
        ),
        encoding="utf-8",
    )

    checked = run_import(settings, "monuments", str(inventory), "--dry-run")
    imported = run_import(settings, "monuments", str(inventory))

    for result in (checked, imported):
        assert result.returncode == 1, result.stderr
        problems = [line for line in result.stdout.splitlines() if line.startswith("line ")]
        assert problems == [
            "line 1: condition: unknown column; the columns are: site_id, name, alt_names, "
            "type, period, lat, lon, location_precision_m, sensitive, description, external_id",
            "line 3: lat: Input should be less than or equal to 90",
            "line 4: type: Input should be 'temple', 'sanctuary', 'arch', 'tetrapylon', "
            "'colonnade', 'street', 'agora', 'theatre', 'bath', 'tomb', 'necropolis', "
            "'fortification', 'military_camp', 'palace', 'house', 'church', 'mosque', "
            "'museum', 'wall', 'gate' or 'other'",
            "line 7: external_id: 'PAL-001' is already used by line 2 for this site",
            "line 8: site_id: 999999 does not name a site",
            "line 9: name: Field required",
            "line 9: sensitive: Input should be a valid boolean, unable to interpret input",
            "line 10: 3 cells, but the header has 11",
        ], result.stdout
        assert "9 problem(s)" not in result.stdout and "8 problem(s)" in result.stdout
        assert "Nothing was written" in result.stdout
    assert count_rows(database, Monument) == 0
    assert [action for action in audit_actions(database) if action[0] == "monument"] == []


def test_a_clean_csv_stores_everything_and_a_rerun_changes_nothing(database, settings, tmp_path):
    site_id = create_site(database)
    inventory = tmp_path / "palmyra.csv"
    inventory.write_text(palmyra_csv(site_id), encoding="utf-8")
    events_before = len(audit_actions(database))

    checked = run_import(settings, "monuments", str(inventory), "--dry-run")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "3 new, 0 changed, 0 unchanged; 0 problem(s). Dry run" in checked.stdout
    assert count_rows(database, Monument) == 0

    first = run_import(settings, "monuments", str(inventory))
    again = run_import(settings, "monuments", str(inventory))

    assert first.returncode == 0, first.stdout + first.stderr
    assert "3 new, 0 changed, 0 unchanged; 0 problem(s). Stored." in first.stdout
    assert "Storing" in first.stdout and "3/3" in first.stdout  # the progress bar
    stored = monuments_by_external_id(database)
    assert sorted(stored) == ["PAL-001", "PAL-002", "PAL-003"]
    bel, arch, tower = stored["PAL-001"], stored["PAL-002"], stored["PAL-003"]
    assert bel.alt_names == ["معبد بل", "Temple de Bêl"] and bel.type == "temple"
    assert (bel.lat, bel.lon, bel.location_precision_m) == (34.54738, 38.27393, 50)
    assert arch.description == "Blown up in October 2015;\nthe central arch fell."
    assert arch.sensitive is False and arch.alt_names == []
    assert tower.sensitive and (tower.public_lat, tower.public_lon) == (34.5, 38.3)
    assert all(m.site_id == site_id for m in stored.values())
    created = audit_actions(database)[events_before:]
    assert created == [("monument", "create")] * 3

    assert again.returncode == 0, again.stdout
    assert "0 new, 0 changed, 3 unchanged" in again.stdout
    assert monuments_by_external_id(database) == stored
    assert len(audit_actions(database)) == events_before + 3

    # The inventory is corrected: a re-import updates that monument and nothing else.
    inventory.write_text(palmyra_csv(site_id, bel_period="dedicated 32 AD"), encoding="utf-8")
    corrected = run_import(settings, "monuments", str(inventory))
    assert "0 new, 1 changed, 2 unchanged" in corrected.stdout
    assert monuments_by_external_id(database)["PAL-001"].period == "dedicated 32 AD"
    assert audit_actions(database)[-1] == ("monument", "update")


def feature(coordinates, geometry: str = "Point", feature_id=None, **properties) -> dict:
    document = {
        "type": "Feature",
        "geometry": {"type": geometry, "coordinates": coordinates},
        "properties": properties,
    }
    if feature_id is not None:
        document["id"] = feature_id
    return document


def test_geojson_features_are_imported_all_or_nothing(database, settings, tmp_path):
    site_id = create_site(database)
    good = [
        feature([38.27393, 34.54738], external_id="PAL-001", site_id=site_id,
                name="Temple of Bel", type="temple", alt_names=["معبد بل"]),
        # A GIS export names its features with `id`: that is the external id.
        feature([38.25400, 34.54500, 412.0], feature_id="PAL-003", site_id=site_id,
                name="Tower of Elahbel", type="tomb", sensitive=True),
    ]  # fmt: skip
    broken = [
        *good,
        feature([[[38.2, 34.5], [38.3, 34.5], [38.3, 34.6], [38.2, 34.5]]], "Polygon",
                external_id="PAL-004", site_id=site_id, name="Agora", type="agora"),
        feature([38.26956, 34.55139], external_id="PAL-002", site_id=site_id,
                name="Arch", type="arch", lat=34.55),
        feature([38.2, 34.5], external_id="PAL-005", site_id=site_id, type="tomb"),
    ]  # fmt: skip
    bad_file = tmp_path / "broken.geojson"
    bad_file.write_text(json.dumps({"type": "FeatureCollection", "features": broken}))
    good_file = tmp_path / "palmyra.geojson"
    good_file.write_text(json.dumps({"type": "FeatureCollection", "features": good}))

    refused = run_import(settings, "monuments", str(bad_file))
    assert refused.returncode == 1
    problems = [line for line in refused.stdout.splitlines() if line.startswith("feature ")]
    assert problems == [
        "feature 3: geometry: a monument needs a Point geometry with [lon, lat] coordinates "
        "(got a Polygon)",
        "feature 4: properties.lat: the position comes from the geometry",
        "feature 5: name: Field required",
    ]
    assert count_rows(database, Monument) == 0

    stored = run_import(settings, "monuments", str(good_file))
    assert stored.returncode == 0, stored.stdout
    monuments = monuments_by_external_id(database)
    assert (monuments["PAL-001"].lat, monuments["PAL-001"].lon) == (34.54738, 38.27393)
    assert monuments["PAL-003"].sensitive and monuments["PAL-003"].public_lat == 34.5
    rerun = run_import(settings, "monuments", str(good_file))
    assert "0 new, 0 changed, 2 unchanged" in rerun.stdout


def test_a_folder_of_photos_is_mapped_by_file_name_and_a_rerun_adds_nothing(
    database, settings, tmp_path
):
    site_id = create_site(database)
    inventory = tmp_path / "palmyra.csv"
    inventory.write_text(palmyra_csv(site_id), encoding="utf-8")
    assert run_import(settings, "monuments", str(inventory)).returncode == 0
    stored = monuments_by_external_id(database)
    folder = tmp_path / "day-3"
    folder.mkdir()
    (folder / "PAL-001_cella.jpg").write_bytes(jpeg_bytes(exif_data=exif(gps=MUSEUM)))
    (folder / "PAL-001_gate.jpg").write_bytes(jpeg_bytes(two_colour_image((500, 300))))
    (folder / "PAL-002.png").write_bytes(image_bytes("PNG"))
    (folder / "PAL-003_broken.jpg").write_bytes(jpeg_bytes()[:400])
    (folder / "PAL-999_unknown.jpg").write_bytes(jpeg_bytes(two_colour_image((300, 300))))
    (folder / "notes.txt").write_text("day 3: cella and arch")

    first = run_import(
        settings, "photos", str(folder), "--site", str(site_id), "--photographer", "Team A"
    )
    again = run_import(settings, "photos", str(folder), "--site", str(site_id))

    assert first.returncode == 1  # a file was refused and another matched no monument
    assert "3 added, 0 already there, 1 refused, 2 skipped." in first.stdout
    assert "refused  PAL-003_broken.jpg: " in first.stdout
    assert "skipped  PAL-999_unknown.jpg: no monument of the site has this external_id" in (
        first.stdout
    )
    assert "Photos" in first.stdout and "5/5" in first.stdout
    with database.session(write=False) as session:
        photos = session.exec(select(Photo).order_by(Photo.id)).all()
    assert [(p.monument_id, p.original_filename) for p in photos] == [
        (stored["PAL-001"].id, "PAL-001_cella.jpg"),
        (stored["PAL-001"].id, "PAL-001_gate.jpg"),
        (stored["PAL-002"].id, "PAL-002.png"),
    ]
    assert photos[0].gps_lat is not None and photos[0].photographer == "Team A"
    assert photos[0].uploaded_by.startswith("admin:command line")
    assert "0 added, 3 already there, 1 refused, 2 skipped." in again.stdout
    assert count_rows(database, Photo) == 3

    one_monument = run_import(
        settings, "photos", str(folder), "--monument", str(stored["PAL-003"].id)
    )
    assert "4 added, 0 already there, 1 refused, 1 skipped." in one_monument.stdout


def test_a_file_that_is_not_utf8_or_not_csv_is_reported_not_crashed_on(
    database, settings, tmp_path
):
    site_id = create_site(database)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(
        f"{HEADER}\nPAL-1,{site_id},Temple de Bêl,,temple,,34.5,38.2,,\n".encode("latin-1")
    )
    nul = tmp_path / "nul.csv"
    nul.write_text(f"{HEADER}\nPAL-1,{site_id},Temple\x00,,temple,,34.5,38.2,,\n")
    spreadsheet = tmp_path / "inventory.xlsx"
    spreadsheet.write_bytes(b"PK\x03\x04")

    results = [run_import(settings, "monuments", str(path)) for path in (latin1, nul, spreadsheet)]

    assert [result.returncode for result in results] == [1, 1, 1]
    assert "file: not UTF-8 text" in results[0].stdout
    assert "line 2: name: Value error, must not contain control characters (found U+0000)" in (
        results[1].stdout
    )
    assert "file: expected a .csv or a .geojson file" in results[2].stdout
    assert all("Traceback" not in result.stderr for result in results)
    assert count_rows(database, Monument) == 0


def test_monuments_imported_from_the_command_line_are_queued_for_webhook_subscribers(
    database, settings, tmp_path, subscription
):
    """The command line connects the audit trail's listeners too, so no write skips webhooks."""
    site_id = create_site(database)
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(palmyra_csv(site_id), encoding="utf-8")

    imported = run_import(settings, "monuments", str(inventory))

    assert imported.returncode == 0, imported.stdout + imported.stderr
    with database.session(write=False) as session:
        announced = session.exec(
            select(WebhookDelivery.event_type).where(
                WebhookDelivery.subscription_id == subscription["id"]
            )
        ).all()
    assert announced.count("monument.create") == 3
