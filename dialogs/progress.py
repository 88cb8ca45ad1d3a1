"""Progress from the log: per exercise the best set ever and the trend of the heaviest weight
per day; per week the sessions (days with something logged), the volume and the streak of weeks
on the twice-a-week target.

Pure: storage loads the entries, `summarize` computes, `Report.reply` words it, and the bot
draws the chart of the result (`bot.chart`) once the event's transaction is over.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dialogs.history import Logged, display_names
from dialogs.outcome import Reply
from dialogs.plan import WEEKLY_GOAL
from dialogs.replog import LogEntry, SetLog, describe
from dialogs.units import Unit, convert, plain, rounded

if TYPE_CHECKING:
    from dialogs.coach import Coach

WINDOW_WEEKS = 12  # what the charts and trends look back over
CHART_SESSIONS = 2  # below this many sessions a chart would be one dot per panel: it waits
AVERAGE_WEEKS = 4  # finished weeks the sessions-per-week average is taken over


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
    sessions: int  # days with something logged, ever
    first_day: date  # the first of them

    @property
    def charted(self) -> bool:
        """Enough sessions for a chart to show a change."""
        return self.sessions >= CHART_SESSIONS

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


def summarize(
    logged: Sequence[Logged], exercise_ids: Sequence[str], timezone: str, unit: Unit, now: datetime
) -> Progress | None:
    """The progress in `logged` (oldest first); None when nothing is logged yet."""
    if not logged:
        return None
    zone = ZoneInfo(timezone)

    def monday(day: date) -> date:
        return day - timedelta(days=day.weekday())

    current = monday(now.astimezone(zone).date())
    first = current - timedelta(weeks=WINDOW_WEEKS - 1)
    days: dict[date, list[LogEntry]] = defaultdict(list)
    for item in logged:
        days[item.at.astimezone(zone).date()].append(item.entry)
    weeks = []
    for number in range(WINDOW_WEEKS):
        start = first + timedelta(weeks=number)
        week = [s for day, entries in days.items() if monday(day) == start for entry in entries for s in entry.sets]
        sessions = sum(1 for day in days if monday(day) == start)
        volume = convert(sum((s.weight_kg * s.reps for s in week if s.weight_kg is not None), Decimal(0)), "kg", unit)
        weeks.append(Week(start, sessions, volume, sum(s.reps for s in week)))
    lifts = [_lift(ex, days, first, unit) for ex in exercise_ids]
    drawn = tuple(lift for lift in lifts if lift is not None)
    return Progress(unit, tuple(weeks), drawn, monday(min(days)), len(days), min(days))


def _lift(exercise_id: str, days: dict[date, list[LogEntry]], first: date, unit: Unit) -> Lift | None:
    sets = [s for entries in days.values() for entry in entries if entry.exercise_id == exercise_id for s in entry.sets]
    if not sets:
        return None
    best = max(sets, key=lambda s: (s.weight_kg if s.weight_kg is not None else Decimal(-1), s.reps))
    heaviest = []
    for day in sorted(d for d in days if d >= first):
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
            return Reply("log/progress_first", context | {"needed": CHART_SESSIONS, "weeks": WINDOW_WEEKS})
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
