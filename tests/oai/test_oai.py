"""OAI-PMH: harvested with the Sickle client across resumption tokens, and its errors."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from sickle import Sickle, oaiexceptions
from sqlalchemy import update

from app.assessments.models import DamageAssessment
from app.monuments.models import Monument
from app.sites.models import Site
from tests.factories import create_assessment, create_monument, create_site

OAI = "{http://www.openarchives.org/OAI/2.0/}"
ID = "oai:heritage-registry.example:monument/{}"


@pytest.fixture
def small_pages(settings, monkeypatch) -> int:
    monkeypatch.setattr(settings, "oai_page_size", 3)
    return 3


@pytest.fixture
def registry(client, auth, database) -> dict:
    """Two sites: Palmyra with six monuments (one sensitive, one withdrawn, one assessed), Bosra
    with one."""
    palmyra = create_site(database)
    bosra = create_site(database, name="Ancient City of Bosra")
    ids = [create_monument(database, palmyra, name=f"Tomb {n}", type="tomb") for n in range(3)]
    bel = create_monument(database, palmyra, period="1st century AD (dedicated 32 AD)")
    hidden = create_monument(
        database, palmyra, name="Hypogeum", type="tomb", sensitive=True, lat=34.54321, lon=38.26789
    )
    withdrawn = create_monument(database, palmyra, name="Duplicate entry")
    theatre = create_monument(database, bosra, name="Theatre of Bosra", type="theatre")
    assessment = create_assessment(database, bel, status="verified")
    response = client.delete(f"/api/v1/monuments/{withdrawn}", headers=auth("admin"))
    assert response.status_code == 204
    return {
        "palmyra": palmyra,
        "bosra": bosra,
        "tombs": ids,
        "bel": bel,
        "hidden": hidden,
        "withdrawn": withdrawn,
        "theatre": theatre,
        "assessment": assessment,
    }


def oai(client, **arguments) -> ET.Element:
    response = client.get("/oai", params=arguments)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    return ET.fromstring(response.content)


def error_code(root: ET.Element) -> str | None:
    error = root.find(f"{OAI}error")
    return None if error is None else error.get("code")


def test_a_full_harvest_across_resumption_tokens_sees_every_record_once(
    live_url, registry, small_pages
):
    sickle = Sickle(f"{live_url}/oai", max_retries=0)
    harvest = sickle.ListRecords(metadataPrefix="oai_dc")
    records = list(harvest)

    identifiers = [record.header.identifier for record in records]
    all_ids = [*registry["tombs"], registry["bel"], registry["hidden"], registry["withdrawn"]]
    all_ids.append(registry["theatre"])
    assert identifiers == [ID.format(n) for n in sorted(all_ids)]  # 7 records, 3 pages
    assert harvest.resumption_token.complete_list_size == "7"
    deleted = [r.header.identifier for r in records if r.deleted]
    assert deleted == [ID.format(registry["withdrawn"])]

    bel = next(r for r in records if r.header.identifier == ID.format(registry["bel"]))
    metadata = bel.metadata
    assert metadata["title"] == ["Temple of Bel", "معبد بل", "Temple de Bêl"]
    assert metadata["type"] == ["temple", "PhysicalObject"]
    assert metadata["date"] == ["2015-08-31"]  # W3CDTF: its current condition's observation
    assert metadata["coverage"][0] == "Site of Palmyra, Syrian Arab Republic (SY)"
    assert metadata["coverage"][1] == "name=Temple of Bel; east=38.27393; north=34.54738"
    assert metadata["coverage"][2] == "1st century AD (dedicated 32 AD)"
    assert metadata["identifier"] == [
        f"{live_url}/ui/monuments/{registry['bel']}",  # the page a person opens
        f"{live_url}/api/v1/monuments/{registry['bel']}",
    ]
    assert any(
        "destroyed, 90 % of the structure affected; observed 2015-08-31" in text
        and str(registry["assessment"]) in text
        for text in metadata["description"]
    )
    assert bel.header.setSpecs == [f"site-{registry['palmyra']}"]


def test_sensitive_monuments_are_harvested_without_their_exact_position(client, live_url, registry):
    record = Sickle(f"{live_url}/oai").GetRecord(
        identifier=ID.format(registry["hidden"]), metadataPrefix="oai_dc"
    )
    assert "34.54321" not in record.raw and "38.26789" not in record.raw
    assert record.metadata["coverage"][1] == "name=Hypogeum; east=38.3; north=34.5"
    assert any("generalised" in text for text in record.metadata["description"])
    whole = client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    assert "34.54321" not in whole.text and "38.26789" not in whole.text


def test_sets_are_sites_and_narrow_a_harvest(live_url, registry, small_pages):
    sickle = Sickle(f"{live_url}/oai")
    sets = {s.setSpec: s.setName for s in sickle.ListSets()}
    assert sets == {
        f"site-{registry['palmyra']}": "Site of Palmyra",
        f"site-{registry['bosra']}": "Ancient City of Bosra",
    }
    bosra = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", set=f"site-{registry['bosra']}"))
    assert [h.identifier for h in bosra] == [ID.format(registry["theatre"])]
    palmyra = sickle.ListIdentifiers(
        metadataPrefix="oai_dc", set=f"site-{registry['palmyra']}", ignore_deleted=True
    )
    assert len(list(palmyra)) == 5


def test_incremental_harvest_picks_up_a_new_verified_condition(
    client, live_url, registry, database
):
    # Age every record (its monument, site and verifications), then verify a new assessment
    # of one monument: its condition, so its record, changed.
    long_ago = "2020-01-01T00:00:00Z"
    before = datetime(2019, 6, 1, tzinfo=UTC)
    with database.engine.begin() as connection:
        connection.execute(update(Monument).values(updated_at=before))
        connection.execute(update(Site).values(updated_at=before))
        connection.execute(update(DamageAssessment).values(reviewed_at=before))
    sickle = Sickle(f"{live_url}/oai")
    with pytest.raises(oaiexceptions.NoRecordsMatch):
        list(sickle.ListIdentifiers(metadataPrefix="oai_dc", **{"from": long_ago}))

    create_assessment(
        database,
        registry["theatre"],
        status="verified",
        observed_on="2017-03-02",
        extent_percent=40,
    )
    changed = list(sickle.ListRecords(metadataPrefix="oai_dc", **{"from": long_ago}))
    assert [r.header.identifier for r in changed] == [ID.format(registry["theatre"])]
    assert any("2017-03-02" in text for text in changed[0].metadata["description"])
    until = list(sickle.ListIdentifiers(metadataPrefix="oai_dc", until=long_ago[:10]))
    assert len(until) == 6 and ID.format(registry["theatre"]) not in {h.identifier for h in until}


def test_identify_and_metadata_formats(client, live_url, registry):
    sickle = Sickle(f"{live_url}/oai", http_method="POST")
    identify = sickle.Identify()
    assert identify.repositoryName == "Heritage damage registry"
    assert identify.baseURL == f"{live_url}/oai"
    assert identify.protocolVersion == "2.0"
    assert identify.deletedRecord == "persistent"
    assert identify.granularity == "YYYY-MM-DDThh:mm:ssZ"
    assert "oai:heritage-registry.example:monument/1" in identify.raw

    formats = list(sickle.ListMetadataFormats(identifier=ID.format(registry["bel"])))
    assert [f.metadataPrefix for f in formats] == ["oai_dc"]
    root = oai(client, verb="ListMetadataFormats")
    assert root.find(f"{OAI}ListMetadataFormats") is not None


@pytest.mark.parametrize(
    ("arguments", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "ListEverything"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "Identify", "set": "site-1"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01T00:00Z"},
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2020-01-01",
                "until": "2021-01-01T00:00:00Z",
            },
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2021-01-02",
                "until": "2021-01-01",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-02-30"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"}, "cannotDisseminateFormat"),
        (
            {"verb": "GetRecord", "metadataPrefix": "mods", "identifier": ID.format(1)},
            "cannotDisseminateFormat",
        ),
        ({"verb": "ListRecords", "resumptionToken": "garbage"}, "badResumptionToken"),
        (
            {"verb": "ListRecords", "resumptionToken": "abc", "metadataPrefix": "oai_dc"},
            "badArgument",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "oai:elsewhere:1"},
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": ID.format(999999)},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": ID.format(999999)}, "idDoesNotExist"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "site-999999"},
            "noRecordsMatch",
        ),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "bogus"}, "noRecordsMatch"),
    ],
)
def test_protocol_errors_are_oai_xml_with_status_200(client, registry, arguments, code):
    root = oai(client, **arguments)
    assert error_code(root) == code
    request = root.find(f"{OAI}request")
    assert request.text == "http://testserver/oai"
    if code in ("badVerb", "badArgument"):
        assert request.attrib == {}  # the protocol echoes no arguments for these
    else:
        assert request.attrib == arguments


def test_repeated_arguments_and_the_wrong_verb_for_a_token(client, registry, small_pages):
    response = client.get("/oai?verb=Identify&verb=Identify")
    assert error_code(ET.fromstring(response.content)) == "badVerb"
    response = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert error_code(ET.fromstring(response.content)) == "badArgument"
    first = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    assert error_code(oai(client, verb="ListRecords", resumptionToken=token)) == (
        "badResumptionToken"
    )
    assert error_code(oai(client, verb="ListIdentifiers", resumptionToken=token)) is None


def test_an_empty_repository(client, database):
    assert error_code(oai(client, verb="ListSets")) == "noSetHierarchy"
    assert error_code(oai(client, verb="ListRecords", metadataPrefix="oai_dc")) == "noRecordsMatch"
    identify = oai(client, verb="Identify")
    assert identify.find(f"{OAI}Identify/{OAI}earliestDatestamp").text == "2000-01-01T00:00:00Z"


def test_a_bad_key_is_ignored_because_oai_is_public(client, registry):
    response = client.get(
        "/oai", params={"verb": "Identify"}, headers={"Authorization": "Bearer nonsense"}
    )
    assert response.status_code == 200 and error_code(ET.fromstring(response.content)) is None


def test_the_far_ends_of_the_calendar(client, registry):
    until_the_end = oai(client, verb="ListIdentifiers", metadataPrefix="oai_dc", until="9999-12-31")
    assert error_code(until_the_end) is None
    assert len(until_the_end.findall(f"{OAI}ListIdentifiers/{OAI}header")) == 7
    since_year_one = oai(
        client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": "0001-01-01"}
    )
    assert error_code(since_year_one) is None


def test_text_that_xml_cannot_carry_never_makes_a_response_unparseable(client, database, registry):
    from lxml import etree

    # Stored before the input checks refused noncharacters (the API answers 422 now).
    with database.session(write=True) as session:
        session.execute(
            update(Monument)
            .where(Monument.id == registry["bel"])
            .values(name="Temple of Bel\ufffe\uffff", description="a\x0bb")
        )
    strict = etree.XMLParser(recover=False)

    harvest = client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc"})
    echoed = client.get("/oai", params={"verb": "ListRecords", "metadataPrefix": "oai_dc\uffff"})

    for response in (harvest, echoed):
        etree.fromstring(response.content, strict)  # lxml refuses U+FFFE outright
    assert "Temple of Bel\ufffd\ufffd" in harvest.text
