"""Live cards: a step's card is one message, edited in place while it is current.

The engine names the card each reply is (`Reply.card`: an exercise's steps share one) and the
line it collapses to (`Reply.record`). Here, inside the event's transaction, the rendered replies
are laid out against the runner's live card (`LiveCard`, one row per user):

- a tap on the live card whose step shows the same card edits that message (text and buttons);
  the lines the card shows itself (`Reply.fold`, "✓ Logged …") are dropped, and so are those
  its record shows when it collapses (a set logged as its exercise ends);
- any other new card is sent as a new message, with those lines above it, and the old live card
  is collapsed to its record (the step's `Outcome.closing` when it just ended), buttons removed.

Other messages with buttons of the conversation's step (an answer's related topics and its
"↩ Back to …") are noted as `KEYS` once sent; when the conversation moves on, their buttons no
longer act (`unkey`) and are taken away, so only the current card has buttons.

The edits are decided here and kept in the receipt and the outbox with the messages, so a
redelivered update replays the same edits. A card sent as a new message is live once Telegram
has given it an id: `bot.telegram.replies` notes it like a message ref (`REF` + the card), and the next
event finds it there.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import bindparam, delete, func, literal, null, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.message import Message
from bot.storage.models import LiveCard, MessageRef, core_table
from bot.storage.store import Transaction, Who

_TABLE = core_table(LiveCard)
_REFS = core_table(MessageRef)
REF = "card:"  # a sent card's message ref: `REF` + its `Reply.card`
KEYS = "keys"  # the message ref of a message (not a card) whose buttons act only at the step it was sent at
_MINE = (_REFS.c.user_id == bindparam("b_user"), _REFS.c.chat_id == bindparam("b_chat"), _REFS.c.ref == KEYS)
_KEYED = select(null().label("card"), null().label("record"), _REFS.c.message_id).where(*_MINE)
_UNKEYED = delete(_REFS).where(*_MINE)
# The live card's row with the id of the newest message sent with it since, and the messages
# noted as `KEYS`, in one statement (the keyed rows have no card).
_SENT = (
    select(func.max(_REFS.c.message_id))
    .where(
        _REFS.c.user_id == bindparam("b_user"),
        _REFS.c.chat_id == bindparam("b_chat"),
        _REFS.c.ref == literal(REF) + _TABLE.c.card,
        _REFS.c.sent_at >= _TABLE.c.since,
    )
    .scalar_subquery()
)
_READ = union_all(
    select(_TABLE.c.card, _TABLE.c.record, _SENT.label("message_id")).where(
        _TABLE.c.user_id == bindparam("b_user"), _TABLE.c.chat_id == bindparam("b_chat")
    ),
    _KEYED,
)

_KEPT = ("chat_id", "card", "record", "since")


def _upsert(dialect_insert: Any) -> Any:
    """The runner's live card written. Built once, like the other statements here: building the
    upsert, its `excluded` alias above all, cost more CPU than running it (a tenth of the bot's
    under `bench/load.py`)."""
    statement = dialect_insert(_TABLE).values({name: bindparam(name) for name in ("user_id", *_KEPT)})
    return statement.on_conflict_do_update(
        index_elements=[_TABLE.c.user_id], set_={name: statement.excluded[name] for name in _KEPT}
    )


_KEEP = {"postgresql": _upsert(pg_insert), "sqlite": _upsert(sqlite_insert)}
_RECORD = _TABLE.update().where(_TABLE.c.user_id == bindparam("b_user")).values(record=bindparam("record"))


@dataclass(frozen=True)
class Live:
    message_id: int
    card: str
    record: str


def lay_out(
    tx: Transaction,
    who: Who,
    chat_id: int,
    messages: tuple[Message, ...],
    live: Live | None,
    tapped: int | None,
    closing: str,
) -> tuple[Message, ...]:
    """The messages as they go out to `chat_id` (some as edits); the runner's live card
    afterwards is stored: the same one edited in place, or the new card (its id is noted once it
    is sent)."""
    cards = [index for index, message in enumerate(messages) if message.card and not message.fold]
    card = cards[-1] if cards else None
    in_place = live is not None and card is not None and (tapped, messages[card].card) == (live.message_id, live.card)
    collapsed = "" if live is None or card is None or in_place or messages[card].card == live.card else live.card
    out: list[Message] = []
    folded: list[str] = []
    for index, message in enumerate(messages):
        if message.fold:  # shown by the card edited in place, or by the record the live card becomes
            if not ((in_place and card is not None and index < card) or (collapsed and message.card == collapsed)):
                folded.append(message.text.strip())
            continue
        if folded:
            message = replace(message, text="\n\n".join([*folded, message.text]))
            folded = []
        if in_place and index == card:
            assert live is not None
            message = replace(message, edit=live.message_id)
        out.append(message)
    if folded:
        out.append(_message("\n\n".join(folded)))
    if card is None:
        return tuple(out)
    new = messages[card]
    if in_place:
        tx.connection.execute(_RECORD, {"b_user": who.user_id, "record": new.record})
        return tuple(out)
    if live is not None:  # a newer card: the old one becomes its record
        record = closing or (new.record if new.card == live.card else live.record)
        out.append(_message(record, edit=live.message_id))  # last: files index the others
    _keep(tx, who, chat_id, new.card, new.record)
    return tuple(out)


def _message(text: str, edit: int = 0) -> Message:
    return Message(text, edit=edit)


@dataclass(frozen=True)
class Shown:
    """What the chat shows of the conversation: its live card, if known, and the messages noted
    as `KEYS` (their buttons act at the current step only)."""

    live: Live | None
    keyed: tuple[int, ...]


def shown(tx: Transaction, who: Who, chat_id: int) -> Shown:
    """The runner's live card in `chat_id`, if it is known: the newest message sent with it since
    it became the live card, once its id is noted (see `REF`; a card that could not be edited
    was sent again); and the messages noted as `KEYS` there."""
    live, keyed = None, []
    for row in tx.connection.execute(_READ, {"b_user": who.user_id, "b_chat": chat_id}):
        if row.card is None:
            keyed.append(row.message_id)
        elif row.message_id is not None:
            live = Live(row.message_id, row.card, row.record)
    return Shown(live, tuple(sorted(keyed)))


def unkey(tx: Transaction, who: Who, chat_id: int, keyed: tuple[int, ...], spare: set[int]) -> tuple[Message, ...]:
    """The conversation moved on: edits that take the buttons off the messages noted as `KEYS`
    (`Shown.keyed`; but those in `spare`: edited anyway, or the tapped one, whose buttons
    `bot.telegram.replies` takes)."""
    if not keyed:
        return ()
    tx.connection.execute(_UNKEYED, {"b_user": who.user_id, "b_chat": chat_id})
    return tuple(_message("", edit=message_id) for message_id in keyed if message_id not in spare)


def _keep(tx: Transaction, who: Who, chat_id: int, card: str, record: str) -> None:
    row = {"user_id": who.user_id, "chat_id": chat_id, "card": card, "record": record, "since": tx.now}
    tx.connection.execute(_KEEP[tx.connection.dialect.name], row)
