"""The reminder runner with a fake clock, an in-memory store and a scripted sender: pace, 429,
403, catch-up after downtime, no bursts, nudges, snoozes and DST, in simulated weeks."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise

import pytest
from support.clock import FakeClock

from scheduler.policy import Schedule
from scheduler.runner import BLOCKED, SENT, Delivery, DueReminder, Runner, TokenBucket, decide, next_wake

TUE, WED, FRI = 1, 2, 4
TICK = timedelta(seconds=20)


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


@dataclass
class Row:
    schedule: Schedule
    next_due_at: datetime | None
    claimed_until: datetime | None = None
    last_sent_at: datetime | None = None
    last_nudge_for: date | None = None
    last_workout_at: datetime | None = None
    blocked: bool = False


@dataclass
class FakeStore:
    rows: dict[int, Row] = field(default_factory=dict)
    claims: int = 0

    def add(self, user_id: int, schedule: Schedule, now: datetime, **extra) -> None:
        self.rows[user_id] = Row(schedule, next_wake(schedule, now), **extra)

    async def claim(self, now, limit, lease):
        self.claims += 1
        due = sorted(
            (row.next_due_at, user_id)
            for user_id, row in self.rows.items()
            if row.next_due_at is not None
            and row.next_due_at <= now
            and (row.claimed_until is None or row.claimed_until < now)
        )[:limit]
        claimed = []
        for due_at, user_id in due:
            row = self.rows[user_id]
            row.claimed_until = now + lease
            claimed.append(
                DueReminder(
                    user_id, user_id, row.schedule, due_at, row.claimed_until, row.last_workout_at, row.last_nudge_for
                )
            )
        return claimed

    async def finish(self, reminder, decision, sent_at):
        row = self.rows[reminder.user_id]
        if row.claimed_until != reminder.claim:
            return False
        row.claimed_until, row.next_due_at = None, decision.next_due_at
        if decision.clears_snooze:
            row.schedule = replace(row.schedule, snoozed_until=None)
        if decision.nudge_for is not None:
            row.last_nudge_for = decision.nudge_for
        if sent_at is not None:
            row.last_sent_at = sent_at
        return True

    async def unsend(self, reminder, decision):
        row = self.rows[reminder.user_id]
        if row.claimed_until is None and row.next_due_at == decision.next_due_at:
            row.next_due_at, row.last_nudge_for = reminder.due, reminder.last_nudge_for
            row.schedule = replace(row.schedule, snoozed_until=reminder.schedule.snoozed_until)

    async def release(self, reminders):
        for reminder in reminders:
            row = self.rows[reminder.user_id]
            if row.claimed_until == reminder.claim:
                row.claimed_until = None

    async def block(self, reminder):
        row = self.rows[reminder.user_id]
        row.blocked, row.next_due_at, row.claimed_until = True, None, None


class FakeSender:
    def __init__(self, clock: FakeClock):
        self.clock = clock
        self.sent: list[tuple[int, str, datetime, float]] = []
        self.script: dict[int, list[Delivery | Exception]] = {}  # user id -> next answers

    async def send(self, reminder, kind, now):
        answers = self.script.get(reminder.user_id)
        if answers:
            answer = answers.pop(0)
            if isinstance(answer, Exception):
                raise answer
            if answer is not SENT:
                return answer
        self.sent.append((reminder.user_id, kind, self.clock.now(), self.clock.monotonic()))
        return SENT

    def at(self, user_id: int, kind: str = "reminder") -> list[datetime]:
        return [when for who, what, when, _ in self.sent if who == user_id and what == kind]


def new_york(**changes) -> Schedule:
    return replace(Schedule(days=frozenset({TUE, FRI}), at=time(7), timezone="America/New_York"), **changes)


def setup(start: datetime, **runner_options):
    clock = FakeClock(start)
    store = FakeStore()
    sender = FakeSender(clock)
    return clock, store, sender, Runner(store, sender, clock=clock, **runner_options)


async def run_ticks(clock: FakeClock, store: FakeStore, runner: Runner, until: datetime, down=()) -> None:
    """Ticks every 20 s until `until`, none while in a `down` window; idle stretches are skipped
    by jumping whole ticks to the next instant that matters."""
    while clock.now() < until:
        stopped = [end for start, end in down if start <= clock.now() < end]
        if not stopped:
            await runner.drain()
        moments = [r.next_due_at for r in store.rows.values() if r.next_due_at is not None]
        moments += [r.claimed_until + TICK for r in store.rows.values() if r.claimed_until is not None]
        moments += [start for start, _ in down] + stopped + [until]
        target = max(clock.now() + TICK, min(m for m in moments if m > clock.now()))
        clock.advance(TICK * -(-(target - clock.now()) // TICK))


# --- DST ------------------------------------------------------------------------------------
async def test_new_york_tuesday_and_friday_at_seven_across_the_november_change():
    clock, store, sender, runner = setup(utc(2026, 10, 26, 12))
    store.add(1, new_york(), clock.now(), last_workout_at=utc(2026, 10, 26, 12))
    await run_ticks(clock, store, runner, utc(2026, 11, 8))
    assert sender.at(1) == [
        utc(2026, 10, 27, 11),
        utc(2026, 10, 30, 11),  # 07:00 EDT
        utc(2026, 11, 3, 12),
        utc(2026, 11, 6, 12),  # 07:00 EST
    ]
    # Nobody trained: one gentle nudge at 08:00 the morning after each planned day (Wed, Sat).
    assert sender.at(1, "nudge") == [
        utc(2026, 10, 28, 12),
        utc(2026, 10, 31, 12),
        utc(2026, 11, 4, 13),
        utc(2026, 11, 7, 13),
    ]


# --- pace, 429, 403 -------------------------------------------------------------------------
async def test_sends_are_paced_at_the_configured_rate():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 11, 59), rate=25)
    for user in range(100):
        store.add(user, new_york(), clock.now())
    clock.advance(timedelta(minutes=1))
    tally = await runner.drain()
    assert tally.sent == 100 and len(sender.sent) == 100
    moments = sorted(mono for *_, mono in sender.sent)
    assert min(b - a for a, b in pairwise(moments)) >= 1 / 25 - 1e-9
    assert max(sum(1 for m in moments if start <= m < start + 1) for start in moments) <= 26
    assert moments[-1] - moments[0] == pytest.approx(99 / 25)


async def test_a_429_holds_every_send_for_retry_after_and_loses_nothing():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 11, 59), rate=25)
    for user in range(60):
        store.add(user, new_york(), clock.now())
    sender.script[10] = [Delivery("retry", retry_after=3)]
    clock.advance(timedelta(minutes=1))
    tally = await runner.drain()
    assert tally.retried == 1 and tally.sent == 60
    assert sorted(user for user, *_ in sender.sent) == list(range(60))  # each exactly once
    moments = sorted(mono for *_, mono in sender.sent)
    gap = max(b - a for a, b in pairwise(moments))
    assert gap >= 3  # nothing went out while Telegram asked us to wait


async def test_a_403_pauses_that_user_and_only_that_user():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 11, 59))
    store.add(1, new_york(), clock.now())
    store.add(2, new_york(), clock.now())
    sender.script[1] = [BLOCKED]
    await run_ticks(clock, store, runner, utc(2026, 11, 12))
    assert store.rows[1].blocked and store.rows[1].next_due_at is None
    assert sender.at(1) == [] and len(sender.at(2)) == 3


async def test_a_send_that_failed_is_not_made_again_it_may_have_arrived():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 11, 59))
    store.add(1, new_york(), clock.now())
    sender.script[1] = [OSError("connection lost waiting for Telegram's answer")]
    await run_ticks(clock, store, runner, utc(2026, 11, 7))
    assert sender.at(1) == [utc(2026, 11, 6, 12)]  # Tuesday's is missed, not sent twice; Friday's comes


# --- downtime -------------------------------------------------------------------------------
async def test_stopped_for_an_hour_over_a_reminder_it_is_sent_once_when_back():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 11, 30))
    store.add(1, new_york(), clock.now(), last_workout_at=utc(2026, 11, 2))
    await run_ticks(clock, store, runner, utc(2026, 11, 4), down=[(utc(2026, 11, 3, 11, 40), utc(2026, 11, 3, 12, 40))])
    assert sender.at(1) == [utc(2026, 11, 3, 12, 40)]


async def test_a_reminder_missed_by_more_than_two_hours_is_skipped():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 11, 30))
    store.add(1, new_york(), clock.now())
    await run_ticks(
        clock, store, runner, utc(2026, 11, 3, 18), down=[(utc(2026, 11, 3, 11, 40), utc(2026, 11, 3, 14, 30))]
    )
    assert sender.at(1) == []
    assert store.rows[1].next_due_at > utc(2026, 11, 3, 18)


async def test_a_week_down_never_sends_a_burst():
    clock, store, sender, runner = setup(utc(2026, 11, 2))
    for user in range(20):
        store.add(user, new_york(), clock.now())
    await run_ticks(
        clock, store, runner, utc(2026, 11, 10, 12, 30), down=[(utc(2026, 11, 2, 1), utc(2026, 11, 10, 12, 30))]
    )
    assert sender.sent == []
    await run_ticks(clock, store, runner, utc(2026, 11, 10, 13))
    assert sorted(user for user, *_ in sender.sent) == list(range(20))  # Tuesday's, once each


async def test_a_late_reminder_that_would_land_in_quiet_hours_is_dropped():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 12))
    store.add(1, new_york(at=time(21, 30)), clock.now())
    await run_ticks(clock, store, runner, utc(2026, 11, 4, 4), down=[(utc(2026, 11, 4, 2), utc(2026, 11, 4, 3, 10))])
    assert sender.at(1) == []


async def test_stopping_mid_batch_gives_the_rest_back_and_nothing_is_sent_twice():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 11, 59), batch=30)
    for user in range(30):
        store.add(user, new_york(), clock.now())
    clock.advance(timedelta(minutes=1))
    await runner.drain(keep_going=lambda: len(sender.sent) < 10)
    assert len(sender.sent) == 10
    assert all(row.claimed_until is None for row in store.rows.values())
    restarted = Runner(store, sender, clock=clock)
    await restarted.drain()
    assert sorted(user for user, *_ in sender.sent) == list(range(30))


# --- skip, nudge, snooze, stale -------------------------------------------------------------
async def test_no_reminder_after_training_that_day_and_no_nudge_after_training_since():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 10))
    store.add(1, new_york(), clock.now(), last_workout_at=utc(2026, 11, 3, 10, 30))  # 05:30 in New York
    await run_ticks(clock, store, runner, utc(2026, 11, 5))
    assert sender.sent == []


async def test_a_skipped_day_is_not_nudged_about():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 10))
    store.add(1, new_york(), clock.now(), last_nudge_for=date(2026, 11, 3))
    await run_ticks(clock, store, runner, utc(2026, 11, 5))
    assert sender.at(1) == [utc(2026, 11, 3, 12)] and sender.at(1, "nudge") == []


async def test_a_snooze_fires_once_and_the_next_regular_reminder_still_comes():
    clock, store, sender, runner = setup(utc(2026, 11, 3, 12, 5))
    store.add(1, new_york(snoozed_until=utc(2026, 11, 3, 13, 5)), clock.now(), last_workout_at=utc(2026, 11, 2))
    await run_ticks(clock, store, runner, utc(2026, 11, 7))
    assert sender.at(1) == [utc(2026, 11, 3, 13, 5), utc(2026, 11, 6, 12)]
    assert store.rows[1].schedule.snoozed_until is None


async def test_a_row_stored_for_another_timezone_is_planned_again_without_sending():
    clock, store, sender, runner = setup(utc(2026, 11, 2))
    berlin = new_york(timezone="Europe/Berlin")
    store.rows[1] = Row(new_york(), next_wake(berlin, clock.now()))  # moved from Berlin to New York
    await run_ticks(clock, store, runner, utc(2026, 11, 4))
    assert sender.at(1) == [utc(2026, 11, 3, 12)]


def test_decide_drops_a_stale_snooze_superseded_by_a_regular_reminder():
    schedule = new_york(snoozed_until=utc(2026, 11, 6, 15))
    reminder = DueReminder(1, 1, schedule, utc(2026, 11, 6, 12), utc(2026, 11, 6, 12, 5))
    decision = decide(reminder, utc(2026, 11, 6, 12))
    assert decision.kind == "reminder" and decision.clears_snooze
    assert decision.next_due_at > utc(2026, 11, 6, 15)  # the old snooze does not fire after it


async def test_the_bucket_holds_and_then_paces_again():
    clock = FakeClock(utc(2026, 11, 3))
    bucket = TokenBucket(10, clock)
    await bucket.take()
    bucket.hold(2)
    assert bucket.held
    start = clock.monotonic()
    await bucket.take()
    await bucket.take()
    assert clock.monotonic() - start == pytest.approx(2.1)
    with pytest.raises(ValueError):
        TokenBucket(0, clock)
