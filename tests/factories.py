"""Small factories that store realistic rows through the services, as the API would."""

from typing import Any

from app.core.actors import Caller
from app.core.db import Database
from app.keys.models import Role
from app.monuments import service as monuments
from app.sites import service as sites

GRID = 0.1
TEST_ACTOR = Caller(role=Role.staff, name="test fixture")


def site_fields(**overrides: Any) -> dict[str, Any]:
    """A valid site body (Palmyra-like) with overrides."""
    return {
        "name": "Site of Palmyra",
        "country": "SY",
        "whc_id": None,
        "inscribed_year": 1980,
        "danger_list_year": 2013,
        "lat": 34.5514,
        "lon": 38.2686,
        "description": "Oasis city in the Syrian desert.",
    } | overrides


def monument_fields(site_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid monument body (the Temple of Bel) with overrides."""
    return {
        "site_id": site_id,
        "name": "Temple of Bel",
        "alt_names": ["معبد بل", "Temple de Bêl"],
        "type": "temple",
        "period": "1st century AD (dedicated 32 AD)",
        "lat": 34.54738,
        "lon": 38.27393,
        "location_precision_m": 50,
        "sensitive": False,
        "description": None,
    } | overrides


def create_site(database: Database, **overrides: Any) -> int:
    """Store a site; returns its id."""
    with database.session(write=True) as session:
        return sites.create_site(
            session=session, fields=site_fields(**overrides), actor=TEST_ACTOR
        ).id


def create_monument(database: Database, site_id: int | None = None, **overrides: Any) -> int:
    """Store a monument (in a new site unless one is given); returns its id."""
    if site_id is None:
        site_id = create_site(database)
    with database.session(write=True) as session:
        fields = monument_fields(site_id, **overrides)
        return monuments.create_monument(
            session=session, fields=fields, grid_degrees=GRID, actor=TEST_ACTOR
        ).id


def count_rows(database: Database, table: type) -> int:
    """How many rows a table holds now."""
    from sqlalchemy import func, select

    with database.session(write=False) as session:
        return session.execute(select(func.count()).select_from(table)).scalar_one()
