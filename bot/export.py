"""The runner's log as CSV, for /export and `armswing export`: a spreadsheet's layout by default,
Strong's on request (`/export strong`, or the button under the file).

Spreadsheet (`SHEET`): one row per set, `date,timezone,workout_id,exercise,set,reps,weight,unit,
weight_kg` — the local time as `YYYY-MM-DD HH:MM:SS` (what spreadsheets read as a date and time)
in the runner's `timezone`; `workout_id` groups the sets of one guided workout (its start), or of
one day's sets logged by chat (`chat-YYYY-MM-DD`); `set` numbers the sets of an entry from 1;
`weight` is in the runner's unit (`unit`) so a column adds up, `weight_kg` the same in kg (both
empty for a set without weight).

Strong (`STRONG`): the columns of Strong's own export (`Date,Workout Name,Duration,Exercise Name,
Set Order,Weight,Reps,Distance,Seconds,Notes,Workout Notes,RPE`), the workout's start as its
`Date`, the weight in the runner's unit, so apps that import Strong's files (Hevy among them)
read it.

The `csv` module's default dialect (comma, CRLF, quotes only where needed) in UTF-8.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from dialogs.history import Logged
from dialogs.replog import SetLog
from dialogs.units import Unit, convert, plain

Layout = Literal["sheet", "strong"]
SHEET = ("date", "timezone", "workout_id", "exercise", "set", "reps", "weight", "unit", "weight_kg")
STRONG = (
    "Date",
    "Workout Name",
    "Duration",
    "Exercise Name",
    "Set Order",
    "Weight",
    "Reps",
    "Distance",
    "Seconds",
    "Notes",
    "Workout Notes",
    "RPE",
)
LOCAL = "%Y-%m-%d %H:%M:%S"
CENT = Decimal("0.01")


def csv_of(logged: Iterable[Logged], names: Mapping[str, str], timezone: str, unit: Unit, layout: Layout) -> bytes:
    """The CSV of `logged` (oldest first, read one entry at a time)."""
    zone = ZoneInfo(timezone)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(SHEET if layout == "sheet" else STRONG)
    starts: dict[str, datetime] = {}  # a workout's first moment: its sets share it in Strong's `Date`
    for item in logged:
        at = item.at.astimezone(zone)
        workout = item.workout or f"chat-{at:%Y-%m-%d}"
        start = starts.setdefault(workout, at)
        name = names.get(item.entry.exercise_id, item.entry.exercise_id)
        for number, s in enumerate(item.entry.sets, start=1):
            weight = _in(s, unit)
            if layout == "sheet":
                kg = "" if s.weight_kg is None else plain(s.weight_kg.quantize(CENT))
                writer.writerow(
                    (f"{at:{LOCAL}}", timezone, workout, name, number, s.reps, weight, unit if weight else "", kg)
                )
            else:
                title = "Armswing workout" if item.workout else "Armswing log"
                writer.writerow(
                    (f"{start:{LOCAL}}", title, "", name, number, weight or "0", s.reps, "0", "0", "", "", "")
                )
    return out.getvalue().encode("utf-8")


def _in(s: SetLog, unit: Unit) -> str:
    """The set's weight in `unit` (as typed when typed in it), or "" without weight."""
    if s.weight is None:
        return ""
    return plain(s.weight if s.unit == unit else convert(s.weight, s.unit, unit).quantize(CENT))
