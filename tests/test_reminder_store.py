"""Reminders through real storage (SQLite, and PostgreSQL when configured): set by chat, sent by
the runner on time across DST, exactly once with two runners on one database, and nothing lost
or repeated across a restart or a crash."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import delete, func, insert, select
from support.clock import FakeClock

from bot.storage.database import create_engine
from bot.storage.models import Reminder, User
from bot.storage.reminder_store import SqlReminderStore, days_mask
from bot.storage.store import Store, Who
from dialogs.events import Event
from scheduler.policy import Schedule
from scheduler.runner import SENT, Delivery, Runner, Tally, next_wake

ANN = Who(2001, 2001, "Ann")
TUE, FRI = 1, 4


def utc(*fields: int) -> datetime:
    return datetime(*fields, tzinfo=UTC)


class Sender:
    """Records every send; `latency` lets concurrent runners interleave."""

    def __init__(self, clock: FakeClock, latency: float = 0.0, sent: list | None = None, name: str = ""):
        self.clock, self.latency, self.name = clock, latency, name
        self.sent = [] if sent is None else sent

    async def send(self, reminder, kind, now):
        if self.latency:
            await asyncio.sleep(self.latency)
        self.sent.append((reminder.user_id, kind, self.clock.now(), self.name))
        return SENT


async def say(runtime, text: str, now: datetime, who: Who = ANN):
    return await runtime.conversations.handle(who, Event.from_text(text, now, who.first_name))


async def onboard(runtime, now: datetime, schedule: str = "tue fri 7am", who: Who = ANN) -> None:
    for text in ("/start", "kg", "America/New_York", schedule):
        await say(runtime, text, now, who)


async def row(runtime, user_id: int = ANN.user_id) -> Reminder | None:
    with runtime.store.transaction(utc(2026, 1, 1)) as tx:
        return tx.db.get(Reminder, user_id)


async def run_until(runner: Runner, clock: FakeClock, engine, until: datetime) -> None:
    """Jump from one due time to the next (as 20-second ticks would find them) until `until`."""
    while True:
        with engine.connect() as connection:
            due = connection.scalar(select(func.min(Reminder.next_due_at)))
        if due is None:
            return
        due = due.replace(tzinfo=UTC) if due.tzinfo is None else due
        if due >= until:
            return
        clock.set(max(clock.now(), due + timedelta(seconds=5)))
        await runner.drain()


def add_users(engine, count: int, now: datetime, first_id: int = 10_000) -> list[int]:
    """Users due now, written directly (the chat path is tested separately)."""
    schedule = Schedule(frozenset({TUE, FRI}), time(7), "America/New_York")
    ids = list(range(first_id, first_id + count))
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [{"id": i, "chat_id": i, "first_name": "R", "timezone": "America/New_York", "record": {}} for i in ids],
        )
        connection.execute(
            insert(Reminder),
            [
                {
                    "user_id": i,
                    "days": days_mask(schedule.days),
                    "at": schedule.at,
                    "next_due_at": next_wake(schedule, now),
                }
                for i in ids
            ],
        )
    return ids


# --- set by chat, sent on time ----------------------------------------------------------------
async def test_new_york_tuesday_and_friday_at_seven_before_and_after_the_november_change(runtime):
    before = utc(2026, 10, 26, 14)  # Monday, 10:00 in New York
    await onboard(runtime, before)
    stored = await row(runtime)
    assert stored.days == days_mask(frozenset({TUE, FRI})) and stored.at == time(7)
    menu = await say(runtime, "/reminders", before)
    assert "Next: <b>Tue 27 Oct, 07:00</b>" in menu.messages[0].text

    clock = FakeClock(before)
    sender = Sender(clock)
    runner = Runner(SqlReminderStore(runtime.store), sender, clock=clock)
    await run_until(runner, clock, runtime.store.engine, utc(2026, 11, 2))
    menu = await say(runtime, "/reminders", clock.now())  # the Sunday of the change
    assert "Next: <b>Tue 3 Nov, 07:00</b>" in menu.messages[0].text
    await run_until(runner, clock, runtime.store.engine, utc(2026, 11, 8))
    sent = [when for _, kind, when, _ in sender.sent if kind == "reminder"]
    assert [when - timedelta(seconds=5) for when in sent] == [
        utc(2026, 10, 27, 11),
        utc(2026, 10, 30, 11),  # 07:00 EDT
        utc(2026, 11, 3, 12),
        utc(2026, 11, 6, 12),  # 07:00 EST
    ]


async def test_no_nudge_about_a_planned_day_that_went_by_before_the_reminders_were_set(runtime):
    """Set up on a Friday afternoon: Saturday brought "Yesterday was one of your arm days and it
    slipped by" about a Friday nobody was reminded of. A day missed after that is nudged about."""
    friday = utc(2026, 10, 30, 19)  # 15:00 in New York, the 07:00 reminder long past
    await onboard(runtime, friday)
    clock = FakeClock(friday)
    sender = Sender(clock)
    runner = Runner(SqlReminderStore(runtime.store), sender, clock=clock)
    await run_until(runner, clock, runtime.store.engine, utc(2026, 11, 5))
    assert [(kind, when - timedelta(seconds=5)) for _, kind, when, _ in sender.sent] == [
        ("reminder", utc(2026, 11, 3, 12)),  # Tuesday, 07:00 EST
        ("nudge", utc(2026, 11, 4, 13)),  # Wednesday, 08:00: Tuesday went by without a workout
    ]


async def test_stopped_for_an_hour_over_a_reminder_it_is_sent_once_after_the_restart(runtime, database_url, coach):
    await onboard(runtime, utc(2026, 11, 3, 10))  # Tuesday 05:00 in New York; the reminder is at 07:00
    clock = FakeClock(utc(2026, 11, 3, 11, 30))
    sender = Sender(clock)
    store = SqlReminderStore(runtime.store)
    assert (await Runner(store, sender, clock=clock).drain()).sent == 0
    clock.set(utc(2026, 11, 3, 12, 30))  # the bot was down from 06:30 to 07:30; a new process starts
    other = Store(create_engine(database_url))
    try:
        restarted = Runner(SqlReminderStore(other), sender, clock=clock)
        assert (await restarted.drain()).sent == 1
        assert (await restarted.drain()).sent == 0
    finally:
        await other.close()
    assert [(user, kind) for user, kind, *_ in sender.sent] == [(ANN.user_id, "reminder")]
    assert (await row(runtime)).next_due_at.replace(tzinfo=UTC) == utc(2026, 11, 4, 13)  # Wednesday's nudge


# --- exactly once ------------------------------------------------------------------------------
async def test_two_runners_on_one_database_send_each_due_reminder_exactly_once(runtime, database_url):
    now = utc(2026, 11, 3, 11, 59)
    ids = add_users(runtime.store.engine, 150, now)
    clock = FakeClock(now + timedelta(minutes=1))
    sent: list = []
    stores = [Store(create_engine(database_url)) for _ in range(2)]
    try:
        runners = [
            Runner(
                SqlReminderStore(store),
                Sender(clock, latency=0.002, sent=sent, name=f"r{i}"),
                clock=clock,
                rate=10_000,
                batch=10,
            )
            for i, store in enumerate(stores)
        ]
        await asyncio.gather(*(runner.drain() for runner in runners))
    finally:
        for store in stores:
            await store.close()
    assert sorted(user for user, *_ in sent) == ids
    if database_url.startswith("postgresql"):  # SKIP LOCKED: both replicas did a share
        assert {name for *_, name in sent} == {"r0", "r1"}


async def test_a_stopped_runner_gives_back_its_claims_and_a_crashed_ones_lapse(runtime):
    now = utc(2026, 11, 3, 12)
    ids = add_users(runtime.store.engine, 60, now - timedelta(minutes=1))
    clock = FakeClock(now)
    sent: list = []
    store = SqlReminderStore(runtime.store)
    first = Runner(store, Sender(clock, sent=sent), clock=clock, rate=10_000, batch=30)
    await first.drain(keep_going=lambda: len(sent) < 20)  # stopped (SIGTERM) after 20 sends
    crashed = await store.claim(clock.now(), 15, timedelta(minutes=5))  # a replica claims, then dies
    assert len(crashed) == 15

    second = Runner(store, Sender(clock, sent=sent), clock=clock, rate=10_000)
    await second.drain()
    assert len(sent) == 45  # everything but the crashed replica's claims
    clock.advance(timedelta(minutes=6))  # its lease lapses: those go out, late but within 2 hours
    await second.drain()
    assert sorted(user for user, *_ in sent) == ids
    assert await second.drain() == Tally()  # nothing left, nothing twice


class Stuck(Sender):
    """Telegram takes each message, and the answer never comes back (until `gate` opens): a
    replica cut off, or killed, in the middle of its sends."""

    def __init__(self, clock, sent, gate):
        super().__init__(clock, sent=sent, name="stuck")
        self.gate = gate

    async def send(self, reminder, kind, now):
        self.sent.append((reminder.user_id, kind, self.clock.now(), self.name))
        await self.gate.wait()
        return SENT


async def test_a_replica_cut_off_mid_send_repeats_nothing_and_its_unsent_claims_go_out_by_the_next_tick(
    runtime, database_url
):
    now = utc(2026, 11, 3, 12)
    ids = add_users(runtime.store.engine, 16, now - timedelta(minutes=1))
    clock, sent, gate = FakeClock(now), [], asyncio.Event()
    first = Runner(SqlReminderStore(runtime.store), Stuck(clock, sent, gate), clock=clock, rate=10_000, batch=16)
    cut_off = asyncio.create_task(first.drain())
    while len(sent) < first.in_flight:  # its sends reached Telegram; their answers hang
        await asyncio.sleep(0.01)
    in_flight = {user for user, *_ in sent}

    other = Store(create_engine(database_url))  # another replica, ticking 20 s later
    try:
        clock.advance(timedelta(seconds=20))
        second = Runner(SqlReminderStore(other), Sender(clock, sent=sent, name="other"), clock=clock, rate=10_000)
        tally = await second.drain()
        assert tally.sent == 16 - len(in_flight)  # the unsent claims, within one tick
        assert not in_flight & {user for user, _, _, name in sent if name == "other"}  # none sent twice

        gate.set()  # the first replica comes back to life: what the other one took, it leaves alone
        assert (await cut_off).taken == 16 - len(in_flight)
        clock.advance(timedelta(minutes=10))
        assert await second.drain() == Tally()
    finally:
        cut_off.cancel()
        await other.close()
    assert sorted(user for user, *_ in sent) == ids  # each exactly once


async def test_a_reminder_telegram_refused_with_a_429_is_due_again_and_goes_out_once(runtime):
    now = utc(2026, 11, 3, 12)
    ids = add_users(runtime.store.engine, 3, now - timedelta(minutes=1))
    clock, sent = FakeClock(now), []

    class Refusing(Sender):
        refused = False

        async def send(self, reminder, kind, now):
            if reminder.user_id == ids[1] and not self.refused:
                self.refused = True
                return Delivery("retry", retry_after=2)
            return await super().send(reminder, kind, now)

    tally = await Runner(SqlReminderStore(runtime.store), Refusing(clock, sent=sent), clock=clock, rate=10_000).drain()
    assert tally.retried == 1 and tally.sent == 3
    assert sorted(user for user, *_ in sent) == ids


# --- buttons, blocking, deletion ---------------------------------------------------------------
async def test_snooze_and_skip_from_the_reminder_buttons(runtime):
    await onboard(runtime, utc(2026, 11, 3, 10))
    tapped = utc(2026, 11, 3, 12, 1)
    snoozed = await runtime.conversations.handle(ANN, Event.from_button("g|rem_snooze:1h", tapped, "Ann"))
    assert "Tue 3 Nov, 08:01" in snoozed.messages[0].text
    assert (await row(runtime)).next_due_at.replace(tzinfo=UTC) == utc(2026, 11, 3, 13, 1)
    await runtime.conversations.handle(ANN, Event.from_button("g|rem_skip:2026-11-03", tapped, "Ann"))
    stored = await row(runtime)
    assert stored.snoozed_until is None and str(stored.last_nudge_for) == "2026-11-03"
    clock = FakeClock(utc(2026, 11, 4, 13))  # Wednesday 08:00: no nudge about the skipped day
    tally = await Runner(SqlReminderStore(runtime.store), Sender(clock), clock=clock).drain()
    assert (tally.sent, tally.skipped) == (0, 1)
    assert (await row(runtime)).next_due_at.replace(tzinfo=UTC) == utc(2026, 11, 6, 12)  # Friday


async def test_blocking_pauses_and_unblocking_resumes_without_catching_up(runtime):
    await onboard(runtime, utc(2026, 11, 3, 10))
    store = SqlReminderStore(runtime.store)
    await store.set_blocked(ANN.user_id, True, utc(2026, 11, 3, 10))
    assert (await row(runtime)).next_due_at is None
    await store.set_blocked(ANN.user_id, False, utc(2026, 11, 10, 13))  # after Tuesday's 07:00
    assert (await row(runtime)).next_due_at.replace(tzinfo=UTC) == utc(2026, 11, 11, 13)  # the nudge, then Friday


async def test_stopping_reminders_and_deleting_a_user_leave_no_row(runtime):
    await onboard(runtime, utc(2026, 11, 3, 10))
    menu = await say(runtime, "/reminders", utc(2026, 11, 3, 10))
    stop = next(data for row_ in menu.messages[-1].buttons for label, data in row_ if label == "Stop reminders")
    await runtime.conversations.handle(ANN, Event.from_button(stop, utc(2026, 11, 3, 10), "Ann"))
    assert await row(runtime) is None
    await onboard(runtime, utc(2026, 11, 3, 10), who=Who(2002, 2002, "Ben"))
    assert await row(runtime, 2002) is not None
    with runtime.store.transaction(utc(2026, 11, 3)) as tx:
        tx.db.execute(delete(User).where(User.id == 2002))
    assert await row(runtime, 2002) is None
