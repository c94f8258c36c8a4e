"""Response bodies for the audit trail."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEventRead(BaseModel):
    """One event of the trail, as stored."""

    id: int
    occurred_at: datetime
    actor: str
    actor_role: str | None
    action: str
    entity_type: str
    entity_id: int
    state: dict[str, Any] | None
    before_digest: str | None
    after_digest: str | None
    prev_hash: str
    hash: str


class ChainVerification(BaseModel):
    """Whether the chain is intact, how long it is and where it first breaks."""

    ok: bool
    length: int
    first_broken: int | None
    head: str
