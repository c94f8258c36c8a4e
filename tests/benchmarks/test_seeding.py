"""The benchmarks seed the schema the migrations build: `make bench` stopped at its name
search once a site needed `criteria`, which the seed's Core insert did not give."""

from sqlalchemy import func, select

from app.monuments.models import Monument
from benchmarks.common import seed_site
from benchmarks.name_search import seed as seed_named_monuments


def test_the_hot_path_seed_fills_a_migrated_database(database):
    seed_site(database.engine, monuments=20, assessments_per_monument=2)
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Monument)) == 20


def test_the_name_search_seed_fills_a_migrated_database(database):
    seed_named_monuments(database.engine, 60)
    with database.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Monument)) == 60
