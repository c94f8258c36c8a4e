"""Damage assessments and their review workflow.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "damage_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("method", sa.String(length=30), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("damage_level", sa.String(length=30), nullable=False),
        sa.Column("extent_percent", sa.Integer(), nullable=True),
        sa.Column(
            "causes", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False
        ),
        sa.Column("confidence", sa.String(length=10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("author", sa.String(length=300), nullable=False),
        sa.Column("author_key_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewer", sa.String(length=300), nullable=True),
        sa.Column("reviewer_key_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["monument_id"], ["monument.id"], name=op.f("fk_damage_assessment_monument_id_monument")
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["damage_assessment.id"],
            name=op.f("fk_damage_assessment_supersedes_id_damage_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_damage_assessment")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_damage_assessment_monument_id_status_observed_on"),
        "damage_assessment",
        ["monument_id", "status", "observed_on"],
    )


def downgrade() -> None:
    op.drop_table("damage_assessment")
