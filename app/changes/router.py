"""HTTP route for /api/v1/changes: the feed partners poll (anyone; filtered by role)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.changes import service
from app.changes.entities import FeedEntity
from app.changes.schemas import ChangesPage
from app.core.auth import CallerDep, get_caller
from app.core.dependencies import ReadSessionDep
from app.core.http import link_to, resource_response
from app.core.pagination import Limit, decode_cursor, encode_cursor

router = APIRouter(prefix="/api/v1/changes", tags=["changes"], dependencies=[Depends(get_caller)])

Since = Annotated[
    str | None,
    Query(
        max_length=200,
        description="`next_cursor` from your previous poll; omit to start from the first change.",
    ),
]


@router.get("", response_model=ChangesPage)
def list_changes(
    request: Request,
    caller: CallerDep,
    session: ReadSessionDep,
    since: Since = None,
    entity: Annotated[
        list[FeedEntity] | None, Query(description="Only these entity types (repeatable).")
    ] = None,
    limit: Limit = 50,
) -> Response:
    """Every change since a cursor, in commit order, as far as your role may read; `304`
    to `If-None-Match` while nothing has changed."""
    after_id = decode_cursor(since)
    # Named once each, however often repeated: a thousand `entity=site` are one condition.
    wanted = sorted(set(entity)) if entity else None
    events = service.list_changes(
        session=session, caller=caller, after_id=after_id, entity_types=wanted, limit=limit
    )
    items = service.describe(session=session, caller=caller, events=events[:limit])
    has_more = len(events) > limit
    next_cursor = items[-1].cursor if items else (since or encode_cursor(0))
    page = ChangesPage(items=items, next_cursor=next_cursor, has_more=has_more)
    headers = {}
    if has_more:
        next_url = link_to(request, request.url.include_query_params(since=next_cursor))
        headers["Link"] = f'<{next_url}>; rel="next"'
    return resource_response(request, page, headers=headers)
