"""When the damage happened: an optional event window on damage assessments.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("damage_assessment") as table:
        table.add_column(sa.Column("event_from", sa.Date(), nullable=True))
        table.add_column(sa.Column("event_to", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("damage_assessment") as table:
        table.drop_column("event_to")
        table.drop_column("event_from")
