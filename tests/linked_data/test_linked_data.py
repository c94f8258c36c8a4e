"""Linked data on the Palmyra demo: Bel's JSON-LD expands with pyld and loads into rdflib
with its condition assessments; the property exports as Turtle; sensitive positions stay
rounded for the public in both."""

import json

import pytest
from pyld import jsonld
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS

from app.imports import records

CRM = Namespace("http://www.cidoc-crm.org/cidoc-crm/")
LD = {"Accept": "application/ld+json"}


@pytest.fixture
def demo(palmyra) -> records.RecordsReport:
    return palmyra


def graph_of(document: dict) -> Graph:
    graph = Graph()
    graph.parse(data=json.dumps(document), format="json-ld")
    return graph


def test_bels_json_ld_expands_and_loads_with_its_condition_assessments(client, demo):
    bel = demo.ids["monuments", "temple_of_bel"]
    response = client.get(f"/api/v1/monuments/{bel}", headers=LD)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/ld+json")
    assert "Accept" in response.headers["vary"]
    document = response.json()

    expanded = jsonld.expand(document)
    assert expanded, "pyld expanded nothing"
    types = {t for node in expanded for t in node.get("@type", [])}
    assert str(CRM["E14_Condition_Assessment"]) in types

    graph = graph_of(document)
    monument = next(graph.subjects(RDF.type, CRM["E22_Human-Made_Object"]))
    assessments = set(graph.subjects(RDF.type, CRM["E14_Condition_Assessment"]))
    assert len(assessments) >= 1
    for assessment in assessments:
        assert (assessment, CRM["P34_concerned"], monument) in graph
        state = graph.value(assessment, CRM["P35_has_identified"])
        assert (state, RDF.type, CRM["E3_Condition_State"]) in graph
    # Sources are linked as documents.
    documents = {
        doc
        for assessment in assessments
        for doc in graph.objects(assessment, CRM["P70i_is_documented_in"])
    }
    assert any((doc, RDF.type, CRM["E31_Document"]) in graph for doc in documents)
    # Names carry their languages.
    contents = set(graph.objects(None, CRM["P190_has_symbolic_content"]))
    assert Literal("معبد بل", lang="ar") in contents
    assert Literal("Temple de Bêl", lang="fr") in contents
    # GeoNames as an equivalent URI.
    assert URIRef("https://sws.geonames.org/8383565/") in set(
        graph.objects(monument, URIRef("https://linked.art/ns/terms/equivalent"))
    )


def test_plain_json_stays_the_default(client, demo):
    bel = demo.ids["monuments", "temple_of_bel"]
    for accept in (None, "application/json", "*/*", "application/json, application/ld+json"):
        headers = {"Accept": accept} if accept else {}
        response = client.get(f"/api/v1/monuments/{bel}", headers=headers)
        assert response.headers["content-type"] == "application/json", accept
    preferred = "application/json;q=0.5, application/ld+json"
    response = client.get(f"/api/v1/monuments/{bel}", headers={"Accept": preferred})
    assert response.headers["content-type"].startswith("application/ld+json")


def test_a_site_answers_json_ld_with_its_names_and_identifiers(client, demo):
    site = demo.ids["sites", "palmyra"]
    response = client.get(f"/api/v1/sites/{site}", headers=LD)
    assert response.status_code == 200
    graph = graph_of(response.json())
    node = next(graph.subjects(RDF.type, CRM["E27_Site"]))
    assert graph.value(node, RDFS.label) == Literal("Site of Palmyra")
    assert Literal("تدمر", lang="ar") in set(graph.objects(None, CRM["P190_has_symbolic_content"]))
    equivalents = set(graph.objects(node, URIRef("https://linked.art/ns/terms/equivalent")))
    assert URIRef("https://whc.unesco.org/en/list/23/") in equivalents
    assert URIRef("https://pleiades.stoa.org/places/668331") in equivalents


def test_the_property_exports_as_turtle_without_exact_sensitive_positions(
    client, auth, demo, database
):
    site = demo.ids["sites", "palmyra"]
    tomb = demo.ids["monuments", "tower_of_elahbel"]
    exact = client.get(f"/api/v1/monuments/{tomb}", headers=auth("staff")).json()
    assert exact["location_generalised"] is False

    response = client.get(f"/api/v1/sites/{site}/export.ttl")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/turtle")
    graph = Graph()
    graph.parse(data=response.text, format="turtle")
    monuments = set(graph.subjects(RDF.type, CRM["E22_Human-Made_Object"]))
    assert len(monuments) == len([k for k in demo.ids if k[0] == "monuments"])
    assert len(set(graph.subjects(RDF.type, CRM["E14_Condition_Assessment"]))) >= 1
    assert f"POINT({exact['lon']} {exact['lat']})" not in response.text

    staff = client.get(f"/api/v1/sites/{site}/export.ttl", headers=auth("staff"))
    assert f"POINT({exact['lon']} {exact['lat']})" in staff.text


def test_an_unknown_site_or_monument_is_a_problem_in_json_ld_too(client, demo):
    assert client.get("/api/v1/monuments/999999", headers=LD).status_code == 404
    response = client.get("/api/v1/sites/999999/export.ttl")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


def test_an_assessment_answers_json_ld_and_drafts_stay_hidden(client, auth, app, database):
    from tests.factories import create_assessment, create_monument, create_photo

    monument = create_monument(database)
    verified = create_assessment(database, monument, status="verified")
    draft = create_assessment(database, monument)
    response = client.get(f"/api/v1/assessments/{verified}", headers=LD)
    assert response.status_code == 200
    assert "Accept" in response.headers["vary"] and "Authorization" in response.headers["vary"]
    graph = graph_of(response.json())
    [node] = graph.subjects(RDF.type, CRM["E14_Condition_Assessment"])
    concerned = str(graph.value(node, CRM["P34_concerned"]))
    assert concerned.endswith(f"/api/v1/monuments/{monument}")
    assert client.get(f"/api/v1/assessments/{draft}", headers=LD).status_code == 404
    assert client.get(f"/api/v1/assessments/{draft}", headers=LD | auth("staff")).status_code == 200

    photo = create_photo(database, app.state.storage, monument)
    response = client.get(f"/api/v1/photos/{photo}", headers=LD)
    assert response.status_code == 200
    graph = graph_of(response.json())
    [item] = graph.subjects(RDF.type, CRM["E36_Visual_Item"])
    assert str(graph.value(item, CRM["P138_represents"])).endswith(f"/api/v1/monuments/{monument}")
    # The JSON answer is unchanged and says it varies by Accept too.
    plain = client.get(f"/api/v1/photos/{photo}")
    assert plain.headers["content-type"] == "application/json"
    assert "Accept" in plain.headers["vary"]
