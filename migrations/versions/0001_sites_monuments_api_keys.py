"""Sites, monuments and API keys.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        _timestamp("revoked_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("whc_id", sa.Integer(), nullable=True),
        sa.Column("inscribed_year", sa.Integer(), nullable=True),
        sa.Column("danger_list_year", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_site")),
        sa.UniqueConstraint("whc_id", name=op.f("uq_site_whc_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_site_country"), "site", ["country"])
    op.create_table(
        "monument",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("alt_names", JSON_DOCUMENT, nullable=False),
        sa.Column("type", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=500), nullable=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("location_precision_m", sa.Float(), nullable=False),
        sa.Column("sensitive", sa.Boolean(), nullable=False),
        sa.Column("public_lat", sa.Float(), nullable=False),
        sa.Column("public_lon", sa.Float(), nullable=False),
        sa.Column("public_precision_m", sa.Float(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("deleted_at", nullable=True),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f("fk_monument_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monument")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_monument_site_id"), "monument", ["site_id"])
    op.create_index(op.f("ix_monument_type"), "monument", ["type"])
    op.create_index(op.f("ix_monument_updated_at"), "monument", ["updated_at"])


def downgrade() -> None:
    op.drop_table("monument")
    op.drop_table("site")
    op.drop_table("api_key")
