"""The report's and the offline bundle's GeoJSON as GIS reads it: GDAL/OGR through pyogrio
(the driver QGIS and geopandas use) and Fiona, and the `geojson` package's validation."""

import io
import zipfile

import geojson
import pyogrio
from fiona.io import MemoryFile

from tests.bundles.test_bundle import arrange_palmyra
from tests.factories import create_restoration
from tests.reports.test_api import palmyra, report_url  # noqa: F401  (fixture)

NUMBERS = {"int32", "int64", "float64"}


def ogr_types(data: bytes) -> dict[str, str]:
    """Each property's column type as GDAL/OGR infers it for the whole collection."""
    info = pyogrio.read_info(io.BytesIO(data))
    return dict(zip(info["fields"], info["dtypes"], strict=True))


def fiona_rows(data: bytes) -> tuple[dict[str, str], list[dict]]:
    """Fiona's schema and every feature's properties (it reads each feature's fields)."""
    with MemoryFile(data) as memory, memory.open() as layer:
        return dict(layer.schema["properties"]), [dict(f.properties) for f in layer]


def test_gis_types_the_report_columns_as_numbers_lists_and_nulls(client, database, palmyra):  # noqa: F811
    # A plan with a restorable share, so that column holds a number somewhere.
    create_restoration(
        database, palmyra["bel"], status="approved", assessed_on="2016-05-01", restorable_percent=60
    )
    response = client.get(report_url(palmyra["site"]), params={"format": "geojson"})
    assert response.status_code == 200
    collection = geojson.loads(response.text)
    assert collection.is_valid, collection.errors()

    types = ogr_types(response.content)
    for column in ("extent_percent", "assessment_id", "restorable_percent", "photos"):
        assert types[column] in NUMBERS, (column, types[column])
    for column in ("lat", "lon", "estimated_cost_amount"):
        assert types[column] == "float64", (column, types[column])
    assert types["causes"] == types["waiting_on"] == "list(str)"
    assert types["observed_on"] == "datetime64[D]"

    schema, rows = fiona_rows(response.content)
    assert schema["extent_percent"] == schema["restorable_percent"] == "int32"
    assert schema["estimated_cost_amount"] == "float"
    by_id = {row["monument_id"]: row for row in rows}
    agora, bel, tomb = (by_id[palmyra[name]] for name in ("agora", "bel", "tomb"))
    assert agora["damage_level"] == "unassessed"
    assert agora["extent_percent"] is None and agora["assessment_id"] is None
    assert bel["restorable_percent"] == 60 and tomb["restorable_percent"] is None
    assert bel["extent_percent"] == 90 and tomb["estimated_cost_amount"] == 300000
    assert bel["causes"] == ["deliberate_destruction", "explosives"]

    # The report's reading times and provenance travel with the collection (RFC 7946 §6.1).
    document = response.json()
    assert document["as_of"] == document["features"][0]["properties"]["as_of"]
    assert document["known_at"] is None
    assert set(document["provenance"]) >= {"generated_at", "audit_chain_head", "data_as_of"}
    assert "" not in [value for f in document["features"] for value in f["properties"].values()]


def test_gis_styles_the_bundle_on_flat_condition_columns(client, database):
    ids = arrange_palmyra(database, client.app.state.storage)

    response = client.get(f"/api/v1/sites/{ids['site']}/bundle")

    data = zipfile.ZipFile(io.BytesIO(response.content)).read("monuments.geojson")
    assert geojson.loads(data).is_valid
    types = ogr_types(data)
    assert types["damage_level"] == "object"  # text: a map styles categories on it
    assert types["extent_percent"] in NUMBERS and types["assessment_id"] in NUMBERS
    schema, rows = fiona_rows(data)
    assert schema["extent_percent"] == "int32"
    levels = sorted(str(row["damage_level"]) for row in rows)
    assert levels == ["destroyed", "unassessed"], rows
    bel = next(row for row in rows if row["damage_level"] == "destroyed")
    assert isinstance(bel["extent_percent"], int) and isinstance(bel["assessment_id"], int)
    # The nested object stays for readers that want it whole.
    assert '"current_condition"' in data.decode()
