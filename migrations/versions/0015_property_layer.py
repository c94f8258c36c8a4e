"""The property layer: criteria, boundary and buffer zone on sites; attributes, factors,
corrective measures, benchmarks, Committee decisions and missions; monument components;
EAMENA-style condition on assessments, existing causes carried into disturbances.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")

# The categories of the causes recorded before 0015 (app.assessments.models, as of 0015).
CAUSE_CATEGORY = {
    "deliberate_destruction": "conflict",
    "explosives": "conflict",
    "military_activity": "conflict",
    "looting": "looting",
    "illegal_excavation": "looting",
    "vandalism": "vandalism",
    "fire": "fire",
    "earthquake": "natural",
    "flooding": "natural",
    "weathering": "natural",
    "development_pressure": "development",
    "neglect": "management",
    "inappropriate_restoration": "management",
    "other": "other",
}


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _ids(name: str) -> sa.Column:
    return sa.Column(name, JSON, nullable=False)


def _site_table(name: str, *columns: sa.Column) -> None:
    op.create_table(
        name,
        *_timestamps(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        *columns,
        sa.ForeignKeyConstraint(["site_id"], ["site.id"], name=op.f(f"fk_{name}_site_id_site")),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f(f"ix_{name}_site_id"), name, ["site_id"])


SITE_TABLES = (
    "property_attribute",
    "property_factor",
    "corrective_measure",
    "benchmark",
    "committee_decision",
    "mission",
)


def upgrade() -> None:
    with op.batch_alter_table("site") as batch:
        batch.add_column(sa.Column("criteria", JSON, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("boundary", JSON, nullable=True))
        batch.add_column(sa.Column("buffer_zone", JSON, nullable=True))
    with op.batch_alter_table("site") as batch:
        batch.alter_column("criteria", server_default=None)

    op.create_table(
        "monument_component",
        *_timestamps(),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        _ids("source_ids"),
        sa.ForeignKeyConstraint(
            ["monument_id"],
            ["monument.id"],
            name=op.f("fk_monument_component_monument_id_monument"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monument_component")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_monument_component_monument_id"), "monument_component", ["monument_id"]
    )
    _site_table(
        "property_attribute",
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        _ids("monument_ids"),
        _ids("component_ids"),
        _ids("source_ids"),
    )
    _site_table(
        "property_factor",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        _ids("monument_ids"),
        _ids("attribute_ids"),
        _ids("source_ids"),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
    )
    _site_table(
        "corrective_measure",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("responsible_body", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("completed_on", sa.Date(), nullable=True),
        _ids("source_ids"),
    )
    _site_table(
        "benchmark",
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        _ids("source_ids"),
    )
    _site_table(
        "committee_decision",
        sa.Column("session", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        _ids("source_ids"),
    )
    _site_table(
        "mission",
        sa.Column("type", sa.String(length=30), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("organisations", JSON, nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        _ids("source_ids"),
    )

    with op.batch_alter_table("damage_assessment") as batch:
        batch.add_column(sa.Column("overall_condition", sa.String(length=20), nullable=True))
        for name in ("disturbances", "threats", "component_conditions"):
            batch.add_column(sa.Column(name, JSON, nullable=False, server_default="[]"))
    with op.batch_alter_table("damage_assessment") as batch:
        for name in ("disturbances", "threats", "component_conditions"):
            batch.alter_column(name, server_default=None)
    _carry_causes_into_disturbances()


def _carry_causes_into_disturbances() -> None:
    """Each recorded cause becomes a disturbance: its category, the cause as the agent, the
    assessment's extent as a range of one and its confidence as the certainty."""
    assessment = sa.table(
        "damage_assessment",
        sa.column("id", sa.Integer),
        sa.column("causes", JSON),
        sa.column("extent_percent", sa.Integer),
        sa.column("confidence", sa.String),
        sa.column("disturbances", JSON),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(
            assessment.c.id,
            assessment.c.causes,
            assessment.c.extent_percent,
            assessment.c.confidence,
        )
    ).all()
    for row in rows:
        if not row.causes:
            continue
        extent = (
            None
            if row.extent_percent is None
            else {"min": row.extent_percent, "max": row.extent_percent}
        )
        disturbances = [
            {
                "cause_category": CAUSE_CATEGORY.get(cause, "other"),
                "cause_agent": cause,
                "effect": None,
                "extent_percent": extent,
                "certainty": row.confidence,
            }
            for cause in row.causes
        ]
        connection.execute(
            sa.update(assessment).where(assessment.c.id == row.id).values(disturbances=disturbances)
        )


def downgrade() -> None:
    # `causes` and `extent_percent` were kept in step with the disturbances: nothing of what
    # 0013 knew is lost by dropping the new columns.
    with op.batch_alter_table("damage_assessment") as batch:
        for name in ("component_conditions", "threats", "disturbances", "overall_condition"):
            batch.drop_column(name)
    for name in reversed(SITE_TABLES):
        op.drop_index(op.f(f"ix_{name}_site_id"), table_name=name)
        op.drop_table(name)
    op.drop_index(op.f("ix_monument_component_monument_id"), table_name="monument_component")
    op.drop_table("monument_component")
    with op.batch_alter_table("site") as batch:
        batch.drop_column("buffer_zone")
        batch.drop_column("boundary")
        batch.drop_column("criteria")
