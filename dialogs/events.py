"""What happened in a chat, as the engine sees it: adapters build these from Telegram updates,
terminal lines and timers. The time always comes in with the event."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from dialogs.text import clean

EventKind = Literal["text", "command", "button", "media", "document", "timer"]

# Telegram caps a message at 4,096 characters; nothing the coach does needs more than this much
# of a message, and a bounded input keeps every parser and matcher fast.
MAX_TEXT = 1000


@dataclass(frozen=True)
class Event:
    kind: EventKind
    now: datetime
    text: str = ""
    command: str = ""  # lower-case, without the slash or the @botname
    args: str = ""  # what followed the command
    payload: str = ""  # a button's action
    version: int | None = None  # the session version the button or timer was made at
    anytime: bool = False  # a button of a message outside the conversation (a reminder)
    first_name: str = ""  # the sender's name as Telegram gives it now
    reply_to: str = ""  # the `Reply.ref` (a card: its `Reply.card`) of the message this one answers (a Telegram reply)
    edited: bool = False  # the runner edited a message they sent before; this is its new text
    edit_of: str = ""  # what that message was about (`Outcome.about` when it was handled), if anything
    document: bytes = field(default=b"", repr=False)  # a CSV file the runner sent (its name is `payload`)
    # The runner sent it before an update of theirs that was applied already (two replicas took
    # them in the other order, or Telegram retried it): a tap then acts on a card as it was.
    late: bool = False
    in_group: bool = False  # said in a group chat: the runner's own data is answered in the private chat

    @classmethod
    def from_text(cls, raw: str, now: datetime, first_name: str = "", *, edited: bool = False) -> Event:
        """A typed message: a `/command args` or plain text, cleaned (`dialogs.text`). An edited
        message is always text: editing a command does not run it again."""
        text = clean(raw).strip()[:MAX_TEXT]
        if edited:
            return cls("text", now, text=text, first_name=first_name, edited=True)
        if text.startswith("/") and len(text) > 1:
            head, _, args = text[1:].partition(" ")
            command = head.split("@", 1)[0].lower()
            return cls("command", now, text=text, command=command, args=args.strip(), first_name=first_name)
        return cls("text", now, text=text, first_name=first_name)

    @classmethod
    def from_button(cls, data: str, now: datetime, first_name: str = "") -> Event:
        """A tapped inline button; `data` is `<version>|<payload>` as `Button.data` made it."""
        version, sep, payload = clean(data or "").partition("|")
        if sep and version == "g":
            return cls("button", now, payload=payload, anytime=True, first_name=first_name)
        if not sep or not version.isdigit():
            return cls("button", now, payload="", version=None, first_name=first_name)
        return cls("button", now, payload=payload, version=int(version), first_name=first_name)

    @classmethod
    def timer(cls, payload: str, version: int, now: datetime) -> Event:
        """A timer the engine asked for (e.g. the end of a rest) has fired."""
        return cls("timer", now, payload=payload, version=version)
