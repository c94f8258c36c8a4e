"""The OpenAPI document as generated clients and validators read it: valid OpenAPI 3.1, short
operation ids, named schemas, declared security, `If-Match`, response headers, and error
statuses listed per operation (no `4XX` wildcard that would accept any answer)."""

import json

import pytest
from openapi_spec_validator import validate


@pytest.fixture(scope="module")
def document(app) -> dict:
    return app.openapi()


def operations(document: dict):
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_operation_ids_are_the_handlers_names(document):
    ids = [operation["operationId"] for _, _, operation in operations(document)]
    assert len(ids) == len(set(ids))
    assert "create_restoration_assessment" in ids and "list_monuments" in ids
    assert not [i for i in ids if "api_v1" in i or i.endswith(("_get", "_post"))]


def test_schemas_are_named_and_enums_declared_once(document):
    names = set(document["components"]["schemas"])
    assert {"ReportFormat", "SummaryGrouping"} <= names
    assert not [name for name in names if "Api" in name or "Type0" in name]
    text = json.dumps(document)
    assert text.count('"enum": ["site", "type", "period", "damage_level"]') == 1


def test_security_is_declared_where_keys_are_read_or_required(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key: `Authorization: Bearer <key>`.",
    }
    paths = document["paths"]
    assert paths["/api/v1/monuments"]["post"]["security"] == [{"bearerAuth": []}]
    assert paths["/api/v1/monuments"]["get"]["security"] == [{}, {"bearerAuth": []}]
    assert paths["/api/v1/audit"]["get"]["security"] == [{"bearerAuth": []}]
    assert paths["/healthz"]["get"]["security"] == []


def test_updates_declare_if_match_and_answers_their_headers(document):
    paths = document["paths"]
    for path in ("/api/v1/monuments/{monument_id}", "/api/v1/sites/{site_id}"):
        headers = [p for p in paths[path]["patch"]["parameters"] if p["in"] == "header"]
        assert [(p["name"], p["required"]) for p in headers] == [("If-Match", True)]
    chunk = paths["/api/v1/uploads/{upload_id}"]["patch"]["parameters"]
    assert "If-Match" not in [p["name"] for p in chunk]
    read = paths["/api/v1/monuments/{monument_id}"]["get"]["responses"]
    assert "ETag" in read["200"]["headers"]
    assert "Link" in paths["/api/v1/monuments"]["get"]["responses"]["200"]["headers"]
    created = paths["/api/v1/monuments"]["post"]["responses"]["201"]["headers"]
    assert {"Location", "ETag"} <= set(created)
    assert "Retry-After" in read["429"]["headers"] and "Retry-After" in read["503"]["headers"]
    offset = paths["/api/v1/uploads/{upload_id}"]["head"]["responses"]["200"]["headers"]
    assert "Upload-Offset" in offset


def test_error_statuses_are_listed_per_operation(document):
    for path, method, operation in operations(document):
        statuses = set(operation["responses"])
        assert "4XX" not in statuses, (method, path)
        assert {"401", "404", "422", "429", "503"} <= statuses, (method, path)
        if method == "patch" and not path.startswith("/api/v1/uploads"):
            assert {"412", "428"} <= statuses, (method, path)
        for status, answer in operation["responses"].items():
            if status.startswith("4"):
                assert "application/problem+json" in answer["content"], (method, path, status)


def test_oai_declares_the_protocol_arguments(document):
    parameters = document["paths"]["/oai"]["get"]["parameters"]
    assert [p["name"] for p in parameters] == [
        "verb",
        "identifier",
        "metadataPrefix",
        "from",
        "until",
        "set",
        "resumptionToken",
    ]
    form = document["paths"]["/oai"]["post"]["requestBody"]["content"]
    assert "verb" in form["application/x-www-form-urlencoded"]["schema"]["properties"]
