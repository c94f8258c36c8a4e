"""Content negotiation for linked data: `Accept: application/ld+json` on a record's URL.

The records' routes sit in low layers (sites, the catalogue); the JSON-LD builders sit above
them (`app.linked_data`) and are installed at start-up, as error pages are.
"""

import json
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request, Response

from app.core.errors import NotAcceptable
from app.core.http import public_base_url

LD_MEDIA_TYPE = "application/ld+json"
# On both answers of a URL that also answers JSON-LD: caches must key on Accept, and on the
# caller's key as every read does (sensitive positions depend on the role).
VARY_ACCEPT = {"Vary": "Authorization, Accept"}

Builder = Callable[..., dict[str, Any]]


def install_linked_data(app: FastAPI, builders: dict[str, Builder]) -> None:
    """Let routes answer `application/ld+json` with these builders (by kind of record)."""
    app.state.linked_data = dict(builders)


def _quality(parameters: list[str]) -> float:
    for parameter in parameters:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0


def wants_linked_data(request: Request) -> bool:
    """Whether the caller prefers JSON-LD to plain JSON (RFC 9110 quality values; a tie
    goes to plain JSON, which every client of this API reads)."""
    accept = request.headers.get("accept", "")
    if LD_MEDIA_TYPE not in accept.lower():
        return False
    best: dict[str, float] = {}
    for item in accept.split(","):
        media_type, *parameters = item.split(";")
        media_type = media_type.strip().lower()
        best[media_type] = max(best.get(media_type, 0.0), _quality(parameters))
    plain = max(best.get("application/json", 0.0), best.get("*/*", 0.0) * 0.99)
    return best.get(LD_MEDIA_TYPE, 0.0) > plain


def linked_data_response(request: Request, kind: str, **arguments: Any) -> Response:
    """The record as JSON-LD, from the builder installed for its kind."""
    builders: dict[str, Builder] = getattr(request.app.state, "linked_data", {})
    if kind not in builders:
        raise NotAcceptable(f"No JSON-LD is offered for this {kind}; ask for application/json.")
    document = builders[kind](base_url=public_base_url(request), **arguments)
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return Response(body, media_type=LD_MEDIA_TYPE, headers=VARY_ACCEPT)
