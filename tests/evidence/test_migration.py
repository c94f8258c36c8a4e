"""Revision 0016 carries every stored photo forward as a ground-photo evidence item, losing
nothing, and its downgrade leaves the photos as they were."""

from datetime import UTC, datetime

from sqlalchemy import MetaData, inspect, select

from app.core import migrations
from app.core.db import make_engine
from tests.test_migrations import schema_differences

DAY = datetime(2016, 3, 27, 10, tzinfo=UTC)


def _photo(photo_id: int, monument_id: int, **overrides):
    return {
        "id": photo_id,
        "monument_id": monument_id,
        "sha256": f"{photo_id:064x}",
        "byte_size": 1000 + photo_id,
        "content_type": "image/jpeg",
        "original_key": f"originals/{photo_id}",
        "width": 64,
        "height": 48,
        "thumbnail_key": f"thumbnails/{photo_id}.jpg",
        "thumbnail_sha256": "a" * 64,
        "thumbnail_byte_size": 10,
        "preview_key": f"previews/{photo_id}.jpg",
        "preview_sha256": "b" * 64,
        "preview_byte_size": 20,
        "uploaded_by": "field:test",
        "uploaded_by_key_id": 7,
        "created_at": DAY,
        "updated_at": DAY,
    } | overrides


def _rows(url: str, table: str) -> list[dict]:
    engine = make_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.connect() as connection:
            found = connection.execute(select(tables.tables[table]).order_by("id"))
            return [dict(row._mapping) for row in found]
    finally:
        engine.dispose()


def test_0016_makes_every_photo_a_ground_photo_and_undoes_cleanly(scratch_database_url):
    url = scratch_database_url
    migrations.upgrade(url, "0013")
    engine = make_engine(url)
    tables = MetaData()
    tables.reflect(engine)
    stamps = {"created_at": DAY, "updated_at": DAY}
    with engine.begin() as connection:

        def insert(table: str, **values) -> None:
            connection.execute(tables.tables[table].insert().values(**values))

        insert("site", id=1, name="Site of Palmyra", country="SY", **stamps)
        insert(
            "monument",
            id=1,
            site_id=1,
            name="Temple of Bel",
            alt_names=[],
            type="temple",
            lat=34.54738,
            lon=38.27393,
            location_precision_m=50,
            sensitive=True,
            public_lat=34.5,
            public_lon=38.3,
            public_precision_m=10000,
            search_text="temple of bel",
            **stamps,
        )
        insert(
            "damage_assessment",
            id=1,
            monument_id=1,
            observed_on=DAY.date(),
            method="photo_review",
            source="Seed article, 27 March 2016",
            damage_level="destroyed",
            causes=[],
            confidence="high",
            status="draft",
            author="staff:test",
            **stamps,
        )
        insert("photo", **_photo(1, 1, taken_at=DAY, license="CC-BY-4.0", assessment_id=1))
        insert("photo", **_photo(2, 1, caption="Gate, east side"))
    engine.dispose()
    photos_before = _rows(url, "photo")

    migrations.upgrade(url)
    assert schema_differences(url) == []
    items = _rows(url, "evidence_item")
    assert [(i["photo_id"], i["kind"], i["monument_id"]) for i in items] == [
        (1, "ground_photo", 1),
        (2, "ground_photo", 1),
    ]
    first, second = items
    assert first["assessment_id"] == 1 and second["assessment_id"] is None
    assert first["acquired_at"].replace(tzinfo=UTC) == DAY
    assert first["licence"] == "CC-BY-4.0"
    assert (first["created_by"], first["created_by_key_id"]) == ("field:test", 7)
    assert _rows(url, "photo") == photos_before

    migrations.downgrade(url, "0013")
    engine = make_engine(url)
    try:
        names = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert not names & {"evidence_item", "evidence_item_source", "image_pair"}
    assert _rows(url, "photo") == photos_before
