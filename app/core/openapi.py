"""Finishing the OpenAPI document FastAPI builds, so that generated clients and validators
see the API as it behaves: short operation ids, the bearer scheme and which operations need
it, `If-Match` where updates require it, the response headers clients read, and the error
statuses each operation can answer listed one by one (a `4XX` wildcard would accept any).
"""

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from app.core.errors import PROBLEM_JSON
from app.core.schemas import QUERY_TEXT_PATTERN

# The tus protocol version every tus request must name (app.uploads.protocol speaks it).
TUS_VERSION = "1.0.0"
# tus headers of extensions this server does not offer (it answers them with a 400 saying so).
UNSUPPORTED_HEADERS = frozenset({"Upload-Defer-Length"})

BEARER = "bearerAuth"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# The errors every operation of a method can answer, besides 503 (listed by the app). 401
# and 429 come from the key check and the anonymous limit on every route; 421 from links
# built for an unknown Host; 410 from withdrawn monuments; 507 from a full volume.
_READ = (400, 401, 403, 404, 406, 410, 421, 422, 429)
_WRITE = (400, 401, 403, 404, 406, 408, 409, 410, 412, 413, 415, 421, 422, 429, 507)
ERRORS_BY_METHOD: dict[str, tuple[int, ...]] = {
    "get": _READ,
    "head": _READ,
    "options": _READ,
    "post": _WRITE,
    "patch": (*_WRITE, 428),
    "put": (*_WRITE, 428),
    "delete": (400, 401, 403, 404, 406, 409, 410, 412, 421, 422, 428, 429, 507),
}
ERROR_DESCRIPTIONS = {
    400: "Bad Request: a malformed body, header or protocol request.",
    401: "Unauthorized: the operation needs an API key, or the key is unknown or revoked.",
    403: "Forbidden: the key's role may not do this.",
    404: "Not Found.",
    406: "Not Acceptable: none of the media types in `Accept` can be produced.",
    408: "Request Timeout: the body arrived too slowly.",
    409: "Conflict with the resource's current state.",
    410: "Gone: the monument was withdrawn.",
    412: "Precondition Failed: `If-Match` names an ETag that is no longer current.",
    413: "Content Too Large.",
    415: "Unsupported Media Type.",
    421: "Misdirected Request: links cannot be built for this Host.",
    422: "Unprocessable Content: a field is invalid; `errors` says which.",
    428: "Precondition Required: send `If-Match` with the ETag of your last read.",
    429: "Too Many Requests: wait the seconds in `Retry-After`, or send a key.",
    460: "Checksum Mismatch (tus checksum extension): the chunk was damaged on the way.",
    507: "Insufficient Storage.",
}
HEADERS: dict[str, dict[str, Any]] = {
    "ETag": {"description": "The representation's strong validator.", "schema": {"type": "string"}},
    "Link": {
        "description": 'RFC 8288 links: `rel="next"` for the next page.',
        "schema": {"type": "string"},
    },
    "Location": {"description": "The created resource.", "schema": {"type": "string"}},
    "Retry-After": {
        "description": "Seconds to wait before retrying.",
        "schema": {"type": "integer", "minimum": 0},
    },
    "Upload-Offset": {
        "description": "tus: bytes of the upload received so far.",
        "schema": {"type": "integer", "minimum": 0},
    },
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "description": "The `ETag` of your last read of the resource: an update of anything else "
    "is refused (`412`), and one without it is `428`.",
    "schema": {"type": "string", "minLength": 1},
}


def operation_id(route: APIRoute) -> str:
    """A route's operationId: its handler's name (`create_monument`), what a generated
    client names the function; handler names are unique across the API."""
    return route.name


def _role_check(route: Any) -> frozenset[str] | None:
    """The roles a route's `require_roles` check admits, or None when it has none."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        admits = getattr(dependant.call, "admits", None)
        if admits is not None:
            return frozenset(str(role) for role in admits)
        pending.extend(dependant.dependencies)
    return None


def _asks_for_key(route: Any) -> bool:
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if getattr(dependant.call, "__name__", "") in ("get_caller", "admit_harvester"):
            return True
        pending.extend(dependant.dependencies)
    return False


def _routes(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            for method in context.methods or ():
                yield context.path_format, method.lower(), route


def _security(app: FastAPI) -> dict[tuple[str, str], list[dict[str, list[str]]]]:
    """Each operation's security: a key required (a role check), optional (read with or
    without one), or none (probes)."""
    declared = {}
    for path, method, route in _routes(app):
        if _role_check(route) is not None:
            declared[(path, method)] = [{BEARER: []}]
        elif _asks_for_key(route):
            declared[(path, method)] = [{}, {BEARER: []}]
        else:
            declared[(path, method)] = []
    return declared


def _header(*names: str) -> dict[str, Any]:
    return {name: HEADERS[name] for name in names}


def _add_headers(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    for status, answer in responses.items():
        wanted: list[str] = []
        if status in ("429", "503"):
            wanted.append("Retry-After")
        elif status == "201":
            wanted += ["Location", "ETag"] if not path.endswith("/uploads") else ["Location"]
        elif status == "200" and method in ("get", "patch", "post"):
            wanted.append("ETag")
            if method == "get" and any(
                parameter.get("name") == "cursor" for parameter in operation.get("parameters", [])
            ):
                wanted.append("Link")
        if path.startswith("/api/v1/uploads/") and status in ("200", "204") and method != "delete":
            wanted.append("Upload-Offset")
        if wanted:
            answer.setdefault("headers", {}).update(_header(*wanted))


def _list_errors(method: str, path: str, operation: dict[str, Any]) -> None:
    responses = operation["responses"]
    wildcard = responses.pop("4XX", None)
    if wildcard is None:
        return
    codes = list(ERRORS_BY_METHOD.get(method, _READ))
    if path.startswith("/api/v1/uploads"):
        codes += [409, 412, 460]
    for code in sorted(set(codes)):
        responses.setdefault(
            str(code),
            {
                "description": ERROR_DESCRIPTIONS[code],
                "content": {PROBLEM_JSON: {"schema": PROBLEM_REF}},
            },
        )


def _declare_inputs(
    path: str, method: str, operation: dict[str, Any], *, max_upload_bytes: int | None
) -> None:
    """What the server checks about headers and query text, stated in the document: tus
    requests need `Tus-Resumable: 1.0.0`, a new upload its `Upload-Length` (1 byte up to
    the largest photo), and no text in a query may hold control characters
    (`QUERY_TEXT_PATTERN`)."""
    # A header the server reads only to refuse it is no input to offer.
    operation["parameters"] = [
        parameter
        for parameter in operation.get("parameters", [])
        if parameter["name"] not in UNSUPPORTED_HEADERS
    ]
    if not operation["parameters"]:
        del operation["parameters"]
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        options = schema.get("anyOf", [schema])
        if parameter["in"] == "header" and parameter["name"] == "Tus-Resumable":
            parameter["required"] = True
            parameter["schema"] = {"type": "string", "enum": [TUS_VERSION]}
        elif parameter["in"] == "header" and parameter["name"] == "Upload-Length":
            # Upload-Defer-Length is not supported, so the length is required (a request
            # without it is still answered 400, as tus servers do).
            parameter["required"] = True
            parameter["schema"] = {"type": "integer", "minimum": 1}
            if max_upload_bytes is not None:
                parameter["schema"]["maximum"] = max_upload_bytes
        elif parameter["in"] == "query" and path != "/oai":  # OAI-PMH answers bad arguments
            for option in options:
                plain = not {"enum", "format", "pattern", "const"} & set(option)
                if option.get("type") == "string" and plain:
                    option["pattern"] = QUERY_TEXT_PATTERN


def complete_openapi(
    app: FastAPI,
    *,
    unconditional: frozenset[str] = frozenset(),
    if_match_required: Callable[[str, str], bool] = lambda path, method: method == "patch",
    max_upload_bytes: int | None = None,
) -> None:
    """Finish the app's OpenAPI document when it is first asked for (see the module's
    docstring); `304` on every GET under /api/v1 and /iiif but `unconditional` paths."""
    build_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = build_openapi()
        security = _security(app)
        document.setdefault("components", {})["securitySchemes"] = {
            BEARER: {
                "type": "http",
                "scheme": "bearer",
                "description": "An API key: `Authorization: Bearer <key>`.",
            }
        }
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                for answer in operation["responses"].values():
                    content = answer.get("content", {})
                    if PROBLEM_JSON in content and "application/json" in content:
                        content[PROBLEM_JSON] = content.pop("application/json")
                conditional = path.startswith(("/api/v1/", "/iiif/")) and path not in unconditional
                if method == "get" and conditional:
                    operation["responses"].setdefault(
                        "304",
                        {"description": "Not Modified: the ETag in `If-None-Match` is current."},
                    )
                _list_errors(method, path, operation)
                _declare_inputs(path, method, operation, max_upload_bytes=max_upload_bytes)
                _add_headers(path, method, operation)
                if (path, method) in security:
                    operation["security"] = security[(path, method)]
                if if_match_required(path, method):
                    operation.setdefault("parameters", []).append({**IF_MATCH, "required": True})
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
