"""Telegram in and out: an update becomes an engine event, a result becomes messages.

All handlers call `dispatch`; it is the only place that knows both PTB and the conversation.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeGuard, cast

from telegram import (
    CallbackQuery,
    Chat,
    Document,
    Update,
)
from telegram.constants import ChatType, ParseMode
from telegram.error import TelegramError
from telegram.ext import Application

from bot import logs, metrics
from bot.conversation import Conversations, Result
from bot.storage.store import Unavailable, Who
from bot.storage.timers import Due, TimerRunner
from bot.telegram.processor import PerUserUpdateProcessor
from bot.telegram.replies import OWNER, Job, answer
from bot.telegram.services import Context, services
from dialogs.events import Event
from dialogs.imports import MAX_BYTES
from dialogs.text import one_line

log = logging.getLogger(__name__)
CSV_TYPES = frozenset({"text/csv", "text/comma-separated-values", "application/csv"})
NAME_LENGTH = 64  # Telegram's limit for a first name
FILE_NAME_LENGTH = 255  # the longest file name most file systems keep


class Verdict:
    """Whether the update being handled is done for good, or must come again from Telegram
    because its transaction could not be stored (`bot.storage.store.Unavailable`)."""

    def __init__(self) -> None:
        self.again = False


_VERDICT: ContextVar[Verdict | None] = ContextVar("verdict", default=None)


@contextlib.contextmanager
def verdict() -> Iterator[Verdict]:
    """The verdict on the update handled inside (PTB runs its handlers in the caller's task)."""
    found = Verdict()
    token = _VERDICT.set(found)
    try:
        yield found
    finally:
        _VERDICT.reset(token)


def translate(
    update: Update, now: datetime, groups: frozenset[int] = frozenset(), me: str | None = None
) -> tuple[Who, Event] | None:
    """The engine's view of an update, or None for updates the coach does not answer (channel
    posts, service messages, edits of anything but a text, group chats other than the `groups`
    allowed, and commands addressed to another bot than `me`: `/cancel@OtherBot`). An edited
    text is an event of its own (`Event.edited`): it may correct the entry its message logged."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or chat is None or user.is_bot or not answers_in(chat, groups):
        return None
    # A private chat's id is the user's id: reminders go there, even when they talk in a group.
    # The name as the runner's other input: cleaned (`dialogs.text`), so a NUL cannot break storage.
    who = Who(
        user.id,
        user.id,
        one_line(user.first_name or "", NAME_LENGTH),
        None if chat.type == ChatType.PRIVATE else chat.id,
    )
    event = _event(update, who, now, me)
    if event is None:
        return None
    return who, replace(event, in_group=True) if who.group_chat is not None else event


def _event(update: Update, who: Who, now: datetime, me: str | None) -> Event | None:
    if update.callback_query is not None:
        data = update.callback_query.data or ""
        if who.group_chat is not None:  # a card in a group: its owner's mark is not the engine's
            data = data.rpartition(OWNER)[0]
        return Event.from_button(data, now, who.first_name)
    if update.edited_message is not None:
        text = update.edited_message.text
        return None if text is None else Event.from_text(text, now, who.first_name, edited=True)
    message = update.message
    if message is None:
        return None
    if message.text is not None:
        return None if for_another_bot(message.text, me) else Event.from_text(message.text, now, who.first_name)
    if is_csv(message.document):
        return Event(
            "document",
            now,
            payload=one_line(message.document.file_name or "", FILE_NAME_LENGTH),
            first_name=who.first_name,
        )
    return Event("media", now, first_name=who.first_name)


def for_another_bot(text: str, me: str | None) -> bool:
    """A command addressed to another bot (`/cancel@OtherBot`, in a group with several bots)."""
    head = text.split(maxsplit=1)[0] if text.startswith("/") else ""
    addressee = head.partition("@")[2]
    return bool(addressee and me and addressee.casefold() != me.casefold())


def is_csv(document: Document | None) -> TypeGuard[Document]:
    """A document the coach reads (another app's export): a .csv name or a CSV media type."""
    if document is None:
        return False
    return (document.file_name or "").lower().endswith(".csv") or document.mime_type in CSV_TYPES


async def with_document(update: Update, event: Event) -> Event:
    """The event with the document's bytes, fetched from Telegram (getFile and its URL); a file
    over `MAX_BYTES` is not fetched and comes as empty (the coach says it is too large)."""
    document = update.effective_message.document if update.effective_message else None
    if document is None or (document.file_size or 0) > MAX_BYTES:
        return event
    file = await document.get_file()
    return replace(event, document=bytes(await file.download_as_bytearray()))


def message_id(update: Update) -> int | None:
    """The id of the runner's own message (new or edited): what it logged is remembered by it."""
    message = update.message or update.edited_message
    return None if message is None else message.message_id


def tapped(update: Update) -> int | None:
    """The id of the coach's message whose button this update is."""
    query = update.callback_query
    return None if query is None or query.message is None else query.message.message_id


def answers_in(chat: Chat, groups: frozenset[int]) -> bool:
    """Private chats, and the group chats the operator allowed (ARMSWING_GROUP_CHATS)."""
    return chat.type == ChatType.PRIVATE or (chat.type in (ChatType.GROUP, ChatType.SUPERGROUP) and chat.id in groups)


def replied_to(update: Update) -> int | None:
    """The id of the coach's message that this message is a Telegram reply to, if it is one."""
    original = update.message.reply_to_message if update.message is not None else None
    if original is None or original.from_user is None or not original.from_user.is_bot:
        return None
    return original.message_id


def shown_to(query: CallbackQuery) -> bool:
    """Whether the tapped card (in a group) was shown to the member who tapped it."""
    return (query.data or "").rpartition(OWNER)[2] == str(query.from_user.id)


async def dispatch(update: Update, context: Context) -> None:
    """One update: translate, handle in one transaction, answer, and log one line about it
    (never the message text: it is the runner's)."""
    started = time.perf_counter()
    conversations = context.bot_data.conversations
    translated = translate(
        update, datetime.now(UTC), context.bot_data.runtime.settings.group_chats, context.bot.username
    )
    if translated is None:
        metrics.UPDATES.labels("ignored", "ignored").inc()
        return
    who, event = translated
    if event.kind == "document":
        event = await with_document(update, event)
    if who.group_chat is not None and update.callback_query is not None and not shown_to(update.callback_query):
        await answer(update.callback_query, conversations.notice("group/not_your_card"))  # a toast, nothing else
        metrics.UPDATES.labels(event.kind, "not_yours").inc()
        return
    replies = context.bot_data.replies
    for chat_id in {who.answer_chat, who.chat_id}:  # what the runner saw last has its id noted
        await replies.settled(chat_id)
    try:
        result = await conversations.handle(
            who,
            event,
            update.update_id,
            replied_to(update),
            message_id(update),
            tapped(update),
            outbox=True,
        )
    except Unavailable as error:  # nothing was stored: no reply, no apology; Telegram sends it again
        found = _VERDICT.get()
        if found is not None:
            found.again = True
        metrics.UPDATES.labels(event.kind, "unavailable").inc()
        log.warning("update=%s not stored (database unavailable: %s); it will come again", update.update_id, error)
        return
    committed(context.application, who, result, event.kind, started, update.update_id, update.callback_query)


def committed(
    application: Application,
    who: Who,
    result: Result,
    kind: str,
    started: float,
    update_id: int | None = None,
    query: CallbackQuery | None = None,
) -> None:
    """What follows every committed event, an update or a timer: its replies to the chat's
    worker, the next timer, the metrics and one log line (never the message text: it is the
    runner's). `started`: `time.perf_counter()` when the event began."""
    if not result.repeated:  # a repeat's replies are in the outbox already, or were sent
        reply(application, who, result, query)
    wake_timers_at(application, result.wake_at)
    elapsed = time.perf_counter() - started
    outcome = "repeated" if result.repeated else "ok"
    metrics.UPDATES.labels(kind, outcome).inc()
    metrics.LATENCY.labels(kind).observe(elapsed)
    log.info(
        "%s user=%s event=%s state=%s->%s latency_ms=%.1f outcome=%s",
        "timer" if update_id is None else f"update={update_id}",
        services(application).pseudonym(who.user_id),
        kind,
        result.before,
        result.after,
        elapsed * 1000,
        outcome,
        extra=logs.EVERY_ONE,
    )


def reply(application: Application, who: Who, result: Result, query: CallbackQuery | None = None) -> None:
    """Hand the committed replies (and the tap to answer) to the chat's worker (`bot.telegram.replies`).
    The runner's own data asked for in a group goes privately, and the group is told where (or,
    if the runner never opened the private chat, how to)."""
    if result.outbox is None and query is None:
        return
    job = Job(
        result.outbox,
        who.user_id,
        result.chat,
        result.messages,
        query=query,
        notice=result.notice,
        later=dict(result.later),
    )
    job.moved = result.moved or result.stale  # the tapped card's buttons go (unless it is edited)
    if result.chat != who.answer_chat:
        conversations = services(application).conversations
        job.group = (
            who.answer_chat,
            conversations.notice("group/answered_privately", name=who.first_name),
            conversations.notice("group/start_privately", name=who.first_name),
        )
    services(application).replies.send(job)


def wake_timers_at(application: Application, when: datetime | None) -> None:
    """A step set a timer due at `when`: wake the timer runner then (the tick is the safety net
    for timers a restart or another replica left)."""
    if when is None or application.job_queue is None:
        return
    delay = max(0.0, (when - datetime.now(UTC)).total_seconds())
    application.job_queue.run_once(_wake_timers, when=delay, name="timers")


async def _wake_timers(context: Context) -> None:
    context.bot_data.timers.wake()


def install_timers(application: Application, conversations: Conversations, tick_seconds: float) -> None:
    """This process's timer runner: it rings each due timer in its user's turn and sends what it says."""

    async def ring(due: Due) -> None:
        async def handle() -> None:
            started = time.perf_counter()
            result = await conversations.wake(due, datetime.now(UTC), outbox=True)
            if result is not None:
                committed(application, due.who, result, "timer", started)

        await cast(PerUserUpdateProcessor, application.update_processor).run_for(due.who.user_id, handle())

    services(application).timers = TimerRunner(conversations.store, ring, spawn=application.create_task)
    if application.job_queue is not None:
        application.job_queue.run_repeating(_wake_timers, interval=tick_seconds, first=1, name="timers")


async def on_error(update: object, context: Context) -> None:
    """Log the failure with its update id and tell the user politely; other chats go on."""
    update_id = update.update_id if isinstance(update, Update) else None
    metrics.ERRORS.inc()
    log.error("update %s failed", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if not answers_in(update.effective_chat, context.bot_data.runtime.settings.group_chats):
        return
    conversations = context.bot_data.conversations
    if update.callback_query is not None:
        with contextlib.suppress(TelegramError):  # the handler may have answered it already
            await update.callback_query.answer()
    try:
        await context.bot.send_message(
            update.effective_chat.id, conversations.error_message().text, parse_mode=ParseMode.HTML
        )
    except Exception:  # noqa: BLE001 — the apology is best effort; the failure is already logged
        log.warning("update %s: could not send the apology", update_id)
