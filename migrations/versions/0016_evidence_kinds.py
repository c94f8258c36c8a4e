"""Evidence kinds and before/after image pairs.

`evidence_item` says what a piece of evidence is (ground photo, drone or satellite image,
video frame, document scan) and carries the facts of its kind; `image_pair` links two
images from above of one monument and the assessment whose damage window they bound.
Every existing photo becomes a `ground_photo` item (its monument, assessment and capture
time copied; the photo row itself is untouched), so the upgrade loses nothing and the
downgrade only drops what was added.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "evidence_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("photo_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acquired_precision", sa.String(length=10), nullable=True),
        sa.Column("sensor", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=300), nullable=True),
        sa.Column("resolution_m", sa.Float(), nullable=True),
        sa.Column("cloud_cover_percent", sa.Float(), nullable=True),
        sa.Column("footprint", JSON, nullable=True),
        sa.Column("licence", sa.String(length=100), nullable=True),
        sa.Column("source_url", sa.String(length=2000), nullable=True),
        sa.Column("video_source", sa.String(length=2000), nullable=True),
        sa.Column("timecode", sa.String(length=20), nullable=True),
        sa.Column("altitude_m", sa.Float(), nullable=True),
        sa.Column("heading_deg", sa.Float(), nullable=True),
        sa.Column("stac_item", JSON, nullable=True),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("created_by_key_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["monument_id"], ["monument.id"], name=op.f("fk_evidence_item_monument_id_monument")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["damage_assessment.id"],
            name=op.f("fk_evidence_item_assessment_id_damage_assessment"),
        ),
        sa.ForeignKeyConstraint(
            ["photo_id"],
            ["photo.id"],
            name=op.f("fk_evidence_item_photo_id_photo"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_item")),
        sa.UniqueConstraint("photo_id", name=op.f("uq_evidence_item_photo_id")),
        sqlite_autoincrement=True,
    )
    for column in ("monument_id", "assessment_id", "kind"):
        op.create_index(op.f(f"ix_evidence_item_{column}"), "evidence_item", [column])

    op.create_table(
        "evidence_item_source",
        sa.Column("evidence_item_id", sa.Integer(), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evidence_item_id"],
            ["evidence_item.id"],
            name=op.f("fk_evidence_item_source_evidence_item_id_evidence_item"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["source.id"], name=op.f("fk_evidence_item_source_source_id_source")
        ),
        sa.PrimaryKeyConstraint(
            "evidence_item_id", "source_id", name=op.f("pk_evidence_item_source")
        ),
    )
    op.create_index(
        op.f("ix_evidence_item_source_source_id"), "evidence_item_source", ["source_id"]
    )

    op.create_table(
        "image_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("before_id", sa.Integer(), nullable=False),
        sa.Column("after_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=300), nullable=False),
        sa.Column("created_by_key_id", sa.Integer(), nullable=True),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["monument_id"], ["monument.id"], name=op.f("fk_image_pair_monument_id_monument")
        ),
        sa.ForeignKeyConstraint(
            ["before_id"], ["evidence_item.id"], name=op.f("fk_image_pair_before_id_evidence_item")
        ),
        sa.ForeignKeyConstraint(
            ["after_id"], ["evidence_item.id"], name=op.f("fk_image_pair_after_id_evidence_item")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["damage_assessment.id"],
            name=op.f("fk_image_pair_assessment_id_damage_assessment"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_image_pair")),
        sa.UniqueConstraint(
            "before_id",
            "after_id",
            "assessment_id",
            name=op.f("uq_image_pair_before_id_after_id_assessment_id"),
        ),
        sqlite_autoincrement=True,
    )
    for column in ("monument_id", "before_id", "after_id", "assessment_id"):
        op.create_index(op.f(f"ix_image_pair_{column}"), "image_pair", [column])

    # Every photo so far is a ground photo; its uploader made the item.
    op.execute(
        "INSERT INTO evidence_item (monument_id, assessment_id, kind, photo_id, acquired_at, "
        "acquired_precision, licence, created_by, created_by_key_id, created_at, updated_at) "
        "SELECT monument_id, assessment_id, 'ground_photo', id, taken_at, "
        "CASE WHEN taken_at IS NULL THEN NULL ELSE 'instant' END, license, "
        "uploaded_by, uploaded_by_key_id, created_at, updated_at FROM photo ORDER BY id"
    )


def downgrade() -> None:
    op.drop_table("image_pair")
    op.drop_table("evidence_item_source")
    op.drop_table("evidence_item")
