"""The runner's log as CSV, for /export and `armswing export`.

One row per set: `logged_at,exercise,set,reps,weight,unit` — the time in ISO 8601 with the
offset of the runner's timezone, the exercise's display name, the set's number within its entry
(from 1), and the weight as typed in `unit` (both empty for a set without weight). The `csv`
module's default dialect (comma, CRLF, quotes only where needed) in UTF-8 is what spreadsheets
open.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from zoneinfo import ZoneInfo

from dialogs.history import Logged
from dialogs.units import plain

HEADER = ("logged_at", "exercise", "set", "reps", "weight", "unit")


def csv_of(logged: Iterable[Logged], names: Mapping[str, str], timezone: str) -> bytes:
    zone = ZoneInfo(timezone)
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for item in logged:
        at = item.at.astimezone(zone).isoformat(timespec="seconds")
        name = names.get(item.entry.exercise_id, item.entry.exercise_id)
        for number, s in enumerate(item.entry.sets, start=1):
            weight = "" if s.weight is None else plain(s.weight)
            writer.writerow((at, name, number, s.reps, weight, s.unit or ""))
    return out.getvalue().encode("utf-8")
