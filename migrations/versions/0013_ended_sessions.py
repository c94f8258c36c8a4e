"""Security, second round: signed-out web sessions are remembered until their cookies expire.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ended_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ended_session")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_ended_session_session_hash")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_ended_session_expires_at"), "ended_session", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ended_session_expires_at"), table_name="ended_session")
    op.drop_table("ended_session")
