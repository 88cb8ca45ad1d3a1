"""The outbox in the database: an event's replies are written in the event's transaction, with a
claim (a lease) for the process that committed them, and deleted once they are sent. A claim
that lapses (its process died) is taken by whichever process looks next (`bot.telegram.replies`).

Each claim counts: an entry claimed `MAX_CLAIMS` times (a process crash-looping while it sends)
is given up instead of being sent again and again.

An entry whose claim lapsed may have gone out already (its process died after sending, before
the delete): Telegram cannot tell. It is sent again only while it is still the newest thing the
runner was told. Once the runner has moved on (a later update of theirs was handled, or their
conversation changed since, e.g. a rest timer rang), it is dropped as superseded: sent late, its
cards would come back below newer ones with buttons that are out of date, and its edits would
turn the live card back to an older step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, or_, select, update

from bot.storage import sessions
from bot.storage.models import Conversation, OutboxEntry, ProcessedUpdate, User, core_table
from bot.storage.store import Transaction

# Renewed every LEASE/3 while the process works on the entry (`bot.telegram.replies`); after a crash its
# replies wait this long. An event loop stalled longer could let another replica send one twice.
LEASE = timedelta(seconds=6)
MAX_CLAIMS = 5
BATCH = 100

_OUTBOX = core_table(OutboxEntry)
_POST = insert(_OUTBOX)
_IDS = _OUTBOX.c.id.in_(bindparam("ids", expanding=True))
_RENEW = update(_OUTBOX).where(_IDS)
_DROP = delete(_OUTBOX).where(_IDS)
_PRESENT = select(User.id).where(User.id.in_(bindparam("users", expanding=True)))  # of those, the users that exist
_LAPSED = or_(_OUTBOX.c.claimed_until.is_(None), _OUTBOX.c.claimed_until < bindparam("now"))
_CONVERSATIONS, _RECEIPTS = core_table(Conversation), core_table(ProcessedUpdate)
_SUPERSEDED = or_(  # the runner moved on after the entry was written
    exists().where(_CONVERSATIONS.c.user_id == _OUTBOX.c.user_id, _CONVERSATIONS.c.updated_at > _OUTBOX.c.created_at),
    exists().where(_RECEIPTS.c.user_id == _OUTBOX.c.user_id, _RECEIPTS.c.processed_at > _OUTBOX.c.created_at),
)
_CLAIM = (
    select(_OUTBOX, _SUPERSEDED.label("superseded"))
    .where(_LAPSED)
    .order_by(_OUTBOX.c.id)
    .limit(BATCH)
    .with_for_update(of=_OUTBOX, skip_locked=True)
)


@dataclass(frozen=True)
class Entry:
    """One claimed entry: the replies still to send to `chat_id`."""

    id: int
    user_id: int
    chat_id: int
    update_id: int | None
    messages: list[dict[str, Any]]
    sent: int = 0


def post(tx: Transaction, user_id: int, chat_id: int, update_id: int | None, messages: list[dict[str, Any]]) -> int:
    """Write replies to send, claimed by this process; the entry's id."""
    row = {
        "user_id": user_id,
        "chat_id": chat_id,
        "update_id": update_id,
        "messages": messages,
        "sent": 0,
        "claims": 1,
        "claimed_until": tx.now + LEASE,
        "created_at": tx.now,
    }
    key = tx.connection.execute(_POST, row).inserted_primary_key
    assert key is not None
    return int(key[0])


@dataclass(frozen=True)
class Claimed:
    """What one look at the outbox took: `taken` to send now; `superseded` (the runner moved on)
    and `given_up` (claimed `MAX_CLAIMS` times) are deleted, not sent."""

    taken: list[Entry]
    superseded: list[Entry]
    given_up: list[Entry]


def claim(tx: Transaction, skip: frozenset[int] = frozenset()) -> Claimed:
    """Take the entries whose claim lapsed, oldest first (`skip`: those this process holds already)."""
    taken: list[Entry] = []
    superseded: list[Entry] = []
    given_up: list[Entry] = []
    for row in tx.connection.execute(_CLAIM, {"now": tx.now}):
        if row.id in skip:
            continue
        entry = Entry(row.id, row.user_id, row.chat_id, row.update_id, row.messages, row.sent)
        (superseded if row.superseded else given_up if row.claims >= MAX_CLAIMS else taken).append(entry)
    if dropped := [entry.id for entry in (*superseded, *given_up)]:
        tx.connection.execute(_DROP, {"ids": dropped})
    if taken:
        tx.connection.execute(
            _RENEW.values(claims=_OUTBOX.c.claims + 1, claimed_until=tx.now + LEASE), {"ids": [e.id for e in taken]}
        )
    return Claimed(taken, superseded, given_up)


def renew(tx: Transaction, ids: list[int]) -> None:
    """Extend this process's claims: it is still working on these entries."""
    if ids:
        tx.connection.execute(_RENEW.values(claimed_until=tx.now + LEASE), {"ids": ids})


def finish(tx: Transaction, done: list[int], refs: list[tuple[int, int, int, str]]) -> None:
    """Delete the entries sent, and note what their messages are about: (user id, chat id,
    Telegram message id, ref) for users that still exist (one may have deleted their data meanwhile)."""
    if done:
        tx.connection.execute(_DROP, {"ids": done})
    users = {user for user, _, _, _ in refs}
    present = set(tx.connection.scalars(_PRESENT, {"users": list(users)})) if users else set()
    sessions.note_refs(tx, [noted for noted in refs if noted[0] in present])


def release(tx: Transaction, progress: dict[int, int]) -> None:
    """Give up this process's claims (it is stopping): {entry id: messages sent so far}. Whoever
    looks next sends the rest."""
    for entry_id, sent in progress.items():
        tx.connection.execute(update(_OUTBOX).where(_OUTBOX.c.id == entry_id).values(sent=sent, claimed_until=None))
