"""Keyset pagination with opaque cursors and RFC 8288 `Link` headers."""

import base64
import binascii
import json
from typing import Annotated, Generic, TypeVar

from fastapi import Query, Request
from pydantic import BaseModel

from app.core.errors import BadRequest

ItemT = TypeVar("ItemT")

MAX_PAGE_SIZE = 200

Limit = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description=f"Items per page (1–{MAX_PAGE_SIZE}).")
]
CursorParam = Annotated[
    str | None,
    Query(max_length=200, description="`next_cursor` from the previous page; omit for the first."),
]


class Page(BaseModel, Generic[ItemT]):
    """One page of a list, with the cursor of the next page (null on the last)."""

    items: list[ItemT]
    next_cursor: str | None


def encode_cursor(after_id: int) -> str:
    """An opaque cursor that resumes the listing after the row with `after_id`."""
    raw = json.dumps({"v": 1, "after": after_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor resumes after; `BadRequest` for anything we did not issue."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        after_id = payload["after"]
        if payload.get("v") != 1 or not isinstance(after_id, int) or after_id < 0:
            raise ValueError(after_id)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            "The cursor is not one this service issued; use `next_cursor` from the previous "
            "page unchanged, or omit it to start from the first page."
        ) from None
    return after_id


def link_headers(request: Request, next_cursor: str | None) -> dict[str, str]:
    """The `Link: <…>; rel="next"` header for a page, when there is a next page."""
    if next_cursor is None:
        return {}
    next_url = request.url.include_query_params(cursor=next_cursor)
    return {"Link": f'<{next_url}>; rel="next"'}
