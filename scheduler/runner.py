"""The reminder runner: claim due reminders, decide with the policy, send at a steady rate.

The database is the source of truth; the runner keeps nothing between ticks but its pace. Each
user's row holds the next instant to look at (`next_due_at`: a reminder, or the morning after a
missed day). A tick claims due rows in small batches through a `ReminderStore` (a claim is a
short lease, LEASE: no other runner takes the row until it lapses), decides what each one means
now with `decide`, and sends through a `Sender`.

Once, also when a replica dies: the Bot API has no idempotency key, so nothing can tell whether a
send cut off by a crash reached the runner. Such a send counts as sent: a reminder is better
missed once than sent twice. The decision is recorded *before* the send (`ReminderStore.finish`,
guarded by the claim), so a finished send can never be repeated, by this runner or another, and
a send whose claim another runner took over (this one was too slow) is not made at all. Only an
answer that says nothing went out (429) puts the reminder back (`ReminderStore.unsend`); any
other failure is logged and counted, not retried. A dead replica's claims that were not being
sent lapse after LEASE, so the next tick of any replica sends them (at most LEASE plus one tick
late); a batch is no bigger than half a lease can send at the runner's rate.

Telegram allows about 30 messages a second per bot: sends are paced by a token bucket (one token,
so no second ever holds more than `rate` + 1), a 429 holds every send for its `retry_after`, and
a 403 (the user blocked the bot) pauses that user instead of retrying.
"""

from __future__ import annotations

import asyncio
import logging
import time as clock_time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Literal, Protocol

from scheduler.policy import (
    Schedule,
    catch_up,
    in_quiet_hours,
    local_time,
    missed_day_nudge,
    next_due,
    plan_catch_up,
    should_skip_today,
)

if TYPE_CHECKING:
    from dialogs.session import Profile

log = logging.getLogger(__name__)

Kind = Literal["reminder", "nudge"]
DEFAULT_RATE = 25.0  # messages a second: below Telegram's ~30, leaving room for replies
BATCH = 25  # rows per claim: about a second of sending, so a claim is never held long
LEASE = timedelta(seconds=5)  # a claim left by a crashed runner lapses after this, before the next tick
IN_FLIGHT = 6  # sends awaiting Telegram's answer at once: 25/s with a 200 ms round trip
_JUST_BEFORE = timedelta(microseconds=1)


@dataclass(frozen=True)
class DueReminder:
    """A claimed row: whose, what schedule, when it was due, and the claim that guards it."""

    user_id: int
    chat_id: int
    schedule: Schedule
    due: datetime
    claim: datetime  # the lease's end; the store only records results of the claim it handed out
    last_workout_at: datetime | None = None
    last_nudge_for: date | None = None  # the missed day last nudged about (or skipped by the user)
    profile: Profile | None = None  # what the sender renders the message from


@dataclass(frozen=True)
class Decision:
    kind: Kind | None  # what to send now; None: nothing (too late, trained already, stale row)
    next_due_at: datetime | None
    clears_snooze: bool = False  # a reminder went out or was dropped: its snooze is spent
    nudge_for: date | None = None  # the missed day a nudge is about


@dataclass(frozen=True)
class Delivery:
    status: Literal["sent", "blocked", "retry"]
    retry_after: float = 0.0


SENT = Delivery("sent")
BLOCKED = Delivery("blocked")


class ReminderStore(Protocol):
    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[DueReminder]:
        """Due rows nobody holds (next_due_at <= now), leased until now + lease."""

    async def finish(self, reminder: DueReminder, decision: Decision, sent_at: datetime | None) -> bool:
        """Store the decision, if the claim is still ours (a change by the user, or another runner
        that took the lapsed claim over, voids it); whether it was. `sent_at`: the send about to
        be made."""

    async def unsend(self, reminder: DueReminder, decision: Decision) -> None:
        """Undo `finish` for a send that Telegram refused to make (429): due again as claimed,
        unless the row changed since."""

    async def release(self, reminders: Sequence[DueReminder]) -> None:
        """Give claims back unsent, so the next tick takes them again."""

    async def block(self, reminder: DueReminder) -> None:
        """The user blocked the bot: nothing more until they unblock it."""


class Sender(Protocol):
    async def send(self, reminder: DueReminder, kind: Kind, now: datetime) -> Delivery:
        """Send one message; an error other than blocked or 429 raises."""


class Clock(Protocol):
    def now(self) -> datetime: ...

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return clock_time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


# --- what a due row means now ---------------------------------------------------------------
def next_wake(schedule: Schedule, after: datetime) -> datetime | None:
    """The next instant the runner must look at this user: a reminder or a missed-day nudge."""
    found = [moment for moment in (next_due(schedule, after), _next_nudge(schedule, after)) if moment is not None]
    return min(found, default=None)


def _next_nudge(schedule: Schedule, after: datetime) -> datetime | None:
    """The first morning after `after` that would get a nudge if nobody trains before it."""
    zone = schedule.zone
    day = after.astimezone(zone).date()
    for offset in range(8):
        noon = datetime.combine(day + timedelta(days=offset), time(12), tzinfo=zone)
        nudge = missed_day_nudge(schedule, None, noon)
        if nudge is not None and nudge > after:
            return nudge
    return None


def decide(reminder: DueReminder, now: datetime) -> Decision:
    """What a claimed row means at `now`: send a reminder or a nudge, or nothing; and when next.

    A row whose instant is no longer a reminder, a snooze or a nudge of the schedule (the user
    moved to another timezone since it was stored) sends nothing and is planned again.
    """
    schedule, due = reminder.schedule, reminder.due
    plain = replace(schedule, snoozed_until=None)
    if due == schedule.snoozed_until or next_due(plain, due - _JUST_BEFORE) == due:
        on_time = (
            catch_up(due, now) == "send" if due == schedule.snoozed_until else plan_catch_up(plain, due, now).send_now
        )
        trained = should_skip_today(reminder.last_workout_at, now, schedule.timezone)
        wanted = on_time and not trained and _may_speak(schedule, now)
        return Decision("reminder" if wanted else None, next_wake(plain, now), clears_snooze=True)
    if missed_day_nudge(schedule, None, due) == due:
        missed = due.astimezone(schedule.zone).date() - timedelta(days=1)
        wanted = (
            catch_up(due, now) == "send"
            and _may_speak(schedule, now)
            and reminder.last_nudge_for != missed
            and missed_day_nudge(schedule, reminder.last_workout_at, due) == due
        )
        return Decision("nudge" if wanted else None, next_wake(schedule, now), nudge_for=missed if wanted else None)
    return Decision(None, next_wake(schedule, now))


def _may_speak(schedule: Schedule, now: datetime) -> bool:
    """A late reminder that would land in quiet hours is dropped, unless the user chose them."""
    return schedule.allow_quiet_hours or not in_quiet_hours(local_time(now, schedule.timezone).time())


# --- pace -----------------------------------------------------------------------------------
class TokenBucket:
    """`rate` tokens a second, at most `burst` saved up; `hold` stops all taking for a while."""

    def __init__(self, rate: float, clock: Clock, burst: int = 1):
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.rate, self.burst, self.clock = rate, burst, clock
        self._tokens = float(burst)
        self._at = clock.monotonic()
        self._held_until = 0.0

    @property
    def held(self) -> bool:
        return self.clock.monotonic() < self._held_until

    def hold(self, seconds: float) -> None:
        self._held_until = max(self._held_until, self.clock.monotonic() + seconds)

    async def wait_out_hold(self) -> None:
        while (left := self._held_until - self.clock.monotonic()) > 0:
            await self.clock.sleep(left)

    async def take(self) -> None:
        await self.wait_out_hold()
        now = self.clock.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:  # wait for the next token, counted as arrived when the wait ends
            wait = (1 - self._tokens) / self.rate
            self._tokens, self._at = 1.0, now + wait
            await self.clock.sleep(wait)
            await self.wait_out_hold()
        self._tokens -= 1


@dataclass
class Tally:
    sent: int = 0
    skipped: int = 0
    blocked: int = 0
    retried: int = 0
    failed: int = 0  # a send that failed in a way that may have reached the runner: not repeated
    taken: int = 0  # claims another runner took over (this one was slower than its lease)


# --- the runner -----------------------------------------------------------------------------
class Runner:
    def __init__(
        self,
        store: ReminderStore,
        sender: Sender,
        *,
        rate: float = DEFAULT_RATE,
        batch: int = BATCH,
        lease: timedelta = LEASE,
        clock: Clock | None = None,
        in_flight: int = IN_FLIGHT,
    ):
        self.store, self.sender = store, sender
        self.clock = clock or SystemClock()
        self.bucket = TokenBucket(rate, self.clock)
        # a batch is sent within half a lease at `rate`, so a live runner keeps its claims
        self.batch = max(1, min(batch, int(rate * lease.total_seconds() / 2)))
        self.lease, self.in_flight = lease, in_flight

    async def drain(self, keep_going: Callable[[], bool] = lambda: True) -> Tally:
        """Send everything due, batch after batch, until nothing is due or `keep_going` says stop."""
        tally = Tally()
        while keep_going():
            await self.bucket.wait_out_hold()  # after a 429, claim nothing until sending may resume
            batch = await self.store.claim(self.clock.now(), self.batch, self.lease)
            if not batch:
                break
            await self._send(batch, keep_going, tally)
        return tally

    async def _send(self, batch: list[DueReminder], keep_going: Callable[[], bool], tally: Tally) -> None:
        waiting = list(batch)
        sending: set[asyncio.Task[None]] = set()
        try:
            while waiting and keep_going() and not self.bucket.held:
                reminder = waiting[0]
                decision = decide(reminder, self.clock.now())
                if decision.kind is not None:
                    await self.bucket.take()
                    if not keep_going():
                        break
                waiting.pop(0)
                if decision.kind is None:
                    await self.store.finish(reminder, decision, None)
                    tally.skipped += 1
                    continue
                task = asyncio.create_task(self._deliver(reminder, decision, tally))
                sending.add(task)
                task.add_done_callback(sending.discard)
                if len(sending) >= self.in_flight:
                    await asyncio.wait(sending, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await asyncio.gather(*sending)
            if waiting:
                await self.store.release(waiting)

    async def _deliver(self, reminder: DueReminder, decision: Decision, tally: Tally) -> None:
        assert decision.kind is not None
        now = self.clock.now()
        if not await self.store.finish(reminder, decision, now):  # recorded first: never sent twice
            tally.taken += 1
            return
        try:
            delivery = await self.sender.send(reminder, decision.kind, now)
        except Exception:  # it may have reached the runner: missed once beats sent twice
            log.exception("a reminder failed and is not sent again (it may have arrived)")
            tally.failed += 1
            return
        if delivery.status == "sent":
            tally.sent += 1
        elif delivery.status == "blocked":
            await self.store.block(reminder)
            tally.blocked += 1
        else:
            log.warning("Telegram asks to wait %.0fs before sending more", delivery.retry_after)
            self.bucket.hold(delivery.retry_after)
            await self.store.unsend(reminder, decision)
            tally.retried += 1
