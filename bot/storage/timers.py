"""Timers that ring whatever happens in between (a rest's end): stored with the conversation,
fired by any process.

The engine keeps the current step's timer in the session (`Turn.set_timer`); saving the session
copies its due time to `conversations.wake_at` (indexed) and voids any claim on the step
before. A runner claims due rows like the reminder runner does (`bot.storage.reminder_store`): in small
batches, `FOR UPDATE SKIP LOCKED` on PostgreSQL (SQLite's `BEGIN IMMEDIATE` admits one writer),
each with a lease. Ringing one is one transaction under the user's row lock that first takes
the claim back, guarded by its value (`release`): a claim voided by the runner's own step, or
lapsed and taken by another process, rings nothing. So a restart loses no timer (the next tick
finds it due), and with several replicas each timer rings once.

A tick every `ARMSWING_TIMER_TICK_SECONDS` finds what a restart or another replica left; the
process that set a timer also wakes the runner at its due time, so a rest ends on time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import bindparam, or_, select, update

from bot.storage.models import Conversation, User, core_table
from bot.storage.store import Store, Transaction, Who
from scheduler.policy import utc

log = logging.getLogger(__name__)
BATCH = 50  # rows per claim
LEASE = timedelta(seconds=15)  # a claim left by a crashed process lapses after this
_TABLE = core_table(Conversation)
_RELEASE = (
    update(_TABLE)
    .where(_TABLE.c.user_id == bindparam("b_user"), _TABLE.c.wake_claimed_until == bindparam("b_claim"))
    .values(wake_claimed_until=None)
)


@dataclass(frozen=True)
class Due:
    """A claimed timer: whose, and the claim (the lease's end) that alone may ring it."""

    who: Who
    claim: datetime


async def claim(
    store: Store, now: datetime, *, user_id: int | None = None, limit: int = BATCH, lease: timedelta = LEASE
) -> list[Due]:
    """Due timers nobody holds, leased until `now + lease` (only `user_id`'s, if given)."""
    now = utc(now)
    return await store.run(partial(_claim, user_id=user_id, limit=limit, until=now + lease), now)


def _claim(tx: Transaction, *, user_id: int | None, limit: int, until: datetime) -> list[Due]:
    now = tx.now
    query = (
        select(_TABLE.c.user_id, _TABLE.c.wake_chat, User.chat_id, User.first_name)
        .join(User, User.id == _TABLE.c.user_id)
        .where(
            _TABLE.c.wake_at <= now,
            or_(_TABLE.c.wake_claimed_until.is_(None), _TABLE.c.wake_claimed_until < now),
        )
        .order_by(_TABLE.c.wake_at)
        .limit(limit)
        .with_for_update(of=_TABLE, skip_locked=True)
    )
    if user_id is not None:
        query = query.where(_TABLE.c.user_id == user_id)
    rows = tx.connection.execute(query).all()
    if rows:
        tx.connection.execute(
            update(_TABLE).where(_TABLE.c.user_id.in_([row.user_id for row in rows])).values(wake_claimed_until=until)
        )
    return [
        Due(
            Who(
                row.user_id,
                row.chat_id,
                row.first_name,
                None if row.wake_chat in (None, row.chat_id) else row.wake_chat,
            ),
            until,
        )
        for row in rows
    ]


def release(tx: Transaction, due: Due) -> bool:
    """Take the claim back inside the ringing transaction (after the user's row lock); False if
    it is no longer this claim (the conversation moved on, or the lease lapsed to another)."""
    result = tx.connection.execute(_RELEASE, {"b_user": due.who.user_id, "b_claim": due.claim})
    return bool(result.rowcount)


Fire = Callable[[Due], Awaitable[None]]
Spawn = Callable[[Coroutine[Any, Any, int]], "asyncio.Task[int]"]


class TimerRunner:
    """This process's runner: one drain at a time; a wake-up during a drain makes it look again."""

    def __init__(self, store: Store, fire: Fire, *, user_id: int | None = None, spawn: Spawn = asyncio.create_task):
        """`user_id`: ring only that user's timers (the terminal chat shares the bot's database).
        `spawn` starts the drain (PTB's `Application.create_task` waits for it at shutdown)."""
        self.store, self.fire, self.user_id, self.spawn = store, fire, user_id, spawn
        self._draining: asyncio.Task[int] | None = None
        self._again = False

    def wake(self) -> asyncio.Task[int]:
        """Start a drain, or make the one in progress claim once more when it is done."""
        if self._draining is not None and not self._draining.done():
            self._again = True
            return self._draining
        self._draining = self.spawn(self.drain())
        return self._draining

    async def drain(self) -> int:
        """Ring every due timer; how many were claimed. A failure is logged: its claim lapses and
        a later tick tries again."""
        rung = 0
        while True:
            self._again = False
            try:
                batch = await claim(self.store, datetime.now(UTC), user_id=self.user_id)
            except Exception:
                log.exception("the timer runner could not claim due timers")
                return rung
            if batch:
                for outcome in await asyncio.gather(*(self.fire(due) for due in batch), return_exceptions=True):
                    if isinstance(outcome, BaseException):
                        log.error("a timer failed to ring", exc_info=outcome)
            rung += len(batch)
            if not batch and not self._again:
                return rung
