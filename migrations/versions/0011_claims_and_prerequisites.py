"""Claims are not plans; prerequisites until met.

Restoration records gain a `kind` (`technical_assessment`, the default for every existing
row, or `public_statement`), a claimant (name, role, organisation: the old `organisation`
column becomes `claimant_organisation`), a quote, and a range of restorable shares
(`restorable_percent` becomes `restorable_percent_min`, copied into the new
`restorable_percent_max`). A statement about a whole property is recorded on its site:
`site_id` is added, `monument_id` becomes nullable, and a check allows exactly one of them.
`feasibility` becomes nullable (what a source does not state stays null).

Each prerequisite becomes an object `{prerequisite, status, met_on, source_id}`; existing
lists of words become objects, all `open`. `source_id` names a source record by id; the
source table comes with its own revision, so there is no foreign key here yet (JSON cannot
hold one anyway).

Downgrade: records about a site and the ranges cannot be represented before this revision.
Site statements are deleted, ranges keep their lower figure, unstated feasibility becomes
`undetermined`, and prerequisites turn back into the words of those still open.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "restoration_assessment"
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
ONE_SUBJECT = (
    "(monument_id IS NULL AND site_id IS NOT NULL) OR (monument_id IS NOT NULL AND site_id IS NULL)"
)
RESTORABLE_RANGE = (
    "(restorable_percent_min IS NULL AND restorable_percent_max IS NULL) "
    "OR (restorable_percent_min IS NOT NULL AND restorable_percent_max IS NOT NULL "
    "AND restorable_percent_min >= 0 AND restorable_percent_max <= 100 "
    "AND restorable_percent_min <= restorable_percent_max)"
)

# Only the columns the data steps touch (upgrade: after the renames; downgrade: before).
restoration = sa.table(
    TABLE,
    sa.column("id", sa.Integer()),
    sa.column("monument_id", sa.Integer()),
    sa.column("feasibility", sa.String()),
    sa.column("restorable_percent_min", sa.Integer()),
    sa.column("restorable_percent_max", sa.Integer()),
    sa.column("prerequisites", JSON_DOCUMENT),
)


def _rewrite_prerequisites(convert: Any) -> None:
    """Rewrite every row's prerequisites with `convert` (few rows: a registry holds
    hundreds of restoration records, not millions)."""
    connection = op.get_bind()
    rows = connection.execute(sa.select(restoration.c.id, restoration.c.prerequisites)).all()
    for row_id, items in rows:
        connection.execute(
            restoration.update()
            .where(restoration.c.id == row_id)
            .values(prerequisites=convert(items or []))
        )


def _as_objects(items: list[Any]) -> list[dict[str, Any]]:
    return [
        item
        if isinstance(item, dict)
        else {"prerequisite": item, "status": "open", "met_on": None, "source_id": None}
        for item in items
    ]


def _as_open_words(items: list[Any]) -> list[str]:
    return [
        item["prerequisite"] if isinstance(item, dict) else item
        for item in items
        if not isinstance(item, dict) or item.get("status") == "open"
    ]


def upgrade() -> None:
    # Columns first, constraints last: the checks hold only once the data is moved.
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("site_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "kind",
                sa.String(length=30),
                nullable=False,
                server_default="technical_assessment",
            )
        )
        batch.add_column(sa.Column("restorable_percent_max", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("claimant_name", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("claimant_role", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("quote", sa.Text(), nullable=True))
        batch.alter_column(
            "restorable_percent",
            new_column_name="restorable_percent_min",
            existing_type=sa.Integer(),
        )
        batch.alter_column(
            "organisation",
            new_column_name="claimant_organisation",
            existing_type=sa.String(length=300),
        )
        batch.alter_column("monument_id", existing_type=sa.Integer(), nullable=True)
        batch.alter_column("feasibility", existing_type=sa.String(length=30), nullable=True)

    op.execute(
        restoration.update().values(restorable_percent_max=restoration.c.restorable_percent_min)
    )
    _rewrite_prerequisites(_as_objects)

    with op.batch_alter_table(TABLE) as batch:
        batch.create_foreign_key(
            op.f("fk_restoration_assessment_site_id_site"), "site", ["site_id"], ["id"]
        )
        batch.create_check_constraint(op.f("ck_restoration_assessment_one_subject"), ONE_SUBJECT)
        batch.create_check_constraint(
            op.f("ck_restoration_assessment_restorable_range"), RESTORABLE_RANGE
        )
    op.create_index(
        op.f("ix_restoration_assessment_site_id_assessed_on"), TABLE, ["site_id", "assessed_on"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_restoration_assessment_site_id_assessed_on"), table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(op.f("ck_restoration_assessment_restorable_range"), type_="check")
        batch.drop_constraint(op.f("ck_restoration_assessment_one_subject"), type_="check")
        batch.drop_constraint(op.f("fk_restoration_assessment_site_id_site"), type_="foreignkey")

    # What the older schema cannot hold: records about a whole site, unstated feasibility.
    op.execute(restoration.delete().where(restoration.c.monument_id.is_(None)))
    op.execute(
        restoration.update()
        .where(restoration.c.feasibility.is_(None))
        .values(feasibility="undetermined")
    )
    _rewrite_prerequisites(_as_open_words)

    with op.batch_alter_table(TABLE) as batch:
        batch.alter_column("feasibility", existing_type=sa.String(length=30), nullable=False)
        batch.alter_column("monument_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column(
            "claimant_organisation",
            new_column_name="organisation",
            existing_type=sa.String(length=300),
        )
        batch.alter_column(
            "restorable_percent_min",
            new_column_name="restorable_percent",
            existing_type=sa.Integer(),
        )
        batch.drop_column("quote")
        batch.drop_column("claimant_role")
        batch.drop_column("claimant_name")
        batch.drop_column("restorable_percent_max")
        batch.drop_column("kind")
        batch.drop_column("site_id")
