"""Name search over 100,000 monuments (300,000 names in three languages and scripts).

For each query, the median time of the first page through the real app (`GET
/api/v1/monuments?q=…`, in process) next to two baselines measured in the same run on the
same database: reading one monument by id (`GET /api/v1/monuments/{id}`), and the old
search, a case-folded substring scan of `monument.search_text`. On SQLite and PostgreSQL.
It also times the search key itself (pyarabic and unidecode) per name.
Run: `make bench-search` (or `python -m benchmarks.name_search [--monuments N]`).
"""

import argparse
import time
from datetime import UTC, datetime

import yaml
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text
from sqlmodel import Session

from app.core.config import Settings
from app.demo import PALMYRA
from app.main import create_app
from app.monuments.models import Monument, MonumentName
from app.names.text import search_key
from app.sites.models import Site
from benchmarks.common import fresh_database, median_seconds, write_results

KINDS = [
    ("Temple", "Temple", "معبد"),
    ("Tomb", "Tombeau", "مدفن"),
    ("Tower", "Tour", "برج"),
    ("House", "Maison", "بيت"),
    ("Gate", "Porte", "باب"),
    ("Bath", "Thermes", "حمام"),
]
PATRONS = [
    ("Bel", "Bêl", "بل"),
    ("Nabu", "Nabû", "نبو"),
    ("Allat", "Al-Lât", "اللات"),
    ("Arsu", "Arsû", "أرصو"),
    ("Elahbel", "Élahbel", "إلهبل"),
    ("Iamblichus", "Iamblique", "يمليكو"),
    ("Yarhai", "Yarhaï", "يرحاي"),
    ("Zenobia", "Zénobie", "زنوبيا"),
]


def _kind_and_patron(i: int) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
    return KINDS[i % len(KINDS)], PATRONS[(i // len(KINDS)) % len(PATRONS)]


# The issue's queries; an exact generated name (monument 4242's French name, without its
# accents); a word in one name in eight; and one that matches nothing.
_KIND, _PATRON = _kind_and_patron(4242)
QUERIES = [
    "Temple de Bel",
    "TEMPLE OF BEL",
    "الاغورا",
    "Qalat",
    "bel",
    f"{_KIND[1]} de {_PATRON[0]} 4242",
    "nabu",
    "nothing like it",
]


def _demo_names() -> list[list[dict[str, str]]]:
    records = yaml.safe_load((PALMYRA / "monuments.yaml").read_text(encoding="utf-8"))
    return [record["names"] for record in records["monuments"]]


def seed(engine, monuments: int) -> int:
    """One site; the demo's monuments first, then generated ones with English, French and
    Arabic names; their search rows, as the service writes them."""
    now = datetime.now(UTC)
    generated = [
        [
            {"value": f"{kind[0]} of {patron[0]} {i}", "lang": "en", "kind": "preferred"},
            {"value": f"{kind[1]} de {patron[1]} {i}", "lang": "fr", "kind": "alternative"},
            {"value": f"{kind[2]} {patron[2]} {i}", "lang": "ar", "kind": "alternative"},
        ]
        for i in range(monuments)
        for kind, patron in [_kind_and_patron(i)]
    ]
    all_names = _demo_names() + generated[: monuments - len(_demo_names())]
    with engine.begin() as connection:
        site_id = connection.execute(
            insert(Site).returning(Site.id),
            {"name": "Benchmark property", "country": "SY", "created_at": now, "updated_at": now},
        ).scalar_one()
        for start in range(0, len(all_names), 10_000):
            chunk = all_names[start : start + 10_000]
            rows = [
                {
                    "site_id": site_id,
                    "name": names[0]["value"],
                    "alt_names": [name["value"] for name in names[1:]],
                    "names": names,
                    "type": "tomb",
                    "lat": 34.55,
                    "lon": 38.27,
                    "location_precision_m": 50,
                    "sensitive": False,
                    "public_lat": 34.55,
                    "public_lon": 38.27,
                    "public_precision_m": 50,
                    "search_text": "\n".join(name["value"] for name in names).casefold(),
                    "created_at": now,
                    "updated_at": now,
                }
                for names in chunk
            ]
            ids = connection.execute(insert(Monument).returning(Monument.id), rows).scalars().all()
            connection.execute(
                insert(MonumentName),
                [
                    {
                        "monument_id": monument_id,
                        "position": position,
                        "value": name["value"],
                        "lang": name["lang"],
                        "kind": name["kind"],
                        "search_key": search_key(name["value"]),
                    }
                    for monument_id, names in zip(ids, chunk, strict=True)
                    for position, name in enumerate(names)
                ],
            )
    with engine.begin() as connection:
        connection.execute(text("ANALYZE"))
    return site_id


def run(backend: str, monuments: int, repeat: int) -> dict:
    with fresh_database(backend) as url:
        app = create_app(
            Settings(
                database_url=url,
                media_root="/tmp/heritage-bench-media",
                read_cache_entries=0,  # every read asks the database
                log_level="WARNING",
            )
        )
        engine = app.state.database.engine
        started = time.perf_counter()
        seed(engine, monuments)
        seeded = time.perf_counter() - started
        client = TestClient(app)
        with Session(engine) as session:
            some_id = session.scalars(select(Monument.id).offset(monuments // 2).limit(1)).one()

        def by_id():
            response = client.get(f"/api/v1/monuments/{some_id}")
            assert response.status_code == 200
            return response

        baseline = median_seconds(by_id, repeat=repeat)
        results = []
        for query in QUERIES:

            def search(query=query):
                response = client.get("/api/v1/monuments", params={"q": query, "limit": 50})
                assert response.status_code == 200, response.text
                return response.json()["items"]

            def old_scan(query=query):
                with Session(engine) as session:
                    return session.scalars(
                        select(Monument.id)
                        .where(Monument.search_text.contains(query.casefold(), autoescape=True))
                        .order_by(Monument.id)
                        .limit(51)
                    ).all()

            items = search()
            seconds = median_seconds(search, repeat=repeat)
            scan = median_seconds(old_scan, repeat=repeat)
            results.append(
                {
                    "query": query,
                    "first": items[0]["matched_name"]["value"] if items else None,
                    "page": len(items),
                    "old_scan_hits": len(old_scan()),
                    "search_median_ms": round(seconds * 1000, 2),
                    "ratio_to_read_by_id": round(seconds / baseline, 2),
                    "old_scan_median_ms": round(scan * 1000, 2),
                }
            )
        engine.dispose()
        return {
            "backend": backend,
            "monuments": monuments,
            "names": monuments * 3,
            "seed_seconds": round(seeded, 1),
            "read_by_id_median_ms": round(baseline * 1000, 2),
            "queries": results,
        }


def key_speed(names: int = 30_000) -> dict:
    """The search key's cost per name (Latin with diacritics, Arabic with hamza forms)."""
    samples = [f"Temple de Bêl {i}" for i in range(names // 2)] + [
        f"أسد اللات {i}" for i in range(names // 2)
    ]
    started = time.perf_counter()
    for value in samples:
        search_key(value)
    return {
        "names": names,
        "microseconds_per_name": round((time.perf_counter() - started) / names * 1e6, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--monuments", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results = {"search_key": key_speed(), "runs": []}
    print(f"search key: {results['search_key']['microseconds_per_name']} µs per name")
    for backend in backends:
        run_result = run(backend, args.monuments, args.repeat)
        results["runs"].append(run_result)
        print(
            f"\n{backend}: {run_result['monuments']:,} monuments, {run_result['names']:,} names "
            f"(seeded in {run_result['seed_seconds']} s); read by id "
            f"{run_result['read_by_id_median_ms']} ms"
        )
        print(
            f"  {'query':<22} {'first match':<28} {'page':>4} {'ms':>8} {'× by id':>8} "
            f"{'old scan ms':>12} {'old hits':>8}"
        )
        for row in run_result["queries"]:
            print(
                f"  {row['query']:<22} {row['first']!s:<28} {row['page']:>4} "
                f"{row['search_median_ms']:>8} {row['ratio_to_read_by_id']:>8} "
                f"{row['old_scan_median_ms']:>12} {row['old_scan_hits']:>8}"
            )
    path = write_results("name_search", results)
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
