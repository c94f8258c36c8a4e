"""`405 Method Not Allowed` names every method the path takes (RFC 9110 §15.5.6)."""

import re

from tests.core.test_errors import assert_problem

TRIED = ("PUT", "DELETE", "PATCH", "POST")


def concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", template)


def test_every_405_allows_every_method_of_its_path(client):
    paths = client.app.openapi()["paths"]
    templates = {
        template: re.compile(re.sub(r"\{[^}]+\}", "[^/]+", template) + "$") for template in paths
    }
    checked = 0
    for template in paths:
        if not template.startswith(("/api/", "/iiif/", "/oai")):
            continue
        path = concrete(template)
        # Every path of the document that this URL would reach, and their methods.
        declared = {
            method.upper()
            for other, pattern in templates.items()
            if pattern.match(path)
            for method in paths[other]
        }
        refused = next((method for method in TRIED if method not in declared), None)
        if refused is None:
            continue
        response = client.request(refused, path)
        problem = assert_problem(response, 405)
        allowed = {method.strip() for method in response.headers["allow"].split(",")}
        assert allowed == declared, (refused, path)
        assert response.headers["allow"] in problem["detail"]
        checked += 1
    assert checked > 25


def test_the_monument_list_allows_get_and_post(client):
    response = client.put("/api/v1/monuments")
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, POST"
