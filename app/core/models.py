"""Column shapes that the table models of every domain share."""

from typing import Any

from sqlalchemy import Column
from sqlmodel import Field

from app.core.db import JSONDocument, no_items


def json_list(*, in_bulk: bool = False) -> Any:
    """A JSON list column, never null, empty unless given; a fresh column at each call.

    `in_bulk`: a row inserted with Core without it (benchmarks, imports in SQL) gets an
    empty list too, rather than NULL."""
    return Field(
        default_factory=no_items,
        sa_column=Column(JSONDocument, nullable=False, default=no_items if in_bulk else None),
    )
