"""Resumable (tus) uploads: one row per upload in progress; the bytes stay on disk.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "upload",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("upload_length", sa.BigInteger(), nullable=False),
        sa.Column("upload_offset", sa.BigInteger(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("fields", JSON_DOCUMENT, nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("problem", JSON_DOCUMENT, nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        _timestamp("expires_at"),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_upload_api_key_id_api_key")
        ),
        sa.ForeignKeyConstraint(
            ["monument_id"], ["monument.id"], name=op.f("fk_upload_monument_id_monument")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photo.id"],
            name=op.f("fk_upload_photo_id_photo"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload")),
        sa.UniqueConstraint("token", name=op.f("uq_upload_token")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_upload_api_key_id"), "upload", ["api_key_id"])
    op.create_index(op.f("ix_upload_expires_at"), "upload", ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_upload_expires_at"), table_name="upload")
    op.drop_index(op.f("ix_upload_api_key_id"), table_name="upload")
    op.drop_table("upload")
