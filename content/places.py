"""Where a runner lives, as an IANA timezone: from a zone name, a common abbreviation or a city.

City names come from GeoNames (https://www.geonames.org, CC BY 4.0): every city of 15,000 people
or more, with its timezone, in `places.sqlite3` beside this module. That file is an index built
by `tools/places_index.py` at development time (the full table is a 179 MB package; the index
is a few MB). It is opened read-only once at start-up (`Places.load`) and is data like the YAML
files: a lookup is one indexed read of a few pages of it, nothing is written, and only the primary
names (for typo matching) are held in memory. `resolve` is pure after that.
"""

from __future__ import annotations

import sqlite3
import threading
import unicodedata
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

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
INDEX = Path(__file__).with_name("places.sqlite3")
_CITIES = (
    "SELECT population, label, zone FROM name JOIN place ON place.id = name.place"
    " WHERE key = ? AND alternate = ? ORDER BY place.id"
)
_NAMES = "SELECT key FROM name WHERE alternate = 0 GROUP BY key ORDER BY min(place)"


@dataclass(frozen=True)
class Place:
    label: str  # "Portland, US"
    zone: str


def fold(text: str) -> str:
    """Lower case without accents, so "München" and "munchen" meet."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().strip()


class Places:
    def __init__(self, index: sqlite3.Connection):
        self.zones = frozenset(zoneinfo.available_timezones())
        self._by_key = {zone.lower(): zone for zone in self.zones}
        self._index = index
        self._lock = threading.Lock()  # one connection, for whichever thread steps the engine
        self._names = [key for (key,) in index.execute(_NAMES)]  # a tie in typo matching: the bigger city

    @classmethod
    def load(cls, path: Path = INDEX) -> Places:
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: build it with tools/places_index.py")
        index = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        return cls(index)

    @lru_cache(maxsize=4096)  # noqa: B019 (one Places for the process's lifetime)
    def resolve(self, text: str) -> tuple[Place, ...]:
        """Candidate zones for what the user typed, most likely first; one when it is clear."""
        key = fold(text)[:80]
        if not key:
            return ()
        zone = self._by_key.get(key.replace(" ", "_")) or ALIASES.get(key)
        if zone:
            return (Place(zone.replace("_", " "), zone),)
        if "/" in key:  # a zone name with a typo ("Europe/Berln"), or a city under a region ("Europe/Munich")
            zone = self._near_zone(key.replace(" ", "_"))
            return (Place(zone.replace("_", " "), zone),) if zone else self.resolve(key.rsplit("/", 1)[1])
        city = key.split(",")[0].strip()
        entries = self._cities(city, alternate=False) or self._cities(city, alternate=True) or self._near(city)
        return _choices(entries)

    def _cities(self, name: str, *, alternate: bool) -> list[tuple[int, Place]]:
        """The cities called `name` (folded), biggest first."""
        with self._lock:
            rows = self._index.execute(_CITIES, (name, int(alternate))).fetchall()
        return [(population, Place(label, zone)) for population, label, zone in rows]

    def _near(self, city: str) -> list[tuple[int, Place]]:
        """A city name with a typo ("berln"), when the spelling is close enough to be sure."""
        if len(city) < 4:
            return []
        found = process.extractOne(city, self._names, scorer=fuzz.ratio, score_cutoff=85)
        return self._cities(found[0], alternate=False) if found else []

    def _near_zone(self, key: str) -> str | None:
        """The zone whose name is spelt like `key` but for a letter or two, and clearly closer than any other."""
        found = process.extract(key, self._by_key.keys(), scorer=fuzz.ratio, limit=2)
        if not found or found[0][1] < 88 or (len(found) > 1 and found[0][1] - found[1][1] < 5):
            return None
        return self._by_key[found[0][0]]


def _choices(entries: list[tuple[int, Place]]) -> tuple[Place, ...]:
    options: list[tuple[int, Place]] = []
    for population, place in entries:
        if all(place.zone != seen.zone for _, seen in options):
            options.append((population, place))
    if len(options) > 1 and options[0][0] >= OBVIOUS * options[1][0]:
        options = options[:1]
    return tuple(place for _, place in options[:MAX_OPTIONS])
