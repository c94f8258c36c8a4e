"""JSON bodies are read as the OpenAPI document types them: where it says integer, number,
boolean or a date string, `"38.2"`, `false`, `0` or `"1"` is refused with 422 rather than
coerced (pydantic's lax mode did, and Schemathesis reported it as ST201). Text inputs, a CSV
inventory's cells and hand-written YAML records, keep reading "38.2" and "true"."""

import pytest
from sqlmodel import select

from app.monuments.models import Monument
from app.sites.models import Site
from tests.core.test_errors import assert_problem
from tests.factories import assessment_fields, create_monument, create_site, monument_fields
from tests.imports.test_cli import palmyra_csv, run_import
from tests.imports.test_records import write

SITE = {"name": "Site of Palmyra", "country": "SY"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("lat", "34.5"),  # a number written as text
        ("lon", False),  # a boolean for a number
        ("sensitive", 0),  # a number for a boolean
        ("sensitive", "true"),
        ("site_id", "1"),  # an integer written as text
        ("site_id", True),
        ("location_precision_m", "50"),
    ],
)
def test_a_monument_body_of_the_wrong_json_type_is_refused(client, database, auth, field, value):
    site_id = create_site(database)
    body = monument_fields(site_id) | {field: value}
    response = client.post("/api/v1/monuments", json=body, headers=auth("staff"))
    problem = assert_problem(response, 422)
    assert f"body.{field}" in problem["detail"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/sites", SITE | {"inscribed_year": "1980"}, "inscribed_year"),
        ("/api/v1/sites", SITE | {"lat": "34.5", "lon": 38.2}, "lat"),
        ("/api/v1/sites/{site}/missions", {"type": "advisory", "started_on": 0}, "started_on"),
        ("/api/v1/sites/{site}/decisions", {"session": "40", "code": "40 COM 7A.20",
                                            "decided_on": 1458000000}, "decided_on"),
        ("/api/v1/sites/{site}/factors", {"code": "housing", "status": "current",
                                          "confirmed": 1}, "confirmed"),
        ("/api/v1/monuments/{monument}/assessments", assessment_fields(extent_percent="90"),
         "extent_percent"),
        ("/api/v1/monuments/{monument}/assessments", assessment_fields(observed_on=0),
         "observed_on"),
        ("/api/v1/monuments/{monument}/evidence", {"kind": "satellite_image",
                                                   "resolution_m": "0.5"}, "resolution_m"),
    ],
)  # fmt: skip
def test_other_bodies_refuse_coercion_too(client, database, auth, path, body, field):
    site_id = create_site(database)
    monument_id = create_monument(database, site_id)
    url = path.format(site=site_id, monument=monument_id)
    response = client.post(url, json=body, headers=auth("staff"))
    problem = assert_problem(response, 422)
    assert f"body.{field}" in problem["detail"]


def test_a_whole_number_is_a_json_number(client, database, auth):
    site_id = create_site(database)
    body = monument_fields(site_id) | {"lat": 34, "lon": 38, "location_precision_m": 5}
    response = client.post("/api/v1/monuments", json=body, headers=auth("staff"))
    assert response.status_code == 201, response.text
    assert (response.json()["lat"], response.json()["lon"]) == (34.0, 38.0)


def test_csv_cells_are_text_and_still_read(database, settings, tmp_path):
    site_id = create_site(database)
    inventory = tmp_path / "palmyra.csv"
    # site_id, lat, lon and sensitive ("false", "true", empty) arrive as text cells.
    inventory.write_text(palmyra_csv(site_id), encoding="utf-8")
    imported = run_import(settings, "monuments", str(inventory))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with database.session(write=False) as session:
        stored = {m.external_id: m for m in session.exec(select(Monument)).all()}
    assert stored["PAL-001"].lat == 34.54738 and stored["PAL-001"].sensitive is False
    assert stored["PAL-003"].sensitive is True


def test_yaml_records_with_quoted_scalars_still_read(database, settings, tmp_path):
    records = write(
        tmp_path,
        "quoted.yaml",
        """\
        sites:
          - key: palmyra
            name: Site of Palmyra
            country: SY
            inscribed_year: "1980"
        monuments:
          - key: bel
            site: palmyra
            name: Temple of Bel
            type: temple
            lat: "34.54738"
            lon: "38.27393"
            sensitive: "yes"
        """,
    )
    imported = run_import(settings, "records", str(records))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with database.session(write=False) as session:
        bel = session.exec(select(Monument)).one()
        site = session.exec(select(Site)).one()
    assert (bel.lat, bel.lon, bel.sensitive) == (34.54738, 38.27393, True)
    assert site.inscribed_year == 1980
