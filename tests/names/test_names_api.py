"""Names with languages and identifiers in other datasets, through the API: validated,
kept in step with `alt_names`, filtered on, and carried into OAI-PMH titles (xml:lang)."""

import xml.etree.ElementTree as ET

import pytest

from tests import demo_data
from tests.factories import create_photo, create_site, monument_fields

URL = "/api/v1/monuments"
DC = "{http://purl.org/dc/elements/1.1/}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BEL_NAMES = [
    {"value": "Temple of Bel", "lang": "en", "kind": "preferred"},
    {"value": "معبد بل", "lang": "ar", "script": "Arab", "kind": "alternative"},
    {"value": "Temple de Bêl", "lang": "fr", "kind": "alternative"},
]


def create(client, auth, body) -> dict:
    response = client.post(URL, json=body, headers=auth("staff"))
    assert response.status_code == 201, response.text
    return response.json()


def test_names_with_languages_are_stored_and_alt_names_follow(client, auth, database):
    site_id = create_site(database)
    body = monument_fields(site_id, names=BEL_NAMES) | {}
    body.pop("alt_names")
    created = create(client, auth, body)
    assert created["names"] == [
        {"value": "Temple of Bel", "lang": "en", "script": None, "kind": "preferred"},
        {"value": "معبد بل", "lang": "ar", "script": "Arab", "kind": "alternative"},
        {"value": "Temple de Bêl", "lang": "fr", "script": None, "kind": "alternative"},
    ]
    assert created["alt_names"] == ["معبد بل", "Temple de Bêl"]
    # Read back as stored.
    assert client.get(f"{URL}/{created['id']}").json()["names"] == created["names"]


def test_older_clients_sending_alt_names_get_languages_where_the_script_tells(
    client, auth, database
):
    created = create(client, auth, monument_fields(create_site(database)))
    assert [(n["value"], n["lang"], n["kind"]) for n in created["names"]] == [
        ("Temple of Bel", "und", "preferred"),
        ("معبد بل", "ar", "alternative"),
        ("Temple de Bêl", "und", "alternative"),
    ]
    # Changing alt_names keeps the tags of the names that stay.
    etag = client.get(f"{URL}/{created['id']}").headers["etag"]
    response = client.patch(
        f"{URL}/{created['id']}",
        json={"names": [*created["names"][:2], {"value": "Temple de Bêl", "lang": "fr"}]},
        headers=auth("staff") | {"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    etag = response.headers["etag"]
    response = client.patch(
        f"{URL}/{created['id']}",
        json={"alt_names": ["Temple de Bêl", "Sanctuary of Bel"]},
        headers=auth("staff") | {"If-Match": etag},
    )
    assert response.status_code == 200, response.text
    assert [(n["value"], n["lang"]) for n in response.json()["names"]] == [
        ("Temple of Bel", "und"),
        ("Temple de Bêl", "fr"),
        ("Sanctuary of Bel", "und"),
    ]


@pytest.mark.parametrize(
    ("names", "message"),
    [
        ([{"value": "Temple of Bel", "lang": "english"}], "BCP 47"),
        ([{"value": "Temple of Bel", "lang": "en", "script": "Arabic"}], "ISO 15924"),
        ([{"value": "Temple of Bel", "lang": "en", "kind": "nickname"}], "preferred"),
        ([{"value": " ", "lang": "en"}], "empty"),
        ([{"value": "Bel", "lang": "en"}, {"value": "Bel", "lang": "en"}], "same value twice"),
    ],
)
def test_bad_names_are_refused_saying_what_to_fix(client, auth, database, names, message):
    body = monument_fields(create_site(database), names=names)
    body.pop("alt_names")
    response = client.post(URL, json=body, headers=auth("staff"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert message in response.text


def test_names_and_alt_names_together_are_refused(client, auth, database):
    body = monument_fields(create_site(database), names=BEL_NAMES)
    response = client.post(URL, json=body, headers=auth("staff"))
    assert response.status_code == 422
    assert "not both" in response.text


@pytest.mark.parametrize(
    ("identifier", "uri"),
    [
        ({"scheme": "geonames", "value": "8383565"}, "https://sws.geonames.org/8383565/"),
        ({"scheme": "pleiades", "value": "668331"}, "https://pleiades.stoa.org/places/668331"),
        ({"scheme": "whc", "value": "23"}, "https://whc.unesco.org/en/list/23/"),
        ({"scheme": "wikidata", "value": "Q42"}, "http://www.wikidata.org/entity/Q42"),
        ({"scheme": "getty_tgn", "value": "7001441"}, "http://vocab.getty.edu/tgn/7001441"),
        ({"scheme": "eamena", "value": "EAMENA-0012345"}, None),
        ({"scheme": "local", "value": "PAL-001"}, None),
    ],
)
def test_identifiers_get_their_uri_and_filter_the_list(client, auth, database, identifier, uri):
    site_id = create_site(database)
    created = create(client, auth, monument_fields(site_id, identifiers=[identifier]))
    create(client, auth, monument_fields(site_id, name="Other"))
    assert created["identifiers"] == [identifier | {"uri": uri}]
    found = client.get(URL, params={"identifier": f"{identifier['scheme']}:{identifier['value']}"})
    assert found.status_code == 200
    assert [item["id"] for item in found.json()["items"]] == [created["id"]]


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ({"scheme": "wikidata", "value": "5859"}, "Q and a number"),
        ({"scheme": "geonames", "value": "abc"}, "a number"),
        ({"scheme": "getty_tgn", "value": "123"}, "seven digits"),
        ({"scheme": "eamena", "value": "EAMENA-12"}, "seven digits"),
        ({"scheme": "viaf", "value": "1"}, "wikidata"),
        ({"scheme": "whc", "value": "23", "uri": "https://example.org/23"}, "uri must be"),
    ],
)
def test_bad_identifiers_are_refused_per_scheme(client, auth, database, identifier, message):
    body = monument_fields(create_site(database), identifiers=[identifier])
    response = client.post(URL, json=body, headers=auth("staff"))
    assert response.status_code == 422
    assert message in response.text


@pytest.mark.parametrize(
    ("value", "message"),
    [("Q42", "scheme:value"), ("viaf:1", "unknown scheme"), ("wikidata:42", "Q and a number")],
)
def test_a_bad_identifier_filter_is_a_problem_saying_the_form(client, database, value, message):
    response = client.get(URL, params={"identifier": value})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert message in response.json()["detail"]


def test_every_name_of_the_demo_has_a_language(database):
    demo_data.palmyra(database)
    from sqlmodel import select

    from app.monuments.models import Monument
    from app.sites.models import Site

    with database.session(write=False) as session:
        rows = [*session.exec(select(Monument)).all(), *session.exec(select(Site)).all()]
    assert len(rows) > 10
    for row in rows:
        assert row.names, row.name
        for name in row.names:
            assert name["lang"] != "und", (row.name, name)


def test_oai_titles_carry_their_language(client, database):
    report = demo_data.palmyra(database)
    bel = report.ids["monuments", "temple_of_bel"]
    response = client.get(
        "/oai",
        params={
            "verb": "GetRecord",
            "metadataPrefix": "oai_dc",
            "identifier": f"oai:heritage-registry.example:monument/{bel}",
        },
    )
    assert response.status_code == 200, response.text
    root = ET.fromstring(response.content)
    titles = [(title.text, title.get(XML_LANG)) for title in root.iter(f"{DC}title")]
    assert titles[0] == ("Temple of Bel", "en")
    assert ("معبد بل", "ar") in titles
    assert ("Temple de Bêl", "fr") in titles
    identifiers = [element.text for element in root.iter(f"{DC}identifier")]
    assert "https://sws.geonames.org/8383565/" in identifiers


def test_iiif_labels_are_language_maps_and_identifiers_are_see_also(client, database):
    from iiif_prezi3 import Manifest

    report = demo_data.palmyra(database)
    bel = report.ids["monuments", "temple_of_bel"]
    create_photo(database, client.app.state.storage, bel)  # a manifest needs a canvas
    document = client.get(f"/iiif/monuments/{bel}/manifest").json()
    Manifest(**document)
    assert document["label"] == {
        "en": ["Temple of Bel", "Sanctuary of Bel"],
        "ar": ["معبد بل"],
        "ar-Latn": ["Ma'bad Bal"],
        "fr": ["Temple de Bêl"],
    }
    assert [item["id"] for item in document["seeAlso"]] == ["https://sws.geonames.org/8383565/"]


def test_the_report_geojson_and_the_bundle_carry_names_and_identifiers(client, database):
    import io
    import json as json_module
    import zipfile

    report = demo_data.palmyra(database)
    site = report.ids["sites", "palmyra"]
    bel = report.ids["monuments", "temple_of_bel"]
    response = client.get(
        f"/api/v1/reports/sites/{site}/state-of-conservation",
        headers={"Accept": "application/geo+json"},
    )
    assert response.status_code == 200
    [feature] = [f for f in response.json()["features"] if f["id"] == bel]
    assert {
        "scheme": "geonames",
        "value": "8383565",
        "uri": "https://sws.geonames.org/8383565/",
    } in (feature["properties"]["identifiers"])
    assert {"value": "معبد بل", "lang": "ar", "script": None, "kind": "alternative"} in (
        feature["properties"]["names"]
    )
    bundle = client.get(f"/api/v1/sites/{site}/bundle")
    assert bundle.status_code == 200
    with zipfile.ZipFile(io.BytesIO(bundle.content)) as archive:
        [name] = [n for n in archive.namelist() if n.endswith(".geojson")]
        collection = json_module.loads(archive.read(name))
    [feature] = [f for f in collection["features"] if f["properties"]["id"] == bel]
    assert feature["properties"]["identifiers"][0]["value"] == "8383565"
    assert feature["properties"]["names"][1]["lang"] == "ar"


def test_sites_carry_names_and_identifiers_and_filter_by_them(client, auth, database):
    body = {
        "name": "Site of Palmyra",
        "names": [
            {"value": "Site of Palmyra", "lang": "en", "kind": "preferred"},
            {"value": "تدمر", "lang": "ar", "kind": "preferred"},
        ],
        "identifiers": [
            {"scheme": "whc", "value": "23"},
            {"scheme": "pleiades", "value": "668331"},
        ],
        "country": "SY",
    }
    response = client.post("/api/v1/sites", json=body, headers=auth("staff"))
    assert response.status_code == 201, response.text
    site = response.json()
    other = client.post(
        "/api/v1/sites", json={"name": "Bosra", "country": "SY"}, headers=auth("staff")
    ).json()
    assert other["names"] == [
        {"value": "Bosra", "lang": "und", "script": None, "kind": "preferred"}
    ]
    assert site["identifiers"][1]["uri"] == "https://pleiades.stoa.org/places/668331"
    for value, expected in (
        ("whc:23", [site["id"]]),
        ("pleiades:668331", [site["id"]]),
        ("whc:24", []),
        ("geonames:23", []),
    ):
        found = client.get("/api/v1/sites", params={"identifier": value})
        assert found.status_code == 200, found.text
        assert [item["id"] for item in found.json()["items"]] == expected, value
    bad = client.get("/api/v1/sites", params={"identifier": "whc"})
    assert bad.status_code == 400 and "scheme:value" in bad.json()["detail"]
