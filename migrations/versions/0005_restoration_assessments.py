"""Restoration assessments.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "restoration_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("feasibility", sa.String(length=30), nullable=False),
        sa.Column("approach", sa.String(length=30), nullable=True),
        sa.Column("original_material_percent", sa.Integer(), nullable=True),
        sa.Column("restorable_percent", sa.Integer(), nullable=True),
        sa.Column("estimated_cost_thousandths", sa.BigInteger(), nullable=True),
        sa.Column("estimated_cost_currency", sa.String(length=3), nullable=True),
        sa.Column("estimated_duration_months", sa.Integer(), nullable=True),
        sa.Column("priority", sa.String(length=10), nullable=True),
        sa.Column(
            "prerequisites",
            sa.JSON().with_variant(postgresql.JSONB(), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=True),
        sa.Column("organisation", sa.String(length=300), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("based_on_assessment_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=300), nullable=False),
        sa.Column("author_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["monument_id"],
            ["monument.id"],
            name=op.f("fk_restoration_assessment_monument_id_monument"),
        ),
        sa.ForeignKeyConstraint(
            ["based_on_assessment_id"],
            ["damage_assessment.id"],
            name=op.f("fk_restoration_assessment_based_on_assessment_id_damage_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_restoration_assessment")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_restoration_assessment_monument_id_assessed_on"),
        "restoration_assessment",
        ["monument_id", "assessed_on"],
    )


def downgrade() -> None:
    op.drop_table("restoration_assessment")
