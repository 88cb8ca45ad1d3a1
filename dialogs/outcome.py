"""What the engine decided: the new session, the replies to send and the effects to apply.

Plain data; the adapters render the replies and do the I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogs.effects import Effect
from dialogs.session import Session

ANYTIME = "g"  # the "version" of a button that works whatever the conversation did since


@dataclass(frozen=True)
class Button:
    label: str
    payload: str
    anytime: bool = False  # for messages outside the conversation (reminders): global intents only
    url: str = ""  # a link button (https://…), which opens the link and never comes back as an event

    def data(self, version: int) -> str:
        """Telegram callback data: the payload stamped with the session version it belongs to
        (a link button's is its URL)."""
        return self.url or f"{ANYTIME if self.anytime else version}|{self.payload}"


Keyboard = tuple[tuple[Button, ...], ...]


@dataclass(frozen=True)
class Reply:
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    buttons: Keyboard = ()
    ref: str = ""  # what the message is about (`entry:…`): a Telegram reply to it comes back as `Event.reply_to`
    # The live card this reply is (a step's card: `Turn.show_card`): a tap on the card that shows
    # the same `card` is answered by editing that message in place.
    card: str = ""
    record: Reply | None = None  # the one line the card collapses to when a newer card is sent
    # Said by the card itself (`card`, when set: the card whose record shows it too): dropped when
    # that card is edited (in place, or to its record), else put above the card that follows.
    fold: bool = False
    # The new text of the coach's message the runner's message is a Telegram reply to (a record
    # whose sets were corrected): that message is edited, nothing is sent.
    amends: bool = False


@dataclass(frozen=True)
class Outcome:
    session: Session
    replies: tuple[Reply, ...] = ()
    effects: tuple[Effect, ...] = ()
    notice: str = ""  # a short toast for the tapped button, if any
    closing: Reply | None = None  # the final record of the card this step left (an exercise done)
    stale: bool = False  # the tapped button is from an older card: take its buttons away
    about: str = ""  # what the runner's message made (a `Reply.ref`): an edit of it comes back as `Event.edit_of`
    # The replies show the runner's own data (their log, progress, export, its deletion): they go
    # to the runner's private chat, even when the event came from a group.
    private: bool = False
