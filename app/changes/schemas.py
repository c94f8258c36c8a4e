"""Response bodies of the changes feed."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.changes.entities import FeedEntity


class ChangeRead(BaseModel):
    """One change: what happened to which resource, when, and where to read it now."""

    id: int = Field(description="Position in the feed (the audit event's id); increases.")
    cursor: str = Field(description="Resume the feed right after this change.")
    occurred_at: datetime
    entity_type: FeedEntity
    entity_id: int
    action: str = Field(examples=["create", "update", "delete", "submit", "verify", "reject"])
    href: str = Field(description="The resource's path under this service's base URL.")
    monument_id: int | None = Field(
        description="The monument concerned (for an assessment: whose condition it may change); "
        "null for a site and for a statement about a whole property."
    )
    etag: str | None = Field(
        description="The ETag that `GET href` answers you now (null when the resource is gone): "
        "if it equals the one you hold, you need not fetch it. A resource changed again later "
        "shows the same, newest ETag on each of its changes."
    )


class ChangesPage(BaseModel):
    """A page of the feed, oldest first. Keep `next_cursor` and poll with `since=` it."""

    items: list[ChangeRead]
    next_cursor: str = Field(
        description="Where your next poll starts; returned even when `items` is empty."
    )
    has_more: bool = Field(description="More changes are there already: poll again at once.")
