"""Another app's log, sent as a CSV document: Strong's or Hevy's export, read as entries.

The layouts, as the apps write them (one row per set, times local, without a zone):

* Strong: `Date,Workout Name,Duration,Exercise Name,Set Order,Weight,Reps,Distance,Seconds,
  Notes,Workout Notes,RPE` (commas; `Date` is `YYYY-MM-DD HH:MM:SS`; the weight is in the app's
  unit, which the file does not say, so the runner's unit is taken), or the older layout with
  semicolons and a `Weight Unit` column (`Date;Workout Name;Exercise Name;Set Order;Weight;
  Weight Unit;Reps;RPE;Distance;Distance Unit;Seconds;Notes;Workout Notes`). Set Order `W` is a
  warm-up set.
* Hevy: `title,start_time,end_time,description,exercise_title,superset_id,exercise_notes,
  set_index,set_type,weight_kg,reps,distance_km,duration_seconds,rpe` (or `weight_lbs` and
  `distance_miles`); `start_time` is like `26 Jul 2025, 07:06`; `set_type` `warmup` is a
  warm-up set.

An exercise counts when its name, without a `(Dumbbell)` note, is one of the coach's names or
aliases for its six exercises; another equipment in the note (`Bench Press (Barbell)`) or any
other name is reported and skipped; warm-up sets are counted and left out, rows without reps
or a readable time left out. Each entry
(one exercise in one workout) gets an id made from the file's own words (app, workout start,
exercise name), so sending the same file again finds its entries already stored.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Literal
from zoneinfo import ZoneInfo

from dialogs.replog import MAX_REPS, MAX_WEIGHT_KG, LogEntry, SetLog
from dialogs.units import Unit, to_kg
from scheduler.policy import wall_to_utc

Source = Literal["Strong", "Hevy"]
MAX_BYTES = 5_000_000  # a file larger than this is refused before it is read (years of logs are ~1 MB)
_NOTE = re.compile(r"\(([^)]*)\)")


@dataclass(frozen=True)
class Imported:
    entry_id: str
    at: datetime  # aware, in UTC
    entry: LogEntry


@dataclass(frozen=True)
class Reading:
    """What a file holds for the coach: its entries, and what it skipped (name -> sets)."""

    source: Source
    entries: tuple[Imported, ...]
    skipped: tuple[tuple[str, int], ...]  # other exercises, most sets first
    warmups: int


def read_export(content: bytes, exercises: Mapping[str, Sequence[str]], timezone: str, unit: Unit) -> Reading | None:
    """The file's entries, or None when it is not a Strong or Hevy export."""
    text = content.decode("utf-8-sig", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))
    header = set(rows[0]) if rows else set(next(csv.reader([first], delimiter=delimiter), []))
    names = _names(exercises)
    zone = ZoneInfo(timezone)
    if {"Date", "Exercise Name", "Set Order", "Weight", "Reps"} <= header:
        return _read(rows, "Strong", names, zone, unit)
    if {"start_time", "exercise_title", "set_index", "reps"} <= header and ({"weight_kg", "weight_lbs"} & header):
        return _read(rows, "Hevy", names, zone, unit)
    return None


def _names(exercises: Mapping[str, Sequence[str]]) -> dict[str, str]:
    return {_folded(name): exercise_id for exercise_id, all_names in exercises.items() for name in all_names}


def _folded(name: str) -> str:
    return " ".join(re.sub(r"[^\w']+|_", " ", name.casefold()).split())


def _exercise(title: str, names: Mapping[str, str]) -> str | None:
    notes = [note.strip().casefold() for note in _NOTE.findall(title)]
    if any(note not in ("dumbbell", "dumbbells") for note in notes):
        return None  # another piece of kit: not the coach's exercise
    return names.get(_folded(_NOTE.sub(" ", title)))


def _read(rows: list[dict[str, str]], source: Source, names: Mapping[str, str], zone: ZoneInfo, unit: Unit) -> Reading:
    grouped: dict[tuple[str, str, str], list[SetLog]] = {}  # (start as written, title, exercise id)
    moments: dict[tuple[str, str, str], datetime] = {}
    skipped: Counter[str] = Counter()
    warmups = 0
    for row in rows:
        if source == "Strong":
            started, title, order = row.get("Date", ""), row.get("Exercise Name", ""), row.get("Set Order", "")
            warmup = order.strip().upper() == "W"
            weight, reps = row.get("Weight", ""), row.get("Reps", "")
            unit_here = _unit(row.get("Weight Unit", "")) or unit
        else:
            started, title = row.get("start_time", ""), row.get("exercise_title", "")
            warmup = row.get("set_type", "").strip().lower() == "warmup"
            in_lb = "weight_lbs" in row
            weight, reps = row.get("weight_lbs" if in_lb else "weight_kg", ""), row.get("reps", "")
            unit_here = "lb" if in_lb else "kg"
        exercise_id = _exercise(title, names)
        if exercise_id is None:
            skipped[title.strip()] += 1
            continue
        at, parsed = _moment(started, zone), _set(reps, weight, unit_here)
        if at is None or parsed is None:
            continue  # a row without reps or a readable time: nothing to import
        if warmup:
            warmups += 1
            continue
        key = (started.strip(), title.strip(), exercise_id)
        grouped.setdefault(key, []).append(parsed)
        moments[key] = at
    entries = tuple(
        Imported(_entry_id(source, key[0], key[1]), moments[key], LogEntry(key[2], tuple(sets)))
        for key, sets in grouped.items()
    )
    return Reading(source, tuple(sorted(entries, key=lambda e: e.at)), tuple(skipped.most_common()), warmups)


def _entry_id(source: Source, started: str, title: str) -> str:
    digest = hashlib.sha256(f"{source}\n{started}\n{title}".encode()).hexdigest()[:24]
    return f"import-{digest}"


def _unit(text: str) -> Unit | None:
    word = text.strip().lower()
    return "kg" if word in ("kg", "kgs") else "lb" if word in ("lb", "lbs") else None


def _moment(text: str, zone: ZoneInfo) -> datetime | None:
    for layout in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%d %b %Y, %H:%M", "%Y-%m-%d"):
        try:
            wall = datetime.strptime(text.strip(), layout)
        except ValueError:
            continue
        return wall_to_utc(wall.date(), wall.time(), zone)
    return None


def _set(reps_text: str, weight_text: str, unit: Unit) -> SetLog | None:
    try:
        reps = int(Decimal(reps_text.strip() or "0"))
        weight = Decimal(weight_text.strip()) if weight_text.strip() else None
    except (InvalidOperation, ValueError):
        return None
    if not 0 < reps <= MAX_REPS or (weight is not None and not 0 <= to_kg(weight, unit) <= MAX_WEIGHT_KG):
        return None
    if weight is not None and weight == 0:
        weight = None  # Strong writes 0 for a set without weight
    return SetLog(reps, None if weight is None else weight.normalize(), None if weight is None else unit)
