"""One event, start to finish, for any adapter: load the session, step the engine, render the
replies, and commit it all in one transaction. Telegram and the terminal both come through here."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import effects
from bot.store import Store, Who
from dialogs.coach import Coach
from dialogs.engine import step
from dialogs.events import Event
from dialogs.outcome import Reply

Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data)


@dataclass(frozen=True)
class Message:
    """A rendered reply: Telegram HTML and its buttons."""

    text: str
    buttons: Keyboard = ()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [[list(b) for b in row] for row in self.buttons]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        return cls(data["text"], tuple(tuple((label, payload) for label, payload in row) for row in data["buttons"]))


@dataclass(frozen=True)
class Result:
    messages: tuple[Message, ...]
    notice: str = ""
    repeated: bool = False  # a redelivered update: nothing changed, these are the first replies again
    moved: bool = False  # the conversation moved on, so older buttons no longer work
    timers: tuple[Timer, ...] = ()  # to start now that the transaction committed
    before: str = ""  # the state the event found, and the one it left (for the logs)
    after: str = ""


@dataclass(frozen=True)
class Timer:
    seconds: float
    payload: str
    version: int


class Conversations:
    def __init__(self, store: Store, coach: Coach):
        self.store = store
        self.coach = coach

    def render(self, reply: Reply, version: int) -> Message:
        text = self.coach.catalog.render(reply.template, reply.context)
        buttons = tuple(tuple((b.label, b.data(version)) for b in row) for row in reply.buttons if row)
        return Message(text, buttons)

    async def handle(self, who: Who, event: Event, update_id: int | None = None) -> Result:
        async with self.store.transaction(event.now) as tx:
            session, previous = await tx.open(who, update_id)
            if previous is not None:
                replies = tuple(Message.from_json(m) for m in previous)
                return Result(replies, repeated=True, before=session.state, after=session.state)
            outcome = step(session, event, self.coach)
            messages = tuple(self.render(reply, outcome.session.version) for reply in outcome.replies)
            if outcome.session != session:
                await tx.save(who, outcome.session)
            await effects.apply(tx, who, outcome.effects)
            if update_id is not None:
                await tx.remember(update_id, who, [m.to_json() for m in messages])
        version = outcome.session.version
        timers = tuple(
            Timer(e.params["seconds"], e.params["payload"], version) for e in outcome.effects if e.kind == "timer"
        )
        return Result(
            messages, outcome.notice, moved=version != session.version, timers=timers,
            before=session.state, after=outcome.session.state,
        )

    def error_message(self) -> Message:
        return Message(self.coach.catalog.render("error", {}))
