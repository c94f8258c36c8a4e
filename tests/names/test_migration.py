"""Migration 0014 on data: alt_names become names, tagged where the script tells the
language; the search rows are written so the old monuments are found; it undoes."""

import json
from datetime import UTC, datetime

from sqlalchemy import MetaData, text

from app.core import migrations
from app.core.db import make_engine
from app.names.text import search_key

NOW = datetime(2016, 4, 1, 12, tzinfo=UTC)


def _as_list(value):
    return json.loads(value) if isinstance(value, str) else value


def test_0014_turns_alt_names_into_tagged_names_and_indexes_them(scratch_database_url):
    url = scratch_database_url
    migrations.upgrade(url, "0013")
    engine = make_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as connection:
        connection.execute(
            tables.tables["site"]
            .insert()
            .values(id=1, name="Site of Palmyra", country="SY", created_at=NOW, updated_at=NOW)
        )
        connection.execute(
            tables.tables["monument"]
            .insert()
            .values(
                id=1,
                site_id=1,
                name="Agora",
                alt_names=["الآغورا", "Agora de Palmyre", "آرامگاه"],
                type="agora",
                lat=34.55,
                lon=38.27,
                location_precision_m=300,
                sensitive=False,
                public_lat=34.55,
                public_lon=38.27,
                public_precision_m=300,
                search_text="agora",
                created_at=NOW,
                updated_at=NOW,
            )
        )
    engine.dispose()

    migrations.upgrade(url)

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            names = _as_list(
                connection.execute(text("SELECT names FROM monument WHERE id = 1")).scalar_one()
            )
            site_names = _as_list(
                connection.execute(text("SELECT names FROM site WHERE id = 1")).scalar_one()
            )
            rows = connection.execute(
                text(
                    "SELECT position, value, lang, search_key FROM monument_name ORDER BY position"
                )
            ).all()
            if engine.dialect.name == "sqlite":
                found = connection.execute(
                    text("SELECT rowid FROM monument_name_fts WHERE monument_name_fts MATCH :q"),
                    {"q": '"الاغورا"'},
                ).all()
                assert len(found) == 1
    finally:
        engine.dispose()
    assert names == [
        {"value": "Agora", "lang": "und", "kind": "preferred"},
        {"value": "الآغورا", "lang": "ar", "kind": "alternative"},
        {"value": "Agora de Palmyre", "lang": "und", "kind": "alternative"},
        # Arabic script, but with a letter Arabic does not use (Persian gaf): not safely ar.
        {"value": "آرامگاه", "lang": "und", "kind": "alternative"},
    ]
    assert site_names == [{"value": "Site of Palmyra", "lang": "und", "kind": "preferred"}]
    assert [(r.position, r.value, r.lang, r.search_key) for r in rows] == [
        (i, n["value"], n["lang"], search_key(n["value"])) for i, n in enumerate(names)
    ]

    migrations.downgrade(url, "0013")
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            alt = _as_list(
                connection.execute(text("SELECT alt_names FROM monument WHERE id = 1")).scalar_one()
            )
    finally:
        engine.dispose()
    assert alt == ["الآغورا", "Agora de Palmyre", "آرامگاه"]
    engine = make_engine(url)
    try:
        reflected = MetaData()
        reflected.reflect(engine)
    finally:
        engine.dispose()
    assert "names" not in reflected.tables["monument"].c
    assert "monument_name" not in reflected.tables
