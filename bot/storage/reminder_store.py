"""Reminders in the database: the store the runner claims from, and the effect that copies a
runner's settings into the reminders table.

Claiming: on PostgreSQL `SELECT … FOR UPDATE OF reminders SKIP LOCKED` in small batches, so
replicas claiming at once take different rows; on SQLite the claim's write transaction
(`BEGIN IMMEDIATE`) already admits one writer at a time. A claim sets `claimed_until` (a lease),
and every later write of the runner is guarded by it, so a user who changes their schedule
while a reminder is in flight voids the runner's stale plan instead of being overwritten.

Every instant is written and read back in UTC (`bot.storage.models.UTCDateTime`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any, overload

from sqlalchemy import func, or_, select, update

from bot.storage.models import Reminder, User, core_table
from bot.storage.store import Store, Transaction, Who
from dialogs.effects import SkipReminder, SnoozeReminder, SyncReminders
from dialogs.reminder import ReminderSettings
from dialogs.session import Profile
from scheduler.policy import Schedule, passed_day, utc
from scheduler.runner import Decision, DueReminder, next_wake

log = logging.getLogger(__name__)


@overload
def _utc(instant: datetime) -> datetime: ...
@overload
def _utc(instant: datetime | None) -> datetime | None: ...
def _utc(instant: datetime | None) -> datetime | None:
    return None if instant is None else utc(instant)


def days_mask(days: frozenset[int]) -> int:
    return sum(1 << day for day in days)


def days_of(mask: int) -> frozenset[int]:
    return frozenset(day for day in range(7) if mask >> day & 1)


def schedule_of(row: Reminder, timezone: str | None) -> Schedule | None:
    """The policy's view of a row; None when it cannot fire (no timezone, or inconsistent)."""
    if timezone is None:
        return None
    try:
        return Schedule(
            days_of(row.days),
            row.at,
            timezone,
            _utc(row.paused_until),
            row.paused,
            _utc(row.snoozed_until),
            row.allow_quiet_hours,
        )
    except ValueError:
        # no user id in the log (bot.logs); such rows have next_due_at NULL while not paused or blocked
        log.warning("a runner's reminders cannot fire as stored; left without a due time")
        return None


def plan(row: Reminder, timezone: str | None, now: datetime) -> None:
    """Set the row's next due time from its schedule, after `now`; any claim on it is void."""
    schedule = None if row.blocked else schedule_of(row, timezone)
    row.next_due_at = None if schedule is None else next_wake(schedule, now)
    row.claimed_until = None


def last_workout(record: dict[str, Any]) -> datetime | None:
    """The last time the runner trained: a finished workout or a logged set."""
    moments = [entry["at"] for entry in record.get("workouts", [])]
    moments += [entry["at"] for entry in record.get("exercises", {}).values() if entry.get("at")]
    return max((_utc(datetime.fromisoformat(moment)) for moment in moments), default=None)


# --- the effect of the reminders flow -------------------------------------------------------
def apply_effect(tx: Transaction, who: Who, effect: SyncReminders | SnoozeReminder | SkipReminder) -> None:
    """Sync: copy the settings from the record (just saved) to the table; snooze, skip: the
    runner's buttons. Each one plans the next due time again."""
    user = tx.db.get(User, who.user_id)
    row = tx.db.get(Reminder, who.user_id)
    assert user is not None  # the event's transaction made the user's row
    if isinstance(effect, SyncReminders):
        settings = ReminderSettings.of(Profile(record=dict(user.record or {})))
        if settings is None:
            if row is not None:
                tx.db.delete(row)
            return
        if row is None:
            row = Reminder(user_id=who.user_id)
            tx.db.add(row)
        row.days, row.at, row.allow_quiet_hours = days_mask(settings.days), settings.at, settings.allow_quiet_hours
        row.paused, row.paused_until = settings.paused, _utc(settings.paused_until)
        row.blocked = False  # they are talking to the bot
        _not_nudged_before(row, user.timezone, tx.now)
    elif row is None:
        return  # a reminder's button after the reminders were stopped
    elif isinstance(effect, SnoozeReminder):
        row.snoozed_until = _utc(datetime.fromisoformat(effect.until))
    else:
        row.snoozed_until = None
        row.last_nudge_for = date.fromisoformat(effect.day)
    plan(row, user.timezone, tx.now)


def _not_nudged_before(row: Reminder, timezone: str | None, now: datetime) -> None:
    """A planned day whose reminder time went by before these settings were stored is not
    nudged about ("Yesterday was one of your arm days…" the morning after signing up)."""
    schedule = schedule_of(row, timezone)
    passed = None if schedule is None else passed_day(schedule, now)
    if passed is not None and (row.last_nudge_for is None or passed > row.last_nudge_for):
        row.last_nudge_for = passed


# --- the store ------------------------------------------------------------------------------
class SqlReminderStore:
    """The runner's `ReminderStore`, each call one transaction on a database thread."""

    def __init__(self, store: Store):
        self._store = store

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[DueReminder]:
        now = _utc(now)
        return await self._store.run(partial(_claim, limit=limit, until=now + lease), now)

    async def finish(self, reminder: DueReminder, decision: Decision, sent_at: datetime | None) -> bool:
        values: dict[str, Any] = {"next_due_at": _utc(decision.next_due_at), "claimed_until": None}
        if decision.clears_snooze:
            values["snoozed_until"] = None
        if decision.nudge_for is not None:
            values["last_nudge_for"] = decision.nudge_for
        if sent_at is not None:
            values["last_sent_at"] = _utc(sent_at)
        return await self._update([reminder], **values) > 0

    async def unsend(self, reminder: DueReminder, decision: Decision) -> None:
        table = core_table(Reminder)
        planned = (
            table.c.next_due_at.is_(None)
            if decision.next_due_at is None
            else table.c.next_due_at == _utc(decision.next_due_at)
        )
        statement = (
            update(table)
            .where(table.c.user_id == reminder.user_id, table.c.claimed_until.is_(None), planned)
            .values(
                next_due_at=reminder.due,
                snoozed_until=_utc(reminder.schedule.snoozed_until),
                last_nudge_for=reminder.last_nudge_for,
            )
        )
        await self._store.run(lambda tx: tx.connection.execute(statement))

    async def count_due(self, now: datetime) -> int:
        """Reminders due at `now` and not sent yet (claimed by a runner or not)."""
        until = _utc(now)
        query = select(func.count()).select_from(Reminder).where(Reminder.next_due_at <= until)
        return await self._store.run(lambda tx: tx.db.scalar(query) or 0)

    async def release(self, reminders: Sequence[DueReminder]) -> None:
        await self._update(reminders, claimed_until=None)

    async def block(self, reminder: DueReminder) -> None:
        await self.set_blocked(reminder.user_id, True, reminder.due)

    async def set_blocked(self, user_id: int, blocked: bool, now: datetime) -> None:
        """Blocked: nothing more is sent. Unblocked: reminders resume from `now`, none caught up."""
        await self._store.run(partial(_set_blocked, user_id, blocked), _utc(now))

    async def _update(self, reminders: Sequence[DueReminder], **values: Any) -> int:
        """Write to the rows whose claim is still the one handed out (Core: no ORM round trips);
        how many rows that was."""
        table = core_table(Reminder)
        statements = [
            update(table)
            .where(
                table.c.user_id.in_([reminder.user_id for reminder in reminders if reminder.claim == claim]),
                table.c.claimed_until == claim,
            )
            .values(**values)
            for claim in {reminder.claim for reminder in reminders}
        ]
        return await self._store.run(
            lambda tx: sum(tx.connection.execute(statement).rowcount or 0 for statement in statements)
        )


def _claim(tx: Transaction, *, limit: int, until: datetime) -> list[DueReminder]:
    now = tx.now
    rows = tx.db.execute(
        select(Reminder, User)
        .join(User, User.id == Reminder.user_id)
        .where(Reminder.next_due_at <= now, or_(Reminder.claimed_until.is_(None), Reminder.claimed_until < now))
        .order_by(Reminder.next_due_at)
        .limit(limit)
        .with_for_update(of=Reminder, skip_locked=True)
    )
    claimed = []
    for row, user in rows.all():
        schedule = schedule_of(row, user.timezone)
        if schedule is None:
            row.next_due_at = None
            continue
        row.claimed_until = until
        record = dict(user.record or {})
        assert row.next_due_at is not None  # claimed because it is due
        claimed.append(
            DueReminder(
                row.user_id,
                user.chat_id,
                schedule,
                _utc(row.next_due_at),
                until,
                last_workout(record),
                row.last_nudge_for,
                Profile(user.first_name, user.units, user.timezone, record),
            )
        )
    return claimed


def _set_blocked(user_id: int, blocked: bool, tx: Transaction) -> None:
    row = tx.db.get(Reminder, user_id, with_for_update=True)
    if row is None or row.blocked == blocked:
        return
    row.blocked = blocked
    plan(row, tx.db.scalar(select(User.timezone).where(User.id == user_id)), tx.now)
