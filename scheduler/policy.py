"""When a user's reminders are due: pure functions, no clock, no I/O.

Every instant that goes in or comes out is an aware datetime in UTC; "now" is always a parameter.
A schedule is kept in local wall time (days, a time of day and an IANA zone), because a runner's
07:00 must stay 07:00 on the clock on their wall when daylight saving time starts or ends. Turning
a wall time into an instant has two catches, and this module decides both in `wall_to_utc`:

- spring forward skips some wall times (02:30 does not exist in Europe/Berlin on the last Sunday of
  March): the reminder fires at the first whole minute after the gap (03:00);
- fall back repeats some wall times (02:30 happens twice on the last Sunday of October): the
  reminder fires once, at the first of the two (``fold=0``).

Quiet hours (22:00 to 07:00 local) are kept when a time is chosen: `check_time` refuses a time in
them unless the user asked for it explicitly, and a `Schedule` cannot be built otherwise. Snoozes
never end in quiet hours.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CATCH_UP_WINDOW",
    "NUDGE_AT",
    "QUIET_END",
    "QUIET_HOURS_REASON",
    "QUIET_START",
    "CatchUpPlan",
    "Schedule",
    "SnoozeOption",
    "catch_up",
    "check_time",
    "describe_days",
    "in_quiet_hours",
    "local_time",
    "missed_day_nudge",
    "next_due",
    "passed_day",
    "plan_catch_up",
    "should_skip_today",
    "snooze_until",
    "utc",
    "wall_to_utc",
]

QUIET_START = time(22, 0)
QUIET_END = time(7, 0)
EVENING = time(18, 0)
EVENING_CUTOFF = time(17, 0)
NUDGE_AT = time(8, 0)
CATCH_UP_WINDOW = timedelta(hours=2)
QUIET_HOURS_REASON = "quiet_hours"

ONE_DAY = timedelta(days=1)
ONE_MINUTE = timedelta(minutes=1)
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

SnoozeOption = Literal["1h", "evening"]


@dataclass(frozen=True)
class Schedule:
    """A user's reminder settings, as stored.

    `snoozed_until` belongs to one reminder: whoever sends a reminder clears it, so an old snooze
    never fires after the regular reminder that superseded it.
    """

    days: frozenset[int]
    """Weekdays in the user's zone, 0 = Monday."""
    at: time
    """Local wall time, naive."""
    timezone: str
    """IANA name, e.g. "Europe/Berlin"."""
    paused_until: datetime | None = None
    paused: bool = False
    """Paused indefinitely: no reminders at all."""
    snoozed_until: datetime | None = None
    allow_quiet_hours: bool = False
    """The user explicitly chose a time inside quiet hours."""

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise ValueError(f"days must be a non-empty set of weekdays 0..6, got {self.days!r}")
        if self.at.tzinfo is not None:
            raise ValueError("at is a local wall time and must be naive")
        if reason := check_time(self.at, self.allow_quiet_hours):
            raise ValueError(f"{self.at} is refused: {reason}")
        try:
            ZoneInfo(self.timezone)
        except ZoneInfoNotFoundError as error:
            raise ValueError(f"unknown time zone {self.timezone!r}") from error
        for instant in (self.paused_until, self.snoozed_until):
            if instant is not None:
                utc(instant)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)  # ZoneInfo caches its instances


def next_due(schedule: Schedule, after: datetime) -> datetime | None:
    """The next reminder strictly after `after`, or None while paused indefinitely.

    Nothing fires before `paused_until`, not even a snooze. A pending snooze wins when it is earlier
    than the next regular reminder; when the regular one comes first, it is the fresher reminder
    and the runner, sending it, clears the snooze.
    """
    after = utc(after)
    if schedule.paused:
        return None
    regular = _next_regular(schedule, after)
    snooze = schedule.snoozed_until
    if snooze is not None and after < snooze < regular and not _is_paused_at(schedule, snooze):
        return utc(snooze)
    return regular


def _next_regular(schedule: Schedule, after: datetime) -> datetime:
    zone = schedule.zone
    start = max(after, schedule.paused_until or after)
    day = start.astimezone(zone).date()
    while True:  # ends within 8 days: `days` is a non-empty set of weekdays
        if day.weekday() in schedule.days:
            due = wall_to_utc(day, schedule.at, zone)
            if due > after and not _is_paused_at(schedule, due):
                return due
        day += ONE_DAY


def _is_paused_at(schedule: Schedule, instant: datetime) -> bool:
    return schedule.paused_until is not None and instant < schedule.paused_until


def wall_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant at which clocks in `zone` first show `at` on `day`.

    A repeated wall time (fall back) resolves to its first occurrence: ``fold=0``, which is what
    ``datetime.replace(tzinfo=zone)`` gives. A skipped one (spring forward) moves to the first
    whole minute that exists after it; the check is a round trip through UTC, because zoneinfo
    quietly shifts a nonexistent time by the size of the gap instead of saying it does not exist.
    """
    wall = datetime.combine(day, at)
    while not _exists(wall, zone):
        wall = wall.replace(second=0, microsecond=0) + ONE_MINUTE
    return wall.replace(tzinfo=zone).astimezone(UTC)


def _exists(wall: datetime, zone: ZoneInfo) -> bool:
    round_trip = wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)
    return round_trip.replace(tzinfo=None) == wall


def in_quiet_hours(local_time: time) -> bool:
    """Whether a local wall time is in quiet hours: from 22:00 up to, not including, 07:00."""
    return local_time >= QUIET_START or local_time < QUIET_END


def check_time(at: time, allow_quiet_hours: bool) -> str | None:
    """Why a reminder time the user picked is refused, as a reply key; None when it is fine."""
    if in_quiet_hours(at) and not allow_quiet_hours:
        return QUIET_HOURS_REASON
    return None


def snooze_until(now: datetime, option: SnoozeOption, timezone: str) -> datetime:
    """When a snoozed reminder comes back; never in quiet hours (then 07:00 the next morning).

    "1h" is sixty real minutes, even across a DST change. "evening" is 18:00 today, local; from
    17:00 on, when 18:00 would come back sooner than "1h" or has passed, it means one hour from now.
    """
    if option not in ("1h", "evening"):
        raise ValueError(f"unknown snooze option {option!r}")
    now = utc(now)
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    if option == "evening" and local_now.time() < EVENING_CUTOFF:
        until = wall_to_utc(local_now.date(), EVENING, zone)
    else:
        until = now + timedelta(hours=1)
    return _after_quiet_hours(until, zone)


def _after_quiet_hours(instant: datetime, zone: ZoneInfo) -> datetime:
    """`instant`, or 07:00 local at the end of the quiet hours it falls in."""
    local = instant.astimezone(zone)
    if not in_quiet_hours(local.time()):
        return instant
    morning = local.date() if local.time() < QUIET_END else local.date() + ONE_DAY
    return wall_to_utc(morning, QUIET_END, zone)


def catch_up(due: datetime, now: datetime, window: timedelta = CATCH_UP_WINDOW) -> Literal["send", "skip"]:
    """Whether a reminder that was due at `due` (not after `now`) still goes out.

    Less than `window` late, it is still useful and is sent late, once; older, it is skipped.
    """
    lateness = utc(now) - utc(due)
    if lateness < timedelta(0):
        raise ValueError(f"{due} is not due yet at {now}")
    return "send" if lateness < window else "skip"


class CatchUpPlan(NamedTuple):
    send_now: bool
    next_due: datetime | None


def plan_catch_up(
    schedule: Schedule,
    missed_due: datetime,
    now: datetime,
    window: timedelta = CATCH_UP_WINDOW,
) -> CatchUpPlan:
    """What to do about a reminder stored as due at `missed_due` that nobody sent (downtime).

    Never a burst: at most one late reminder, then the next regular one after `now`. The late one
    goes out if the stored reminder, or any later occurrence missed during the downtime, is less
    than `window` old; e.g. a bot down from Tuesday to Friday 08:00 still sends Friday's 07:00.
    """
    now = utc(now)
    send_now = catch_up(missed_due, now, window) == "send"
    if not send_now:
        latest_chance = next_due(schedule, now - window)
        send_now = latest_chance is not None and latest_chance <= now
    return CatchUpPlan(send_now, next_due(schedule, now))


def should_skip_today(last_workout_at: datetime | None, due: datetime, timezone: str) -> bool:
    """Whether the user already trained on the local day of the reminder due at `due`."""
    if last_workout_at is None:
        return False
    zone = ZoneInfo(timezone)
    return utc(last_workout_at).astimezone(zone).date() == utc(due).astimezone(zone).date()


def missed_day_nudge(schedule: Schedule, last_workout_at: datetime | None, now: datetime) -> datetime | None:
    """The one gentle nudge at 08:00 local the morning after a planned day without a workout.

    Only on that morning's local day, and not when today is itself a planned day (today's reminder
    does the job) nor when the missed day's reminder was paused. Every `now` on that day gives the
    same instant, so the caller sends each nudge once by remembering the last one it sent; one it
    finds late goes through `catch_up` like any reminder. Nobody is nudged after training since.
    """
    zone = schedule.zone
    today = utc(now).astimezone(zone).date()
    missed_day = today - ONE_DAY
    if (
        schedule.paused
        or missed_day.weekday() not in schedule.days
        or today.weekday() in schedule.days
        or _is_paused_at(schedule, wall_to_utc(missed_day, schedule.at, zone))
    ):
        return None
    if last_workout_at is not None and utc(last_workout_at).astimezone(zone).date() >= missed_day:
        return None
    return wall_to_utc(today, NUDGE_AT, zone)


def passed_day(schedule: Schedule, now: datetime) -> date | None:
    """The newest planned day, today or yesterday, whose reminder time is already past at `now`.
    A schedule set (or moved to another zone, or resumed) at `now` never reminded the runner of
    that day, so the caller must not nudge about it the morning after."""
    zone = schedule.zone
    today = utc(now).astimezone(zone).date()
    for day in (today, today - ONE_DAY):
        if day.weekday() in schedule.days and wall_to_utc(day, schedule.at, zone) <= now:
            return day
    return None


def describe_days(days: frozenset[int]) -> str:
    """Weekdays for display, Monday first: "Tue and Fri", "Mon, Wed and Fri"."""
    if not days:
        raise ValueError("no days to describe")
    names = [DAY_NAMES[day] for day in sorted(days)]
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def local_time(dt_utc: datetime, timezone: str) -> datetime:
    """An instant as the user's clock shows it, for display."""
    return utc(dt_utc).astimezone(ZoneInfo(timezone))


def utc(instant: datetime) -> datetime:
    """`instant` in UTC: the one way to make a time UTC, in every layer. A naive datetime is
    refused rather than read as the server's local time (what `datetime.astimezone` would do)."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"expected an aware datetime, got {instant!r}")
    return instant.astimezone(UTC)
