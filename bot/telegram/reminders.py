"""Reminders in the bot: the Telegram sender, the tick on PTB's job queue, and blocked /
unblocked from my_chat_member updates. The runner and the store do the rest
(`scheduler.runner`, `bot.storage.reminder_store`).
"""

from __future__ import annotations

import asyncio
import logging
import warnings
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram import ChatMember, Update
from telegram.constants import ChatType, ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application, ChatMemberHandler

from bot import metrics
from bot.storage.reminder_store import SqlReminderStore
from bot.telegram.replies import keyboard
from bot.telegram.services import Context, services
from dialogs.reminder import reminder_message
from dialogs.session import Profile
from scheduler.runner import BLOCKED, SENT, Delivery, DueReminder, Kind, Runner, Tally

if TYPE_CHECKING:
    from bot.conversation import Conversations
    from bot.runtime import Runtime

log = logging.getLogger(__name__)


# --- the sender -----------------------------------------------------------------------------
class TelegramSender:
    def __init__(self, bot: Any, conversations: Conversations):
        self.bot, self.conversations = bot, conversations

    async def send(self, reminder: DueReminder, kind: Kind, now: datetime) -> Delivery:
        reply = reminder_message(self.conversations.coach, reminder.profile or Profile(), kind, reminder.due, now)
        message = self.conversations.render(reply, version=0)  # anytime buttons carry no version
        try:
            await self.bot.send_message(
                reminder.chat_id, message.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(message)
            )
        except Forbidden:
            return BLOCKED
        except BadRequest as error:
            if "chat not found" in error.message.lower():
                return BLOCKED
            raise
        except RetryAfter as error:
            return Delivery("retry", _seconds(error))
        metrics.REMINDER_LAG.observe(max(0.0, (now - reminder.due).total_seconds()))
        return SENT


def _seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():  # PTB warns that an int will become a timedelta
        warnings.simplefilter("ignore")
        wait = error.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


# --- wiring ---------------------------------------------------------------------------------
class Reminders:
    """This process's runner, and the drain in progress (one at a time; ticks only wake it)."""

    def __init__(self, store: SqlReminderStore, runner: Runner):
        self.store, self.runner = store, runner
        self.draining: asyncio.Task[Tally] | None = None

    async def drain(self, application: Application) -> Tally:
        """Send what is due; stop between two sends when the application stops."""
        tally = Tally()
        try:
            tally = await self.runner.drain(keep_going=lambda: application.running)
        except Exception:  # the next tick tries again; claims left behind lapse
            log.exception("the reminder runner failed")
        counts = asdict(tally)
        for result, count in counts.items():
            if count:
                metrics.REMINDERS.labels(result).inc(count)
        if any(counts.values()):
            log.info("reminders: %s", " ".join(f"{result}={count}" for result, count in counts.items()))
        try:
            metrics.REMINDERS_DUE.set(await self.store.count_due(self.runner.clock.now()))
        except Exception:  # noqa: BLE001 — the database is down: /healthz says so, the gauge keeps its value
            log.warning("could not count the reminders still due")
        return tally


def install(application: Application, runtime: Runtime) -> None:
    """Reminders in this process: the tick on the job queue and the my_chat_member handler."""
    store = SqlReminderStore(runtime.store)
    sender = TelegramSender(application.bot, runtime.conversations)
    services(application).reminders = Reminders(store, Runner(store, sender, rate=runtime.settings.reminder_rate))
    application.add_handler(ChatMemberHandler(on_chat_member, ChatMemberHandler.MY_CHAT_MEMBER))
    if application.job_queue is not None:
        application.job_queue.run_repeating(
            _tick, interval=runtime.settings.reminder_tick_seconds, first=1, name="reminders"
        )


async def _tick(context: Context) -> None:
    """Wake the drain, unless one is still sending (a big batch takes longer than a tick)."""
    reminders = context.bot_data.reminders
    if reminders.draining is None or reminders.draining.done():
        reminders.draining = context.application.create_task(reminders.drain(context.application), name="reminders")


async def on_chat_member(update: Update, context: Context) -> None:
    """The user blocked the bot (kicked) or unblocked it (member again) in their private chat."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    if status not in (ChatMember.BANNED, ChatMember.MEMBER):
        return
    reminders = context.bot_data.reminders
    await reminders.store.set_blocked(change.from_user.id, status == ChatMember.BANNED, datetime.now(UTC))
