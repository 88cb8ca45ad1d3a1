"""The reminder policy: DST cases by hand, then properties over every IANA zone."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.policy import (
    CatchUpPlan,
    Schedule,
    catch_up,
    check_time,
    describe_days,
    in_quiet_hours,
    local_time,
    missed_day_nudge,
    next_due,
    passed_day,
    plan_catch_up,
    should_skip_today,
    snooze_until,
)

TUE, WED, FRI, SUN = 1, 2, 4, 6


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


def schedule(**changes) -> Schedule:
    """Tuesday and Friday at 07:00 in New York, unless told otherwise."""
    base = Schedule(days=frozenset({TUE, FRI}), at=time(7), timezone="America/New_York")
    return replace(base, **changes)


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (utc(2026, 11, 6, 11, 59), None),  # Friday 06:59 in New York: today's reminder is still to come
        (utc(2026, 11, 6, 12), date(2026, 11, 6)),  # Friday 07:00: it is due, so it went by for a new schedule
        (utc(2026, 11, 7, 15), date(2026, 11, 6)),  # Saturday: yesterday's
        (utc(2026, 11, 8, 15), None),  # Sunday: Friday is two days back, nobody is nudged about it
    ],
)
def test_the_planned_day_whose_reminder_already_went_by(now, day):
    assert passed_day(schedule(), now) == day


def run(plan: Schedule, after: datetime, count: int) -> list[datetime]:
    fired = []
    for _ in range(count):
        after = next_due(plan, after)
        fired.append(after)
    return fired


# --- DST, by hand -------------------------------------------------------------------------------


def test_new_york_stays_at_seven_across_the_november_change():
    # EDT (UTC-4) until Sunday 2026-11-01, EST (UTC-5) after.
    assert run(schedule(), utc(2026, 10, 27, 12), 3) == [
        utc(2026, 10, 30, 11),  # Fri 07:00 EDT
        utc(2026, 11, 3, 12),  # Tue 07:00 EST
        utc(2026, 11, 6, 12),  # Fri 07:00 EST
    ]
    assert local_time(utc(2026, 11, 3, 12), "America/New_York").time() == time(7)


def test_berlin_spring_gap_fires_at_the_first_minute_after_it():
    # 2026-03-29: clocks go from 02:00 CET straight to 03:00 CEST, so 02:30 does not exist.
    plan = schedule(days=frozenset({SUN}), at=time(2, 30), timezone="Europe/Berlin", allow_quiet_hours=True)
    assert run(plan, utc(2026, 3, 27), 2) == [
        utc(2026, 3, 29, 1),  # 03:00 CEST
        utc(2026, 4, 5, 0, 30),  # 02:30 CEST
    ]


def test_berlin_fall_back_fires_once_at_the_first_0230():
    # 2026-10-25: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    plan = schedule(days=frozenset({SUN}), at=time(2, 30), timezone="Europe/Berlin", allow_quiet_hours=True)
    assert run(plan, utc(2026, 10, 23), 2) == [utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)]
    between_the_two = utc(2026, 10, 25, 1)
    assert next_due(plan, between_the_two) == utc(2026, 11, 1, 1, 30)


def test_lord_howe_half_hour_dst():
    # Standard time is UTC+10:30, summer time UTC+11: the clocks move by thirty minutes.
    plan = schedule(days=frozenset({SUN}), at=time(2, 15), timezone="Australia/Lord_Howe", allow_quiet_hours=True)
    # 2026-10-04 02:00 -> 02:30: 02:15 is skipped and fires at 02:30 (+11).
    assert next_due(plan, utc(2026, 10, 1)) == utc(2026, 10, 3, 15, 30)
    # 2026-04-05 02:00 -> 01:30: 01:45 happens twice and fires at the first (+11).
    plan = replace(plan, at=time(1, 45))
    assert run(plan, utc(2026, 4, 2), 2) == [utc(2026, 4, 4, 14, 45), utc(2026, 4, 11, 15, 15)]


def test_kathmandu_quarter_hour_offset():
    plan = schedule(timezone="Asia/Kathmandu")  # UTC+05:45, no DST
    assert next_due(plan, utc(2026, 6, 1)) == utc(2026, 6, 2, 1, 15)  # Tue 07:00


def test_zone_without_dst_uses_the_local_weekday():
    plan = schedule(days=frozenset({TUE}), timezone="Asia/Tokyo")  # UTC+9 all year
    due = next_due(plan, utc(2026, 1, 1))
    assert due == utc(2026, 1, 5, 22)  # Monday in UTC, Tuesday 07:00 in Tokyo
    assert run(plan, due, 1) == [utc(2026, 1, 12, 22)]


# --- pause, snooze, quiet hours -----------------------------------------------------------------


def test_pause_indefinitely_stops_everything_even_a_snooze():
    plan = schedule(paused=True, snoozed_until=utc(2026, 6, 1, 15))
    assert next_due(plan, utc(2026, 6, 1, 12)) is None


def test_nothing_fires_before_paused_until():
    plan = schedule(paused_until=utc(2026, 6, 10))  # a Wednesday
    assert next_due(plan, utc(2026, 6, 1)) == utc(2026, 6, 12, 11)  # Fri 07:00 EDT
    exactly_then = schedule(paused_until=utc(2026, 6, 12, 11))
    assert next_due(exactly_then, utc(2026, 6, 1)) == utc(2026, 6, 12, 11)


def test_snooze_wins_when_earlier_than_the_regular_reminder():
    plan = schedule(snoozed_until=utc(2026, 6, 2, 15))  # Tue 11:00 EDT, after Tue's 07:00
    assert next_due(plan, utc(2026, 6, 2, 11)) == utc(2026, 6, 2, 15)


def test_regular_reminder_wins_when_earlier_than_the_snooze():
    plan = schedule(snoozed_until=utc(2026, 6, 6))
    assert next_due(plan, utc(2026, 6, 2, 12)) == utc(2026, 6, 5, 11)


def test_past_or_paused_snooze_is_ignored():
    after = utc(2026, 6, 2, 12)
    assert next_due(schedule(snoozed_until=after), after) == utc(2026, 6, 5, 11)
    paused = schedule(snoozed_until=utc(2026, 6, 2, 15), paused_until=utc(2026, 6, 3))
    assert next_due(paused, after) == utc(2026, 6, 5, 11)


@pytest.mark.parametrize(
    ("wall", "quiet"),
    [(time(21, 59), False), (time(22), True), (time(0), True), (time(6, 59), True), (time(7), False)],
)
def test_quiet_hours_run_from_22_to_7(wall, quiet):
    assert in_quiet_hours(wall) is quiet


def test_check_time_refuses_quiet_hours_unless_chosen():
    assert check_time(time(6, 30), allow_quiet_hours=False) == "quiet_hours"
    assert check_time(time(6, 30), allow_quiet_hours=True) is None
    assert check_time(time(7), allow_quiet_hours=False) is None


def test_a_schedule_cannot_be_created_in_quiet_hours_unless_allowed():
    with pytest.raises(ValueError, match="quiet_hours"):
        schedule(at=time(23, 30))
    night_owl = schedule(at=time(23, 30), allow_quiet_hours=True)
    due = next_due(night_owl, utc(2026, 6, 1))
    assert local_time(due, "America/New_York").time() == time(23, 30)


@pytest.mark.parametrize(
    "broken",
    [
        {"days": frozenset()},
        {"days": frozenset({7})},
        {"timezone": "Mars/Olympus"},
        {"at": time(7, tzinfo=UTC)},
        {"paused_until": datetime(2026, 6, 1)},
    ],
)
def test_a_broken_schedule_is_refused(broken):
    with pytest.raises(ValueError):
        schedule(**broken)


@pytest.mark.parametrize(
    ("now_local", "option", "until_local"),
    [
        (datetime(2026, 6, 2, 10), "1h", datetime(2026, 6, 2, 11)),
        (datetime(2026, 6, 2, 21, 30), "1h", datetime(2026, 6, 3, 7)),  # 22:30 is quiet
        (datetime(2026, 6, 2, 5, 30), "1h", datetime(2026, 6, 2, 7)),  # same morning
        (datetime(2026, 6, 2, 10), "evening", datetime(2026, 6, 2, 18)),
        (datetime(2026, 6, 2, 17), "evening", datetime(2026, 6, 2, 18)),
        (datetime(2026, 6, 2, 17, 30), "evening", datetime(2026, 6, 2, 18, 30)),
        (datetime(2026, 6, 2, 21, 15), "evening", datetime(2026, 6, 3, 7)),
    ],
)
def test_snooze_until(now_local, option, until_local):
    berlin = ZoneInfo("Europe/Berlin")
    until = snooze_until(now_local.replace(tzinfo=berlin).astimezone(UTC), option, "Europe/Berlin")
    assert until.tzinfo is UTC
    assert until == until_local.replace(tzinfo=berlin)


def test_unknown_snooze_option_is_refused():
    with pytest.raises(ValueError):
        snooze_until(utc(2026, 6, 2), "tomorrow", "Europe/Berlin")


# --- catch-up after downtime --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("late", "verdict"),
    [(timedelta(0), "send"), (timedelta(hours=1, minutes=59), "send"), (timedelta(hours=2), "skip")],
)
def test_catch_up_sends_what_is_less_than_two_hours_late(late, verdict):
    due = utc(2026, 6, 2, 11)
    assert catch_up(due, due + late) == verdict


def test_catch_up_refuses_a_reminder_that_is_not_due():
    with pytest.raises(ValueError):
        catch_up(utc(2026, 6, 2, 11), utc(2026, 6, 2, 10))


TUESDAY_7 = utc(2026, 6, 2, 11)  # 07:00 EDT
FRIDAY_7 = utc(2026, 6, 5, 11)
NEXT_TUESDAY_7 = utc(2026, 6, 9, 11)


@pytest.mark.parametrize(
    ("now", "plan"),
    [
        (TUESDAY_7 + timedelta(hours=1), CatchUpPlan(True, FRIDAY_7)),
        (TUESDAY_7 + timedelta(hours=3), CatchUpPlan(False, FRIDAY_7)),
        # down from Tuesday to Friday 08:00: Friday's 07:00 is only an hour late, sent once
        (FRIDAY_7 + timedelta(hours=1), CatchUpPlan(True, NEXT_TUESDAY_7)),
        (FRIDAY_7 + timedelta(hours=3), CatchUpPlan(False, NEXT_TUESDAY_7)),
    ],
)
def test_plan_catch_up_sends_at_most_one_late_reminder(now, plan):
    assert plan_catch_up(schedule(), TUESDAY_7, now) == plan


# --- trained today, missed day ------------------------------------------------------------------


def test_should_skip_today_compares_local_days():
    due = TUESDAY_7
    assert should_skip_today(None, due, "America/New_York") is False
    assert should_skip_today(utc(2026, 6, 2, 10), due, "America/New_York") is True  # Tue 06:00
    # Tue 02:00 UTC is still Monday evening in New York
    assert should_skip_today(utc(2026, 6, 2, 2), due, "America/New_York") is False


WEDNESDAY_8 = utc(2026, 6, 3, 12)  # 08:00 EDT, the morning after Tuesday


@pytest.mark.parametrize("now", [utc(2026, 6, 3, 5), utc(2026, 6, 3, 20)])  # Wed 01:00, Wed 16:00
def test_missed_day_nudge_is_one_instant_the_morning_after(now):
    assert missed_day_nudge(schedule(), utc(2026, 5, 29, 12), now) == WEDNESDAY_8


@pytest.mark.parametrize(
    ("plan", "last_workout", "now"),
    [
        (schedule(), utc(2026, 6, 2, 20), utc(2026, 6, 3, 5)),  # trained on Tuesday
        (schedule(), utc(2026, 6, 3, 10), utc(2026, 6, 3, 11)),  # trained Wednesday at 06:00
        (schedule(), None, utc(2026, 6, 4, 12)),  # Thursday: too late for Tuesday
        (schedule(), None, utc(2026, 6, 2, 12)),  # Tuesday is not over
        (schedule(days=frozenset({TUE, WED})), None, utc(2026, 6, 3, 5)),  # Wednesday has its own
        (schedule(paused=True), None, utc(2026, 6, 3, 5)),
        (schedule(paused_until=utc(2026, 6, 2, 12)), None, utc(2026, 6, 3, 5)),
    ],
)
def test_no_missed_day_nudge(plan, last_workout, now):
    assert missed_day_nudge(plan, last_workout, now) is None


# --- display ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "text"),
    [({4, 1}, "Tue and Fri"), ({0, 2, 4}, "Mon, Wed and Fri"), ({3}, "Thu")],
)
def test_describe_days(days, text):
    assert describe_days(frozenset(days)) == text


def test_local_time_refuses_naive_datetimes():
    assert local_time(utc(2026, 7, 1, 12), "Europe/Berlin").hour == 14
    with pytest.raises(ValueError):
        local_time(datetime(2026, 7, 1, 12), "Europe/Berlin")


# --- properties over every zone -----------------------------------------------------------------

ZONES = sorted(available_timezones())


@cache
def offset_changes(zone_name: str, year: int) -> tuple[datetime, ...]:
    """The instants (to the second) in `year` at which the zone's UTC offset changes."""
    zone = ZoneInfo(zone_name)

    def offset(seconds: int) -> timedelta:
        return datetime.fromtimestamp(seconds, zone).utcoffset()

    changes = []
    day = int(utc(year, 1, 1).timestamp())
    while datetime.fromtimestamp(day, UTC).year == year:
        low, high = day, day + 86_400
        if offset(low) != offset(high):
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            changes.append(datetime.fromtimestamp(high, UTC))
        day += 86_400
    return tuple(changes)


@st.composite
def schedules(draw) -> tuple[Schedule, datetime]:
    """A schedule and a start; half the time the time of day is skipped or repeated by a DST
    change in the three days after the start."""
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    year = draw(st.integers(2000, 2037))
    days = draw(st.frozensets(st.integers(0, 6), min_size=1))
    changes = offset_changes(zone_name, year)
    if changes and draw(st.booleans()):
        change = draw(st.sampled_from(changes))
        before = (change - timedelta(seconds=1)).astimezone(zone).utcoffset()
        after = change.astimezone(zone).utcoffset()
        minutes = max(abs(after - before) // timedelta(minutes=1), 1)
        # wall times in [change + smaller offset, change + larger offset) are skipped or repeated
        wall = change.replace(tzinfo=None) + min(before, after)
        wall += timedelta(minutes=draw(st.integers(0, minutes - 1)))
        at = wall.time().replace(second=0)
        days |= {wall.weekday()}
        start = change - draw(st.timedeltas(timedelta(0), timedelta(days=3)))
    else:
        at = draw(st.times()).replace(second=0, microsecond=0)
        in_year = st.datetimes(datetime(year, 1, 1), datetime(year, 12, 31), timezones=st.just(UTC))
        start = draw(in_year)
    allowed = in_quiet_hours(at) or draw(st.booleans())
    return Schedule(days, at, zone_name, allow_quiet_hours=allowed), start


def planned_day(plan: Schedule, due: datetime) -> date:
    """The one planned local day whose wall time `at` the clock reached in the minute up to `due`:
    the clock shows `at` exactly, or jumped over it (spring forward) in that minute."""
    zone = ZoneInfo(plan.timezone)
    reached = due.astimezone(zone)
    before = (due - timedelta(minutes=1)).astimezone(zone).replace(tzinfo=None)
    assert reached.fold == 0, "a repeated wall time fires at its first occurrence"
    reached = reached.replace(tzinfo=None)
    candidates = [before.date() + timedelta(days=n) for n in range((reached.date() - before.date()).days + 1)]
    matches = [
        day for day in candidates if day.weekday() in plan.days and before < datetime.combine(day, plan.at) <= reached
    ]
    assert len(matches) == 1, (before, reached)
    return matches[0]


def exists(wall: datetime, zone: ZoneInfo) -> bool:
    return wall.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall


@settings(max_examples=400, deadline=None)
@given(schedules())
def test_next_due_properties(case):
    plan, start = case
    due = next_due(plan, start)
    assert due.tzinfo is UTC
    assert start < due <= start + timedelta(days=8)
    day = planned_day(plan, due)
    wall = datetime.combine(day, plan.at)
    reached = local_time(due, plan.timezone).replace(tzinfo=None)
    if reached != wall:
        assert not exists(wall, ZoneInfo(plan.timezone)), "moved although the wall time exists"
        assert reached.second == 0


@settings(max_examples=100, deadline=None)
@given(schedules())
def test_sixty_days_give_one_reminder_per_planned_day(case):
    plan, start = case
    end = start + timedelta(days=60)
    fired = []
    due = next_due(plan, start)
    while due < end:
        fired.append(due)
        due = next_due(plan, due)
    assert fired == sorted(set(fired))
    days = [planned_day(plan, due) for due in fired]
    assert len(days) == len(set(days))
    every_planned = {
        days[0] + timedelta(days=n)
        for n in range((days[-1] - days[0]).days + 1)
        if (days[0] + timedelta(days=n)).weekday() in plan.days
    }
    assert set(days) == every_planned


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(ZONES),
    st.datetimes(datetime(2000, 1, 1), datetime(2037, 12, 31), timezones=st.just(UTC)),
    st.sampled_from(["1h", "evening"]),
)
def test_snooze_never_ends_in_quiet_hours(zone_name, now, option):
    until = snooze_until(now, option, zone_name)
    assert now + timedelta(hours=1) <= until < now + timedelta(days=1)
    assert not in_quiet_hours(local_time(until, zone_name).time())
