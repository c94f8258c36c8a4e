"""Keyset pagination with opaque cursors and RFC 8288 `Link` headers."""

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request, Response
from pydantic import BaseModel
from sqlmodel import select
from sqlmodel.sql.expression import SelectOfScalar

from app.core.errors import BadRequest
from app.core.http import link_to, resource_response

ItemT = TypeVar("ItemT")
ModelT = TypeVar("ModelT")
RowT = TypeVar("RowT")

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


CursorKey = tuple[int | str, ...]


def encode_cursor(*key: int | str) -> str:
    """An opaque cursor that resumes a listing after the row whose sort key is `key`."""
    raw = json.dumps({"v": 1, "after": list(key)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_key_cursor(cursor: str | None, shape: tuple[type, ...]) -> CursorKey | None:
    """The sort key a cursor resumes after; `BadRequest` for anything we did not issue.

    `shape` names each key's type: int, str, or date and datetime for keys written in ISO
    8601 (they stay text in the key, checked to parse)."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
        key = payload["after"]
        if payload.get("v") != 1 or not isinstance(key, list) or len(key) != len(shape):
            raise ValueError(key)
        for value, kind in zip(key, shape, strict=True):
            if kind in (date, datetime):
                if type(value) is not str:
                    raise ValueError(value)
                kind.fromisoformat(value)  # ValueError unless it is one
                continue
            # bool is an int to Python; a cursor never holds one. Keys are row ids, INTEGER
            # columns: a larger number would overflow PostgreSQL's comparison (a 500).
            if type(value) is not kind or (kind is int and not 0 <= value < 2**31):
                raise ValueError(value)
            # Text keys go back to the database: no NUL (PostgreSQL refuses it), no lone
            # surrogate (not encodable as UTF-8), nothing this service would have issued.
            if kind is str and not value.isprintable():
                raise ValueError(value)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            "The cursor is not one this service issued; use `next_cursor` from the previous "
            "page unchanged, or omit it to start from the first page."
        ) from None
    return tuple(key)


def decode_cursor(cursor: str | None) -> int | None:
    """The id a cursor of an id-ordered listing resumes after."""
    key = decode_key_cursor(cursor, (int,))
    return None if key is None else int(key[0])


def id_page_query(
    model: type[ModelT], *, after_id: int | None, limit: int, **equal_to: object
) -> SelectOfScalar[ModelT]:
    """Rows of `model` in id order after a cursor, one more than `limit` to tell if a page
    follows; each `column=value` given narrows them, unless the value is None."""
    table: Any = model
    query = select(model).order_by(table.id).limit(limit + 1)
    for column, value in equal_to.items():
        if value is not None:
            query = query.where(getattr(table, column) == value)
    if after_id is not None:
        query = query.where(table.id > after_id)
    return query


def link_headers(request: Request, next_cursor: str | None) -> dict[str, str]:
    """The `Link: <…>; rel="next"` header for a page, when there is a next page."""
    if next_cursor is None:
        return {}
    next_url = link_to(request, request.url.include_query_params(cursor=next_cursor))
    return {"Link": f'<{next_url}>; rel="next"'}


def _id_key(row: object) -> tuple[int | str, ...]:
    return (row.id,)  # type: ignore[attr-defined]


def next_page_cursor(
    rows: Sequence[RowT], *, limit: int, sort_key: Callable[[RowT], CursorKey] = _id_key
) -> str | None:
    """The cursor of the page after `rows[:limit]`; None when `rows` holds no more."""
    return encode_cursor(*sort_key(rows[limit - 1])) if len(rows) > limit else None


def page_response(
    request: Request,
    rows: Sequence[RowT],
    *,
    limit: int,
    present: Callable[[Sequence[RowT]], Sequence[BaseModel]],
    sort_key: Callable[[RowT], CursorKey] = _id_key,
) -> Response:
    """One page of a list as JSON, with its ETag and `Link` header.

    `rows` holds up to `limit + 1` rows (one more says that a next page exists); `present`
    turns the page's rows into what is sent; `sort_key` is what the next page resumes after
    (the id, unless the list is ordered otherwise).
    """
    next_cursor = next_page_cursor(rows, limit=limit, sort_key=sort_key)
    page = Page[Any](items=list(present(rows[:limit])), next_cursor=next_cursor)
    return resource_response(request, page, headers=link_headers(request, next_cursor))


@dataclass(frozen=True)
class Paging:
    """The page a list route is asked for (`limit`, `cursor`), and how the page is answered:
    every paginated route takes it, so each reads the two parameters and answers alike."""

    request: Request
    limit: int
    cursor: str | None

    @property
    def after_id(self) -> int | None:
        """The id an id-ordered listing resumes after; `BadRequest` for a foreign cursor."""
        return decode_cursor(self.cursor)

    def after(self, shape: tuple[type, ...]) -> CursorKey | None:
        """The sort key a listing ordered otherwise resumes after (`decode_key_cursor`)."""
        return decode_key_cursor(self.cursor, shape)

    def rows_from(
        self, listing: Callable[..., Sequence[RowT]], **narrowed_by: Any
    ) -> Sequence[RowT]:
        """The rows of this page from a service's id-ordered listing, called with
        `after_id` and `limit` besides `narrowed_by`: up to `limit + 1`, as `respond` takes."""
        return listing(**narrowed_by, after_id=self.after_id, limit=self.limit)

    def respond(
        self,
        rows: Sequence[RowT],
        *,
        present: Callable[[Sequence[RowT]], Sequence[BaseModel]],
        sort_key: Callable[[RowT], CursorKey] = _id_key,
    ) -> Response:
        """The page of `rows` (up to `limit + 1` of them) as `page_response` answers it."""
        return page_response(
            self.request, rows, limit=self.limit, present=present, sort_key=sort_key
        )


def _paging(request: Request, limit: Limit = 50, cursor: CursorParam = None) -> Paging:
    return Paging(request=request, limit=limit, cursor=cursor)


# OpenAPI lists a route's own query parameters, then its dependencies' in the order they are
# declared: declare `paging` before any other dependency with query parameters (`axes`), so
# `limit` and `cursor` stay right after the route's own filters.
PagingDep = Annotated[Paging, Depends(_paging)]
