"""Monuments remember the identifier they had in an imported inventory.

`external_id` is unique within a site (a unique index, which SQLite can add without
rebuilding the table); monuments created through the API have none.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("monument", sa.Column("external_id", sa.String(length=200), nullable=True))
    op.create_index(
        op.f("ix_monument_site_id_external_id"),
        "monument",
        ["site_id", "external_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_monument_site_id_external_id"), table_name="monument")
    with op.batch_alter_table("monument") as batch:
        batch.drop_column("external_id")
