"""One event, start to finish, for any adapter: load the session, step the engine, render the
replies, and commit it all in one transaction. Telegram and the terminal both come through here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime
from functools import partial
from typing import Any

from bot.effect_answers import Later, Recipe
from bot.files import Files
from bot.message import Attachment, Message
from bot.storage import cards, effects, logbook, outbox, sessions, timers
from bot.storage.store import Store, Transaction, Who
from bot.storage.timers import Due
from dialogs.coach import Coach
from dialogs.effects import DeleteData
from dialogs.engine import step
from dialogs.events import Event
from dialogs.history import display_names
from dialogs.outcome import Reply
from dialogs.session import Session

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Result:
    messages: tuple[Message, ...]
    chat: int = 0  # where the messages go (a redelivery's: where the first replies went)
    notice: str = ""
    repeated: bool = False  # a redelivered update: nothing changed, these are the first replies again
    moved: bool = False  # the conversation moved on, so older buttons no longer work
    stale: bool = False  # the tap was on an older card: take its buttons away
    wake_at: datetime | None = None  # a timer the step set, due then (`bot.storage.timers` fires it)
    later: tuple[tuple[int, Later], ...] = ()  # files still to make for these messages (by index)
    outbox: int | None = None  # the outbox entry of these messages (`bot.storage.outbox`), when asked for
    forgotten: bool = False  # the runner's data was deleted (/deletedata): forget what is kept of it in memory
    before: str = ""  # the state the event found, and the one it left (for the logs)
    after: str = ""


class Conversations:
    def __init__(self, store: Store, coach: Coach, files: Files):
        self.store = store
        self.coach = coach
        self.files = files

    def render(self, reply: Reply, version: int) -> Message:
        text = self.coach.catalog.render(reply.template, reply.context)
        buttons = tuple(tuple((b.label, b.data(version)) for b in row) for row in reply.buttons if row)
        record = "" if reply.record is None else self.coach.catalog.render(reply.record.template, reply.record.context)
        stepwise = not reply.card and any(not b.anytime and not b.url for row in reply.buttons for b in row)
        ref = reply.ref or (cards.KEYS if stepwise else "")  # its buttons go when the conversation moves on
        return Message(text, buttons, ref=ref, card=reply.card, record=record.strip(), fold=reply.fold)

    async def handle(
        self,
        who: Who,
        event: Event,
        update_id: int | None = None,
        replying_to: int | None = None,
        message_id: int | None = None,
        tapped: int | None = None,
        *,
        outbox: bool = False,
    ) -> Result:
        """`replying_to`: the id of the coach's message this one is a Telegram reply to;
        `message_id`: the id of the runner's message (new, or edited) itself; `tapped`: the id of
        the coach's message whose button this is. With `outbox`, the replies are written to the
        outbox in the event's transaction, for `bot.telegram.replies` to send (`Result.outbox`), and
        their files are left to make (`Result.later`, `file`) by whoever sends them; else the
        files are made here, after the commit."""
        work = partial(self._handle, who, event, update_id, replying_to, message_id, tapped, outbox)
        result = await self.store.run(work, event.now)
        if result.forgotten:
            self.files.forget(who.user_id)
        if outbox or not result.later:
            return result
        messages = list(result.messages)
        for index, later in result.later:
            messages[index] = replace(messages[index], file=await self.file(who.user_id, later))
        return replace(result, messages=tuple(messages), later=())

    async def file(self, user_id: int, later: Later | None, recipe: Recipe = ()) -> Attachment | None:
        """A reply's file, made in a worker process after the commit: from `later` (what the event
        found), or, for a reply sent again after a crash, anew from the runner's log and the
        message's `recipe` (None when there is nothing to show any more: /deletedata since)."""
        if later is None:
            later = await self.store.run(partial(self._remade, user_id, recipe))
            if later is None:
                return None
        return await self.files.make(user_id, later.make, later.key)

    def _remade(self, user_id: int, recipe: Recipe, tx: Transaction) -> Later | None:
        return logbook.remake(tx, Who(user_id, user_id), recipe, display_names(self.coach))

    def _handle(
        self,
        who: Who,
        event: Event,
        update_id: int | None,
        replying_to: int | None,
        message_id: int | None,
        tapped: int | None,
        post: bool,
        tx: Transaction,
    ) -> Result:
        """The event's transaction, on a database thread (see `Store.run`). What the runner's
        message made (`Outcome.about`) is remembered by its id in the same transaction, so that
        an edit of it, however late, reaches the same entry."""
        session, previous, late = sessions.open_session(tx, who, update_id)
        if previous is not None:  # the same chat as the first time: a receipt never answers another chat
            replies = tuple(Message.from_json(m) for m in previous["messages"])
            chat = previous.get("chat", who.answer_chat)
            return Result(
                replies, chat, repeated=True, moved=previous["moved"], before=session.state, after=session.state
            )
        if replying_to is not None:
            event = replace(
                event, reply_to=sessions.ref_of(tx, who, replying_to).removeprefix(cards.REF)
            )  # a card: its name
        if event.edited and message_id is not None:
            event = replace(event, edit_of=sessions.ref_of(tx, who, message_id))
        if late:
            event = replace(event, late=True)
        return self._step(tx, who, session, event, update_id, message_id, tapped, post, replying_to)

    async def wake(self, due: Due, now: datetime, *, outbox: bool = False) -> Result | None:
        """Ring a due timer that `timers.claim` handed out; None if it is no longer this claim's
        to ring (the runner moved on, or another process rang it). `outbox` as for `handle`."""
        return await self.store.run(partial(self._wake, due, outbox), now)

    def _wake(self, due: Due, post: bool, tx: Transaction) -> Result | None:
        session = sessions.load_session(tx, due.who)
        timer = session.timer()
        if not timers.release(tx, due) or timer is None:
            return None
        return self._step(tx, due.who, session, Event.timer(timer[0], session.version, tx.now), post=post)

    def _step(
        self,
        tx: Transaction,
        who: Who,
        session: Session,
        event: Event,
        update_id: int | None = None,
        message_id: int | None = None,
        tapped: int | None = None,
        post: bool = False,
        replying_to: int | None = None,
    ) -> Result:
        outcome = step(session, event, self.coach)
        if outcome.session != session:
            sessions.save_session(tx, who, outcome.session, before=session)
        if outcome.about and message_id is not None:
            sessions.note_ref(tx, who, message_id, outcome.about)
        answered = [(answer, answer.reply(self.coach)) for answer in effects.apply(tx, who, outcome.effects)]
        answers = [(answer, reply) for answer, reply in answered if not reply.amends]
        later = tuple((index, answer) for index, (answer, _) in enumerate(answers) if isinstance(answer, Later))
        version = outcome.session.version
        replies = (*(reply for _, reply in answers), *outcome.replies)
        rendered = [self.render(reply, version) for reply in replies if not reply.amends]
        for index, answer in later:  # the receipt and the outbox keep how to make the file, not the file
            rendered[index] = replace(rendered[index], recipe=answer.recipe)
        messages = tuple(rendered)
        chat = who.chat_id if outcome.private else who.answer_chat  # the runner's own data: privately
        moved = version != session.version
        has_card = any(message.card for message in messages)
        shown = cards.shown(tx, who, chat) if has_card or moved else cards.Shown(None, ())
        if has_card:  # edits decided here: a redelivery replays them
            closing = "" if outcome.closing is None else self.render(outcome.closing, version).text.strip()
            messages = cards.lay_out(
                tx, who, chat, messages, shown.live, tapped if chat == who.answer_chat else None, closing
            )
        amends = [reply for _, reply in answered if reply.amends] + [r for r in replies if r.amends]
        if amends and replying_to is not None and chat == who.answer_chat:
            messages = self._amend(messages, amends[-1], replying_to, version)
        if moved:  # the buttons of the step before act no more
            spare = {m.edit for m in messages} | {tapped or 0}
            messages = (*messages, *cards.unkey(tx, who, chat, shown.keyed, spare))
        stored = [m.to_json() for m in messages]
        if update_id is not None:  # the receipt: what a redelivery of this update gets again
            sessions.remember(tx, update_id, who, {"moved": moved, "chat": chat, "messages": stored})
        entry = outbox.post(tx, who.user_id, chat, update_id, stored) if post and messages else None
        wake_at = outcome.session.wake_at()
        return Result(
            messages,
            chat,
            outcome.notice,
            moved=moved,
            stale=outcome.stale,
            wake_at=wake_at if wake_at != session.wake_at() else None,
            later=later,
            outbox=entry,
            forgotten=any(isinstance(effect, DeleteData) for effect in outcome.effects),
            before=session.state,
            after=outcome.session.state,
        )

    def _amend(
        self, messages: tuple[Message, ...], amend: Reply, replying_to: int, version: int
    ) -> tuple[Message, ...]:
        """The message replied to, edited to `amend` (a corrected record); last, as the collapse
        of a live card is (files index the others). Not when it is edited already: the live card
        collapsed to its record, which shows the correction too."""
        if any(message.edit == replying_to for message in messages):
            return messages
        return (*messages, Message(self.render(amend, version).text.strip(), edit=replying_to))

    def error_message(self) -> Message:
        return Message(self.coach.catalog.render("error", {}))

    def notice(self, template: str, **context: Any) -> str:
        """A line the adapter says on its own (in a group: where the answer went, whose card it is)."""
        return self.coach.catalog.render(template, context)
