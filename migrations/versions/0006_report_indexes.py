"""Indexes for reports: finding corrections of an assessment.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        op.f("ix_damage_assessment_supersedes_id"), "damage_assessment", ["supersedes_id"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_damage_assessment_supersedes_id"), table_name="damage_assessment")
