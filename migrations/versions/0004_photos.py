"""Photo evidence and the Idempotency-Keys of uploads.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("byte_size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=50), nullable=False),
        sa.Column("original_key", sa.String(length=300), nullable=False),
        sa.Column("original_filename", sa.String(length=255), nullable=True),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("thumbnail_key", sa.String(length=300), nullable=False),
        sa.Column("thumbnail_sha256", sa.String(length=64), nullable=False),
        sa.Column("thumbnail_byte_size", sa.Integer(), nullable=False),
        sa.Column("preview_key", sa.String(length=300), nullable=False),
        sa.Column("preview_sha256", sa.String(length=64), nullable=False),
        sa.Column("preview_byte_size", sa.Integer(), nullable=False),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("photographer", sa.String(length=300), nullable=True),
        sa.Column("license", sa.String(length=100), nullable=True),
        _timestamp("taken_at", nullable=True),
        sa.Column("taken_at_source", sa.String(length=20), nullable=True),
        sa.Column("camera_taken_at", sa.String(length=40), nullable=True),
        sa.Column("camera_make", sa.String(length=100), nullable=True),
        sa.Column("camera_model", sa.String(length=100), nullable=True),
        sa.Column("orientation", sa.Integer(), nullable=True),
        sa.Column("gps_lat", sa.Float(), nullable=True),
        sa.Column("gps_lon", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("location_mismatch", sa.Boolean(), nullable=True),
        sa.Column("uploaded_by", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by_key_id", sa.Integer(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(
            ["monument_id"], ["monument.id"], name=op.f("fk_photo_monument_id_monument")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["damage_assessment.id"],
            name=op.f("fk_photo_assessment_id_damage_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo")),
        sa.UniqueConstraint("monument_id", "sha256", name=op.f("uq_photo_monument_id_sha256")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_photo_monument_id"), "photo", ["monument_id"])
    op.create_index(op.f("ix_photo_assessment_id"), "photo", ["assessment_id"])
    op.create_index(op.f("ix_photo_sha256"), "photo", ["sha256"])
    op.create_table(
        "photo_upload_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=255), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_photo_upload_key_api_key_id_api_key")
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"], ["photo.id"], name=op.f("fk_photo_upload_key_photo_id_photo")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_photo_upload_key")),
        sa.UniqueConstraint(
            "api_key_id",
            "idempotency_key",
            name=op.f("uq_photo_upload_key_api_key_id_idempotency_key"),
        ),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_photo_upload_key_photo_id"), "photo_upload_key", ["photo_id"])


def downgrade() -> None:
    op.drop_table("photo_upload_key")
    op.drop_table("photo")
