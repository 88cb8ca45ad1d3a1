"""Progress from the log: per exercise the best set ever and the trend of the heaviest weight
per day; per week the sessions (days with something logged), the volume and the streak of weeks
on the twice-a-week target.

Pure: storage loads the entries of the window (`window_start` on) and what the whole log says
(`Ever`: its first and last moment, the best set of each exercise — a few aggregate queries),
so the work does not grow with the length of the runner's history; `summarize` computes,
`Report.reply` words it, and the bot draws the chart of the result (`bot.chart`) once the
event's transaction is over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dialogs.history import Logged, display_names
from dialogs.outcome import Reply
from dialogs.plan import WEEKLY_GOAL
from dialogs.replog import LogEntry, SetLog, describe
from dialogs.units import Unit, convert, plain, rounded
from scheduler.policy import wall_to_utc

if TYPE_CHECKING:
    from dialogs.coach import Coach

WINDOW_WEEKS = 12  # what the charts and trends look back over
AVERAGE_WEEKS = 4  # finished weeks the sessions-per-week average is taken over


@dataclass(frozen=True)
class Ever:
    """What the whole log says: when it starts and ends, and the best set of each exercise."""

    first: datetime
    last: datetime
    best: Mapping[str, SetLog]  # the heaviest set ever (the most reps among equals), as typed


@dataclass(frozen=True)
class Week:
    start: date  # its Monday, in the runner's timezone
    sessions: int  # days with something logged
    volume: Decimal  # reps × weight, in the runner's unit
    reps: int


@dataclass(frozen=True)
class Lift:
    """One exercise's progress."""

    exercise_id: str
    best: SetLog  # the heaviest set ever (the most reps among equals), as typed
    days: tuple[tuple[date, Decimal], ...]  # the heaviest weight of each day in the window, in the runner's unit

    @property
    def change(self) -> Decimal | None:
        """Heaviest weight of the last day against the first in the window; None below two days."""
        return self.days[-1][1] - self.days[0][1] if len(self.days) > 1 else None


@dataclass(frozen=True)
class Progress:
    unit: Unit
    weeks: tuple[Week, ...]  # the window, oldest first; the last is the current week
    lifts: tuple[Lift, ...]  # in the order of the content
    started: date  # the Monday of the week of the first entry ever
    first_day: date  # the day of the first entry ever
    last_day: date  # the day of the last one

    @property
    def charted(self) -> bool:
        """Two days with something logged: below that a chart is one dot per panel, so it waits."""
        return self.last_day > self.first_day

    @property
    def this_week(self) -> int:
        return self.weeks[-1].sessions

    @property
    def average(self) -> Decimal | None:
        """Sessions per week over the last finished weeks since the runner started; None in the
        first week."""
        finished = [week for week in self.weeks[:-1] if week.start >= self.started][-AVERAGE_WEEKS:]
        if not finished:
            return None
        return Decimal(sum(week.sessions for week in finished)) / len(finished)

    @property
    def streak(self) -> int:
        """Weeks on target in a row, up to last week, and this week too once it is on target."""
        weeks = list(self.weeks) if self.this_week >= WEEKLY_GOAL else list(self.weeks[:-1])
        count = 0
        for week in reversed(weeks):
            if week.sessions < WEEKLY_GOAL:
                break
            count += 1
        return count


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def window_start(now: datetime, timezone: str) -> datetime:
    """The first moment of the window (the Monday WINDOW_WEEKS - 1 weeks before this week's, at
    midnight in the runner's timezone), in UTC: storage loads the entries from there on."""
    zone = ZoneInfo(timezone)
    first = _monday(now.astimezone(zone).date()) - timedelta(weeks=WINDOW_WEEKS - 1)
    return wall_to_utc(first, time(0), zone)


def summarize(
    recent: Sequence[Logged], ever: Ever | None, exercise_ids: Sequence[str], timezone: str, unit: Unit, now: datetime
) -> Progress | None:
    """The progress in `recent` (the entries from `window_start` on, oldest first) and `ever`
    (None when nothing is logged yet, and then no progress)."""
    if ever is None:
        return None
    zone = ZoneInfo(timezone)
    first = window_start(now, timezone).astimezone(zone).date()
    days: dict[date, list[LogEntry]] = defaultdict(list)
    for item in recent:
        days[item.at.astimezone(zone).date()].append(item.entry)
    weeks = []
    for number in range(WINDOW_WEEKS):
        start = first + timedelta(weeks=number)
        week = [s for day, entries in days.items() if _monday(day) == start for entry in entries for s in entry.sets]
        sessions = sum(1 for day in days if _monday(day) == start)
        volume = convert(sum((s.weight_kg * s.reps for s in week if s.weight_kg is not None), Decimal(0)), "kg", unit)
        weeks.append(Week(start, sessions, volume, sum(s.reps for s in week)))
    lifts = tuple(_lift(ex, ever.best[ex], days, unit) for ex in exercise_ids if ex in ever.best)
    first_day, last_day = ever.first.astimezone(zone).date(), ever.last.astimezone(zone).date()
    return Progress(unit, tuple(weeks), lifts, _monday(first_day), first_day, last_day)


def _lift(exercise_id: str, best: SetLog, days: dict[date, list[LogEntry]], unit: Unit) -> Lift:
    heaviest = []
    for day in sorted(days):
        weights = [
            s.weight if s.unit == unit else rounded(convert(s.weight, s.unit, unit))
            for entry in days[day]
            if entry.exercise_id == exercise_id
            for s in entry.sets
            if s.weight is not None
        ]
        if weights:
            heaviest.append((day, max(weights)))
    return Lift(exercise_id, best, tuple(heaviest))


@dataclass(frozen=True)
class Report:
    """The answer to /progress: the summary (its chart comes with it, drawn by the bot), or
    after a single session, what the chart will show once there is a second one."""

    progress: Progress | None

    def reply(self, coach: Coach) -> Reply:
        progress = self.progress
        if progress is None:
            return Reply("log/progress_empty")
        names = display_names(coach)
        lifts = [
            {
                "line": describe(LogEntry(lift.exercise_id, (lift.best,)), names),
                "trend": _trend(lift.change),
                "change": None if lift.change is None else plain(abs(lift.change)),
            }
            for lift in progress.lifts
        ]
        if not progress.charted:
            context = {"lifts": lifts, "day": f"{progress.first_day:%A %-d %B}", "goal": WEEKLY_GOAL}
            return Reply("log/progress_first", context | {"weeks": WINDOW_WEEKS})
        context = {
            "lifts": lifts,
            "unit": progress.unit,
            "goal": WEEKLY_GOAL,
            "this_week": progress.this_week,
            "average": None if progress.average is None else plain(progress.average.quantize(Decimal("0.1"))),
            "streak": progress.streak,
            "weeks": WINDOW_WEEKS,
        }
        return Reply("log/progress", context)


def _trend(change: Decimal | None) -> str | None:
    if change is None:
        return None
    return "up" if change > 0 else "down" if change < 0 else "steady"
