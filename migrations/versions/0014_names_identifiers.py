"""Names with languages, identifiers in other datasets, and a search index of names.

Sites and monuments gain `names` ({value, lang, script?, kind}) and `identifiers`
({scheme, value, uri}). A monument's names are made from its `name` (preferred) and its
`alt_names` (alternative); the language is detected where the script tells it safely
(Arabic script → `ar`) and is `und` otherwise. `monument_name` holds one row per name with
its search key, indexed for substring search: an FTS5 table with the trigram tokenizer on
SQLite (kept in step by triggers), a `pg_trgm` GIN index on PostgreSQL.
`monument_identifier` holds one row per identifier for `?identifier=scheme:value`.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

# The app's search key and language detection: the index must hold what searches compare.
from app.names.text import detect_language, search_key

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

FTS_TRIGGERS = {
    "monument_name_ai": """
        CREATE TRIGGER monument_name_ai AFTER INSERT ON monument_name BEGIN
          INSERT INTO monument_name_fts(rowid, search_key) VALUES (new.id, new.search_key);
        END""",
    "monument_name_ad": """
        CREATE TRIGGER monument_name_ad AFTER DELETE ON monument_name BEGIN
          INSERT INTO monument_name_fts(monument_name_fts, rowid, search_key)
          VALUES ('delete', old.id, old.search_key);
        END""",
    "monument_name_au": """
        CREATE TRIGGER monument_name_au AFTER UPDATE ON monument_name BEGIN
          INSERT INTO monument_name_fts(monument_name_fts, rowid, search_key)
          VALUES ('delete', old.id, old.search_key);
          INSERT INTO monument_name_fts(rowid, search_key) VALUES (new.id, new.search_key);
        END""",
}


def _name(value: str, kind: str) -> dict[str, str]:
    return {"value": value, "lang": detect_language(value), "kind": kind}


def upgrade() -> None:
    for table in ("site", "monument"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("names", JSON_DOCUMENT, nullable=False, server_default="[]"))
            batch.add_column(
                sa.Column("identifiers", JSON_DOCUMENT, nullable=False, server_default="[]")
            )
    op.create_table(
        "monument_name",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=300), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("search_key", sa.String(length=1200), nullable=False),
        sa.ForeignKeyConstraint(
            ["monument_id"], ["monument.id"], name=op.f("fk_monument_name_monument_id_monument")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monument_name")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_monument_name_monument_id"), "monument_name", ["monument_id"])
    op.create_table(
        "monument_identifier",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("monument_id", sa.Integer(), nullable=False),
        sa.Column("scheme", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["monument_id"],
            ["monument.id"],
            name=op.f("fk_monument_identifier_monument_id_monument"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monument_identifier")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_monument_identifier_monument_id"), "monument_identifier", ["monument_id"]
    )
    op.create_index(
        op.f("ix_monument_identifier_scheme_value"), "monument_identifier", ["scheme", "value"]
    )

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        bind.exec_driver_sql(
            "CREATE VIRTUAL TABLE monument_name_fts USING fts5(search_key, "
            "content='monument_name', content_rowid='id', tokenize='trigram')"
        )
        for trigger in FTS_TRIGGERS.values():
            bind.exec_driver_sql(trigger)
    else:
        bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        bind.exec_driver_sql(
            "CREATE INDEX ix_monument_name_search_key_trgm ON monument_name "
            "USING gin (search_key gin_trgm_ops)"
        )

    # Existing names, tagged where safe; sites keep their one name as preferred.
    site = sa.table("site", sa.column("id"), sa.column("name"), sa.column("names", JSON_DOCUMENT))
    for site_id, name in bind.execute(sa.select(site.c.id, site.c.name)).all():
        bind.execute(
            site.update().where(site.c.id == site_id).values(names=[_name(name, "preferred")])
        )
    monument = sa.table(
        "monument",
        sa.column("id"),
        sa.column("name"),
        sa.column("alt_names", JSON_DOCUMENT),
        sa.column("names", JSON_DOCUMENT),
    )
    monument_name = sa.table(
        "monument_name",
        sa.column("monument_id"),
        sa.column("position"),
        sa.column("value"),
        sa.column("lang"),
        sa.column("kind"),
        sa.column("search_key"),
    )
    rows = bind.execute(sa.select(monument.c.id, monument.c.name, monument.c.alt_names)).all()
    for monument_id, name, alt_names in rows:
        if isinstance(alt_names, str):  # SQLite drivers may hand JSON back as text
            alt_names = json.loads(alt_names)
        names = [_name(name, "preferred")]
        for value in alt_names or []:
            if all(entry["value"] != value for entry in names):
                names.append(_name(value, "alternative"))
        bind.execute(monument.update().where(monument.c.id == monument_id).values(names=names))
        bind.execute(
            monument_name.insert(),
            [
                {
                    "monument_id": monument_id,
                    "position": position,
                    "value": entry["value"],
                    "lang": entry["lang"],
                    "kind": entry["kind"],
                    "search_key": search_key(entry["value"])[:1200],
                }
                for position, entry in enumerate(names)
            ],
        )
    # The columns are filled by the service from now on: no default in the schema.
    for table in ("site", "monument"):
        with op.batch_alter_table(table) as batch:
            batch.alter_column("names", server_default=None)
            batch.alter_column("identifiers", server_default=None)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in FTS_TRIGGERS:
            bind.exec_driver_sql(f"DROP TRIGGER {trigger}")
        bind.exec_driver_sql("DROP TABLE monument_name_fts")
    else:
        bind.exec_driver_sql("DROP INDEX ix_monument_name_search_key_trgm")
    op.drop_index(op.f("ix_monument_identifier_scheme_value"), table_name="monument_identifier")
    op.drop_index(op.f("ix_monument_identifier_monument_id"), table_name="monument_identifier")
    op.drop_table("monument_identifier")
    op.drop_index(op.f("ix_monument_name_monument_id"), table_name="monument_name")
    op.drop_table("monument_name")
    for table in ("monument", "site"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("identifiers")
            batch.drop_column("names")
