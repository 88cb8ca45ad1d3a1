"""A reply as it goes out: rendered text and buttons, the file it is the caption of, and how it
is laid out against the live card. Stored as JSON in the receipt and the outbox (without its
file: a `recipe` says how to make that again, see `bot.effect_answers`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from bot.effect_answers import Recipe

Keyboard = tuple[tuple[tuple[str, str], ...], ...]  # rows of (label, callback data or a link button's URL)


@dataclass(frozen=True)
class Attachment:
    """A file sent with a reply (a progress chart, a CSV export), made after the commit."""

    kind: Literal["photo", "document"]
    filename: str
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class Message:
    """A rendered reply: Telegram HTML and its buttons, maybe a file it is the caption of, and
    what it is about (`Reply.ref`, remembered by message id once sent). `card`, `record` and
    `fold` as in `Reply`; `edit`: the id of the message this one replaces in place (0: a new
    message; an empty text only takes that message's buttons away). See `bot.storage.cards`. `recipe`:
    how its file is made (`bot.effect_answers.Later`); stored in its place, the file is not."""

    text: str
    buttons: Keyboard = ()
    file: Attachment | None = None
    ref: str = ""
    card: str = ""
    record: str = ""
    fold: bool = False
    edit: int = 0
    recipe: Recipe = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"text": self.text, "buttons": [[list(b) for b in row] for row in self.buttons]}
        extra = {"ref": self.ref, "card": self.card, "record": self.record, "edit": self.edit}
        extra["recipe"] = dict(self.recipe)
        return data | {name: value for name, value in extra.items() if value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        buttons = tuple(tuple((label, payload) for label, payload in row) for row in data["buttons"])
        return cls(
            data["text"],
            buttons,
            ref=data.get("ref", ""),
            card=data.get("card", ""),
            record=data.get("record", ""),
            edit=data.get("edit", 0),
            recipe=tuple(data.get("recipe", {}).items()),
        )
