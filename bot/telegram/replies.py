"""Replies after the commit: the runner is told what was stored, never something else.

An event's replies are in the outbox (`bot.storage.outbox`), written in its transaction. Once it has
committed, the update is done (polling may confirm it, the webhook answers 200) and its replies
are handed to this chat's worker: one worker per chat sends that chat's replies in order, so a
chat whose sends hang or fail holds up only itself, never the other chats or the next updates.
A send the network lost, or that Telegram answered with a 5xx or a 429, is tried again (with a
growing pause) until Telegram takes it; it is never replaced by an apology, because the update
did take effect. A reply Telegram refuses for good (400) is skipped and logged, a chat that
blocked the bot (403) gets nothing more. Sent entries are deleted in batches. A reply's file
(a chart, a CSV) is made by the worker just before the reply goes, while the entry is held: the
outbox keeps how to make it, not the file, so an entry sent after a crash brings its file too.

The outbox entries this process holds are kept claimed (`bot.storage.outbox.LEASE`, renewed every two
seconds); entries whose claim lapsed (their process died before sending) are claimed and sent by
the next process that looks, at most `bot.storage.outbox.MAX_CLAIMS` times each, and only while the
runner has not moved on since (`bot.storage.outbox`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import Bot, CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, MaybeInaccessibleMessage
from telegram.constants import ChatAction, ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError

from bot import metrics
from bot.effect_answers import Later, Recipe
from bot.message import Attachment, Message
from bot.storage import cards, outbox
from bot.storage.store import Store, Unavailable
from bot.telegram import bot_api

log = logging.getLogger(__name__)
MakeFile = Callable[[int, Later | None, Recipe], Awaitable[Attachment | None]]
CAPTION_LIMIT = 1024  # UTF-16 code units of a photo's or document's caption
# In a group, a card's callback data ends in OWNER and the id of the runner it was shown to: the
# buttons act only for them (a member's tap on another's "Yes, delete everything" must not act
# for the tapper). Data stays under Telegram's 64 bytes: the longest payload is 47.
OWNER = "~"
RETRY_PAUSES = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)  # seconds before each new attempt; then every 30 s
LAST_PAUSE = 30.0
TICK = 2.0  # seconds between looks for entries whose claim lapsed
RENEW_EVERY = outbox.LEASE.total_seconds() / 3
# Telegram shows a chat action ("sending a file…") for 5 s or until the next message: said again
# this often while a long export or a chart is still being made.
PREPARING_EVERY = 4.0
# Seconds a runner's next update waits for the replies before it to be sent and noted (`settled`):
# a send takes a round trip and the note a commit; a send that takes longer holds up no more.
SETTLE = 1.0


@dataclass
class Job:
    """Replies for one chat: an outbox entry's messages (`entry` None: only a tap to answer)."""

    entry: int | None
    user_id: int
    chat_id: int
    messages: tuple[Message, ...] = ()
    sent: int = 0  # how many of `messages` went out
    query: CallbackQuery | None = None
    notice: str = ""
    moved: bool = False
    # replies for a group member sent privately: (the group, what to tell it once they went, what
    # to tell it if the runner never opened the private chat)
    group: tuple[int, str, str] | None = None
    later: dict[int, Later] = field(default_factory=dict)  # the files still to make, by message index

    @property
    def owner(self) -> int | None:
        """Whose the cards are, when they go to a group (see OWNER); a private chat's id is the user's."""
        return None if self.chat_id == self.user_id else self.user_id

    @classmethod
    def of(cls, entry: outbox.Entry) -> Job:
        messages = tuple(Message.from_json(m) for m in entry.messages)
        return cls(entry.id, entry.user_id, entry.chat_id, messages, entry.sent)


class Replies:
    """`file(user_id, later, recipe)` makes a message's file just before it is sent: from the
    event's `Job.later`, or anew from its recipe when the entry comes from the outbox (a crash)
    (`bot.conversation.Conversations.file`)."""

    def __init__(self, store: Store, bot: Any, pseudonym: Any = str, file: MakeFile | None = None):
        self.store, self.bot, self.pseudonym, self.file = store, bot, pseudonym, file
        self._queues: dict[int, deque[Job]] = {}
        self._workers: dict[int, asyncio.Task[None]] = {}
        self._held: set[int] = set()  # outbox entries in this process's hands
        self._done: list[tuple[int, int, list[tuple[int, int, int, str]]]] = []  # sent: (entry, chat, refs)
        self._unsettled: dict[int, int] = {}  # chat id -> its entries held and not yet marked sent
        self._settled: dict[int, asyncio.Event] = {}  # chat id -> set once none is left
        self._failing: set[int] = set()  # chats whose last send failed (they are tried again)
        self._flushing: asyncio.Task[None] | None = None
        self._ticking: asyncio.Task[None] | None = None

    def send(self, job: Job) -> None:
        """Queue `job` behind the chat's earlier replies; returns at once."""
        if job.entry is not None:
            self._held.add(job.entry)
            self._unsettled[job.chat_id] = self._unsettled.get(job.chat_id, 0) + 1
            self._settled.setdefault(job.chat_id, asyncio.Event())
        queue = self._queues.get(job.chat_id)
        if queue is not None:
            queue.append(job)
            return
        self._queues[job.chat_id] = deque([job])
        self._workers[job.chat_id] = asyncio.create_task(self._work(job.chat_id), name=f"replies:{job.chat_id}")

    async def idle(self) -> None:
        """Wait until every reply queued is sent and its entry deleted."""
        while tasks := [*self._workers.values(), *(t for t in (self._flushing,) if t and not t.done())]:
            await asyncio.wait(tasks)

    async def settled(self, chat_id: int, timeout: float = SETTLE) -> None:
        """Wait (up to `timeout` seconds) until the replies queued for `chat_id` are sent and what
        they are about is noted. The runner may be answering a card whose id Telegram gave only a
        moment ago: handled before its id is noted, their answer could not edit or collapse it."""
        event = self._settled.get(chat_id)
        if event is not None and chat_id not in self._failing:  # failing: the runner saw nothing new
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), timeout)

    def start(self) -> None:
        """Look for entries other processes left (a crash) every `TICK` seconds, and keep this one's claimed."""
        self._ticking = asyncio.create_task(self._tick_forever(), name="replies:tick")

    async def stop(self, timeout: float) -> None:
        """Send what is queued for up to `timeout` seconds, then give back the claims on the rest."""
        if self._ticking is not None:
            self._ticking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticking
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.idle(), timeout)
        left = {job.entry: job.sent for queue in self._queues.values() for job in queue if job.entry is not None}
        running = [*self._workers.values(), *(t for t in (self._flushing,) if t and not t.done())]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await self._flush(again=False)
        if left:
            try:
                await self.store.run(partial(outbox.release, progress=left))
            except Unavailable as error:
                log.warning("could not give back %d reply claim(s) (%s); they lapse", len(left), error)

    # --- the chat's worker ------------------------------------------------------------------

    async def _work(self, chat_id: int) -> None:
        queue = self._queues[chat_id]
        try:
            while queue:
                await self._deliver(queue[0])
                queue.popleft()
        finally:
            del self._queues[chat_id], self._workers[chat_id]

    async def _deliver(self, job: Job) -> None:
        """Answer the tap and take the buttons off the tapped card if its step is over, at the
        same time as the first message goes (a tap costs one round trip), then the rest in order."""
        chores = []
        if job.query is not None:
            chores.append(asyncio.ensure_future(answer(job.query, job.notice)))
            tapped = job.query.message
            if job.moved and tapped is not None and tapped.message_id not in {m.edit for m in job.messages}:
                chores.append(asyncio.ensure_future(_drop_buttons(self.bot, tapped)))
        refs: list[tuple[int, int, int, str]] = []
        told = job.group[1] if job.group else ""
        try:
            while job.sent < len(job.messages):
                message = job.messages[job.sent]
                if message.recipe and message.file is None:
                    message = replace(message, file=await self._file(job, message))
                *_, sent = await asyncio.gather(*chores, self._patiently(job, message))
                chores = []
                job.sent += 1
                ref = message.ref or (cards.REF + message.card if message.card else "")  # a new live card
                if sent is not None and ref:
                    refs.append((job.user_id, job.chat_id, sent, ref))
        except Forbidden:
            metrics.REPLIES.labels("blocked").inc()
            log.info("user=%s blocked the bot: %d reply(s) not sent", self.pseudonym(job.user_id), len(job.messages))
            told = job.group[2] if job.group else ""
        await asyncio.gather(*chores)
        if job.group is not None:  # a courtesy in the group: best effort
            with contextlib.suppress(TelegramError):
                await self.bot.send_message(job.group[0], told, parse_mode=ParseMode.HTML)
        if job.entry is not None:
            self._done.append((job.entry, job.chat_id, refs))
            if self._flushing is None or self._flushing.done():
                self._flushing = asyncio.create_task(self._flush(), name="replies:flush")

    async def _file(self, job: Job, message: Message) -> Attachment | None:
        """The message's file, made now ("sending a photo…" in the chat meanwhile), again and
        again while the database is unavailable; None when there is nothing to show any more or
        making it failed otherwise: the words go alone."""
        if self.file is None:
            return None
        kind = dict(message.recipe).get("kind", "document")
        pauses = iter(RETRY_PAUSES)
        while True:
            making = asyncio.ensure_future(self.file(job.user_id, job.later.get(job.sent), message.recipe))
            while not making.done():
                await _preparing(self.bot, job.chat_id, kind)
                await asyncio.wait({making}, timeout=PREPARING_EVERY)
            try:
                return making.result()
            except Unavailable as error:  # the log cannot be read just now: the file is worth the wait
                pause = next(pauses, LAST_PAUSE)
                log.warning("making a reply's file failed (%s); trying again in %.1fs", error, pause)
                await asyncio.sleep(pause)
            except Exception:  # the words were committed and go out whatever the file does
                log.exception("user=%s: the file of a reply could not be made", self.pseudonym(job.user_id))
                return None

    async def _patiently(self, job: Job, message: Message) -> int | None:
        """Send `message`, again and again while the network or Telegram fails: the id of the
        message sent, None if it was an edit or Telegram refuses it for good (a 400: it would never go)."""
        pauses = iter(RETRY_PAUSES)
        while True:
            try:
                if message.edit:
                    if await _edit(self.bot, job.chat_id, message, job.owner) or not message.buttons:
                        return None  # edited; or a record for a card that is gone: nothing to send
                    message = replace(message, edit=0)  # the card cannot be edited: a new one instead
                sent = await _send(self.bot, job.chat_id, message, job.owner)
            except Forbidden:
                raise
            except (BadRequest, ChatMigrated) as error:  # BadRequest is a NetworkError: checked first
                metrics.REPLIES.labels("refused").inc()
                log.error("update reply refused by Telegram (%s); skipped", error.message)
                return None
            except RetryAfter as error:
                wait = error.retry_after
                pause = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            except TelegramError as error:  # the network, a timeout, a 5xx
                pause = next(pauses, LAST_PAUSE)
                log.warning("sending a reply failed (%s); trying again in %.1fs", type(error).__name__, pause)
            else:
                self._failing.discard(job.chat_id)
                metrics.REPLIES.labels("sent").inc()
                return sent
            self._failing.add(job.chat_id)
            metrics.REPLIES.labels("retried").inc()
            await asyncio.sleep(pause)

    # --- the outbox -------------------------------------------------------------------------

    async def _flush(self, again: bool = True) -> None:
        """Delete the entries sent (one transaction for all that are waiting); while the database
        is unavailable, try `again` every `TICK` (else leave them: they are sent again later)."""
        while self._done:
            done, self._done = self._done, []
            ids = [entry for entry, _, _ in done]
            refs = [ref for _, _, entry_refs in done for ref in entry_refs]
            try:
                await self.store.run(partial(outbox.finish, done=ids, refs=refs))
            except Unavailable as error:
                self._done[:0] = done
                log.warning("could not mark %d sent reply(s) (%s)", len(ids), error)
                if not again:
                    return
                await asyncio.sleep(TICK)
                continue
            self._held.difference_update(ids)
            for _, chat_id, _ in done:
                left = self._unsettled.pop(chat_id) - 1
                if left:
                    self._unsettled[chat_id] = left
                else:
                    self._settled.pop(chat_id).set()
                    self._failing.discard(chat_id)

    async def _tick_forever(self) -> None:
        renewed = time.monotonic()
        while True:
            try:
                if self._held and time.monotonic() - renewed >= RENEW_EVERY:
                    await self.store.run(partial(outbox.renew, ids=sorted(self._held)))
                    renewed = time.monotonic()
                claimed = await self.store.run(partial(outbox.claim, skip=frozenset(self._held)))
            except Unavailable as error:
                log.warning("could not look at the outbox (%s)", error)
            else:
                for entry in claimed.superseded:
                    metrics.REPLIES.labels("superseded").inc()
                    log.info(
                        "update=%s user=%s: replies left by a stopped process dropped, the runner moved on",
                        entry.update_id,
                        self.pseudonym(entry.user_id),
                    )
                for entry in claimed.given_up:
                    metrics.REPLIES.labels("given_up").inc()
                    log.error(
                        "update=%s user=%s: replies given up after %d claims",
                        entry.update_id,
                        self.pseudonym(entry.user_id),
                        outbox.MAX_CLAIMS,
                    )
                for entry in claimed.taken:
                    self.send(Job.of(entry))
            await asyncio.sleep(TICK)


def rows(message: Message, owner: int | None = None) -> bot_api.Rows:
    """The message's buttons as the Bot API spells them (a link button's data is its https URL);
    marked as `owner`'s (see OWNER) for a group chat."""
    mark = "" if owner is None else f"{OWNER}{owner}"
    return [
        [
            {"text": label, "url": data}
            if data.startswith("https://")
            else {"text": label, "callback_data": data + mark}
            for label, data in row
        ]
        for row in message.buttons
    ]


def keyboard(message: Message, owner: int | None = None) -> InlineKeyboardMarkup | None:
    """The message's buttons for PTB's methods (see `rows`)."""
    if not message.buttons:
        return None
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(b["text"], url=b.get("url"), callback_data=b.get("callback_data")) for b in row]
            for row in rows(message, owner)
        ]
    )


async def answer(query: CallbackQuery, notice: str) -> None:
    """Best effort: a tap not answered stops spinning by itself."""
    try:
        await query.answer(notice or None)
    except TelegramError as error:  # too old (a redelivery after a restart), or the network
        log.debug("could not answer the button: %s", error)


async def _preparing(bot: Bot, chat_id: int, kind: str) -> None:
    """ "sending a photo…" / "sending a file…" in the runner's chat while the file is made (a file
    is only ever the runner's own data, answered in their private chat). Best effort."""
    action = ChatAction.UPLOAD_PHOTO if kind == "photo" else ChatAction.UPLOAD_DOCUMENT
    try:
        await bot.send_chat_action(chat_id, action)
    except TelegramError as error:
        log.debug("could not send the chat action: %s", type(error).__name__)


async def _drop_buttons(bot: Bot, tapped: MaybeInaccessibleMessage) -> None:
    """The tapped card's buttons belong to a step that is over: remove them from the chat
    (best effort: a tap on them later gets "that menu is out of date")."""
    try:
        await bot_api.drop_buttons(bot, tapped.chat.id, tapped.message_id)
    except TelegramError as error:  # already without buttons, too old to edit, or the network
        log.debug("could not remove buttons: %s", error)


async def _edit(bot: Any, chat_id: int, message: Message, owner: int | None) -> bool:
    """Show `message` in the message it edits (only take its buttons away when it has no text);
    False when Telegram cannot edit it (deleted by the runner, or too old). Other failures (the
    network, 429) raise, to be tried again."""
    try:
        if message.text:
            await bot_api.edit_text(bot, chat_id, message.edit, message.text, bot_api.markup(rows(message, owner)))
        else:
            await bot_api.drop_buttons(bot, chat_id, message.edit)
    except BadRequest as error:
        if metrics.not_modified(error):
            return True
        log.debug("could not edit message: %s", error)
        return False
    return True


async def _send(bot: Bot, chat_id: int, message: Message, owner: int | None) -> int:
    """A text, or a photo or document with the text as its caption (or after it, when too long
    for one: the HTML is never shorter than the text Telegram counts); the id of the message sent."""
    file = message.file
    if file is None:
        return await bot_api.send_text(bot, chat_id, message.text, bot_api.markup(rows(message, owner)))
    send = bot.send_photo if file.kind == "photo" else bot.send_document
    if len(message.text.encode("utf-16-le")) // 2 <= CAPTION_LIMIT:
        sent = await send(
            chat_id,
            file.content,
            caption=message.text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard(message, owner),
            filename=file.filename,
        )
        return sent.message_id
    await send(chat_id, file.content, filename=file.filename)
    return await bot_api.send_text(bot, chat_id, message.text, bot_api.markup(rows(message, owner)))
