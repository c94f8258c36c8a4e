"""Join the photo branch (0004) with restoration and reports (0005, 0007).

0004 (photos) and 0005 (restoration assessments) were written side by side, both on top of
0003; this empty revision makes them one history again, so `upgrade head` has one head.

Revision ID: merge_0004_0007
Revises: 0004, 0007
Create Date: 2026-11-25
"""

from collections.abc import Sequence

revision: str = "merge_0004_0007"
down_revision: str | Sequence[str] | None = ("0004", "0007")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
