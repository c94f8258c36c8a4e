"""Sources as records, cited by damage assessments, restoration assessments and photos.

Each citing table gets a link table (its id, the source's id, the position in its list of
sources), keyed by the pair. The free-text `source` of existing assessments is carried into
source records: one record per distinct text (kind `other`: a free-text citation does not
say reliably what kind of source it is), titled with the whole text, with its URL when the
text holds exactly one, linked to every row that gave that text. The free-text column stays
as it was, so the upgrade loses nothing and the downgrade only drops what was added.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

import re
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (link table, its column naming the citing row, the citing table)
LINKS = (
    ("damage_assessment_source", "damage_assessment_id", "damage_assessment"),
    ("restoration_assessment_source", "restoration_assessment_id", "restoration_assessment"),
    ("photo_source", "photo_id", "photo"),
)
# The tables whose free-text `source` becomes source records.
FREE_TEXT = ("damage_assessment", "restoration_assessment")
URL = re.compile(r"https?://[^\s<>\"']+")
MAX_URL = 2000


def _timestamp(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=300), nullable=True),
        sa.Column("publisher", sa.String(length=300), nullable=True),
        sa.Column("published_on", sa.Date(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("archived_url", sa.String(length=2000), nullable=True),
        sa.Column("accessed_on", sa.Date(), nullable=True),
        sa.Column("language", sa.String(length=35), nullable=True),
        sa.Column("licence", sa.String(length=100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_source_kind"), "source", ["kind"])
    op.create_index(op.f("ix_source_url"), "source", ["url"])
    for table, owner, owner_table in LINKS:
        op.create_table(
            table,
            sa.Column(owner, sa.Integer(), nullable=False),
            sa.Column("source_id", sa.Integer(), nullable=False),
            sa.Column("position", sa.Integer(), nullable=False),
            sa.ForeignKeyConstraint(
                [owner],
                [f"{owner_table}.id"],
                name=op.f(f"fk_{table}_{owner}_{owner_table}"),
                ondelete="CASCADE",
            ),
            sa.ForeignKeyConstraint(
                ["source_id"], ["source.id"], name=op.f(f"fk_{table}_source_id_source")
            ),
            sa.PrimaryKeyConstraint(owner, "source_id", name=op.f(f"pk_{table}")),
        )
        op.create_index(op.f(f"ix_{table}_source_id"), table, ["source_id"])
    _carry_free_text_sources()


def _single_url(text: str) -> str | None:
    """The URL of a citation that holds exactly one (trailing punctuation is not part of it)."""
    urls = {match.rstrip(".,;:)]") for match in URL.findall(text)}
    if len(urls) != 1:
        return None
    url = urls.pop()
    return url if len(url) <= MAX_URL else None


def _carry_free_text_sources() -> None:
    bind = op.get_bind()
    source = sa.table(
        "source",
        sa.column("id", sa.Integer),
        sa.column("kind", sa.String),
        sa.column("title", sa.Text),
        sa.column("url", sa.String),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    # Each distinct text once, in the order it first appeared; the record is as old as the
    # first row that cited it, so "as the registry knew it then" still finds it there.
    cited: dict[str, list[tuple[str, int]]] = {}
    first_seen: dict[str, datetime] = {}
    rows = []
    for table in FREE_TEXT:
        citing = sa.table(
            table,
            sa.column("id", sa.Integer),
            sa.column("source", sa.Text),
            sa.column("created_at", sa.DateTime(timezone=True)),
        )
        query = sa.select(citing.c.id, citing.c.source, citing.c.created_at).where(
            citing.c.source.is_not(None)
        )
        rows += [
            (created_at, table, row_id, text) for row_id, text, created_at in bind.execute(query)
        ]
    rows.sort(key=lambda row: (_aware(row[0]), FREE_TEXT.index(row[1]), row[2]))
    for created_at, table, row_id, text in rows:
        if not text.strip():
            continue
        cited.setdefault(text, []).append((table, row_id))
        first_seen.setdefault(text, _aware(created_at))
    now = datetime.now(UTC)
    links = {table: [] for table in FREE_TEXT}
    for text, citing_rows in cited.items():
        source_id = bind.execute(
            source.insert()
            .values(
                kind="other",
                title=text,
                url=_single_url(text),
                created_at=first_seen[text],
                updated_at=now,
            )
            .returning(source.c.id)
        ).scalar_one()
        for table, row_id in citing_rows:
            links[table].append({f"{table}_id": row_id, "source_id": source_id, "position": 0})
    for table, values in links.items():
        if values:
            link = sa.table(
                f"{table}_source",
                sa.column(f"{table}_id", sa.Integer),
                sa.column("source_id", sa.Integer),
                sa.column("position", sa.Integer),
            )
            bind.execute(link.insert(), values)


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones.
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def downgrade() -> None:
    for table, _, _ in reversed(LINKS):
        op.drop_index(op.f(f"ix_{table}_source_id"), table_name=table)
        op.drop_table(table)
    op.drop_index(op.f("ix_source_url"), table_name="source")
    op.drop_index(op.f("ix_source_kind"), table_name="source")
    op.drop_table("source")
