"""HTTP route for /oai: OAI-PMH 2.0 harvesting (public: no key needed; a valid key lifts the
anonymous rate limit, a bad one is ignored).

The one exception to the problem+json rule: OAI-PMH answers its own errors (badVerb,
badArgument, badResumptionToken, cannotDisseminateFormat, idDoesNotExist, noRecordsMatch,
noSetHierarchy) as XML with HTTP 200, as the protocol requires of a repository.
"""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlmodel import Session

from app.core.auth import get_caller, limit_anonymous_reader
from app.core.config import Settings
from app.core.dependencies import DatabaseDep, ReadSessionDep, SettingsDep
from app.core.errors import ServiceUnavailable, TooManyRequests, Unauthorized
from app.core.http import public_base_url
from app.oai import schemas, service


async def admit_harvester(request: Request, database: DatabaseDep) -> None:
    """Let a harvester in: with any valid key without limit (a partner harvesting the whole
    registry makes hundreds of requests), without one (or with a bad one: OAI-PMH is public)
    within the anonymous limit. Past the limit the answer is `503` with `Retry-After`, which
    OAI-PMH harvesters wait out and retry (protocol §3.1.2.2), where a `429` stops them."""
    try:
        if "authorization" in request.headers:
            try:
                await get_caller(request, database)
                return
            except Unauthorized:
                pass  # ignored: the harvest goes on as an anonymous one
        limit_anonymous_reader(request)
    except TooManyRequests as refused:
        raise ServiceUnavailable(
            "This address has made too many anonymous OAI-PMH requests; retry after the "
            "seconds in Retry-After, or harvest with a partner key (Authorization: Bearer), "
            "which lifts the limit.",
            headers=refused.headers,
        ) from None


router = APIRouter(tags=["oai-pmh"], dependencies=[Depends(admit_harvester)])

FORM = "application/x-www-form-urlencoded"
# The protocol's arguments (OAI-PMH 2.0 §3.1.1 and §4), declared for clients and validators:
# they are read from the query string or the form body by `oai_arguments`, so that a
# repeated or unknown argument is answered with the protocol's own badArgument error.
VERBS = [
    "Identify",
    "ListMetadataFormats",
    "ListSets",
    "ListIdentifiers",
    "ListRecords",
    "GetRecord",
]
ARGUMENTS: dict[str, dict[str, Any]] = {
    # Not an enum: an unknown verb is answered by the protocol (badVerb, HTTP 200).
    "verb": {"type": "string", "description": "One of " + ", ".join(VERBS) + "."},
    "identifier": {"type": "string", "examples": ["oai:heritage-registry.example:monument/1"]},
    "metadataPrefix": {"type": "string", "examples": ["oai_dc"]},
    "from": {"type": "string", "description": "UTC date or date-time (YYYY-MM-DDThh:mm:ssZ)."},
    "until": {"type": "string", "description": "UTC date or date-time (YYYY-MM-DDThh:mm:ssZ)."},
    "set": {"type": "string", "examples": ["site-1"]},
    "resumptionToken": {"type": "string", "description": "From the previous page; exclusive."},
}
QUERY = {
    "parameters": [
        {"name": name, "in": "query", "required": False, "schema": schema}
        for name, schema in ARGUMENTS.items()
    ]
}
FORM_BODY = {
    "requestBody": {
        "required": False,
        "content": {FORM: {"schema": {"type": "object", "properties": ARGUMENTS}}},
    }
}
RESPONSES = {
    200: {
        "description": "An OAI-PMH 2.0 response, or an OAI-PMH error (also with status 200).",
        "content": {schemas.XML_MEDIA_TYPE: {}},
    }
}


async def oai_arguments(request: Request) -> list[tuple[str, str]]:
    """The request's OAI-PMH arguments: the query string (GET) or the form body (POST)."""
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != FORM:
            return []  # answered as badVerb: the protocol's arguments were not found
        form = await request.form()
        return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    return list(request.query_params.multi_items())


Arguments = Annotated[list[tuple[str, str]], Depends(oai_arguments)]


def _answer(
    request: Request, session: Session, settings: Settings, arguments: list[tuple[str, str]]
) -> Response:
    base_url = public_base_url(request)
    repository = service.Repository(
        name=settings.oai_repository_name,
        base_url=base_url,
        admin_email=settings.oai_admin_email,
        namespace=settings.oai_repository_identifier,
        page_size=settings.oai_page_size,
    )
    answer = service.respond(session=session, repository=repository, arguments=arguments)
    return Response(
        schemas.render(answer, base_url=repository.oai_url), media_type=schemas.XML_MEDIA_TYPE
    )


@router.get("/oai", response_class=Response, responses=RESPONSES, openapi_extra=QUERY)
def harvest(
    request: Request, session: ReadSessionDep, settings: SettingsDep, arguments: Arguments
) -> Response:
    """OAI-PMH 2.0: Identify, ListMetadataFormats, ListSets, ListIdentifiers, ListRecords,
    GetRecord, with `oai_dc` metadata for monuments and one set per site."""
    return _answer(request, session, settings, arguments)


@router.post("/oai", response_class=Response, responses=RESPONSES, openapi_extra=FORM_BODY)
def harvest_with_form(
    request: Request, session: ReadSessionDep, settings: SettingsDep, arguments: Arguments
) -> Response:
    """OAI-PMH 2.0 with the arguments in an `application/x-www-form-urlencoded` body."""
    return _answer(request, session, settings, arguments)
