"""The outbox in the database: an event's replies are written in the event's transaction, with a
claim (a lease) for the process that committed them, and deleted once they are sent. A claim
that lapses (its process died) is taken by whichever process looks next (`bot.replies`).

Each claim counts: an entry claimed `MAX_CLAIMS` times (a process crash-looping while it sends)
is given up instead of being sent again and again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam, delete, insert, or_, select, update

from bot.models import OutboxEntry, User, core_table
from bot.store import Transaction, Who

# Renewed every LEASE/3 while the process works on the entry (`bot.replies`); after a crash its
# replies wait this long. An event loop stalled longer could let another replica send one twice.
LEASE = timedelta(seconds=6)
MAX_CLAIMS = 5
BATCH = 100

_OUTBOX = core_table(OutboxEntry)
_POST = insert(_OUTBOX)
_RENEW = update(_OUTBOX).where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
_LAPSED = or_(_OUTBOX.c.claimed_until.is_(None), _OUTBOX.c.claimed_until < bindparam("now"))


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


def claim(tx: Transaction, skip: frozenset[int] = frozenset()) -> tuple[list[Entry], list[Entry]]:
    """Take the entries whose claim lapsed, oldest first (`skip`: those this process holds
    already): (the entries to send now, the entries given up after `MAX_CLAIMS` claims, deleted)."""
    query = select(_OUTBOX).where(_LAPSED).order_by(_OUTBOX.c.id).limit(BATCH).with_for_update(skip_locked=True)
    rows = [row for row in tx.connection.execute(query, {"now": tx.now}) if row.id not in skip]
    entries = [Entry(r.id, r.user_id, r.chat_id, r.update_id, r.messages, r.sent) for r in rows]
    given_up = [entry for entry, row in zip(entries, rows, strict=True) if row.claims >= MAX_CLAIMS]
    taken = [entry for entry, row in zip(entries, rows, strict=True) if row.claims < MAX_CLAIMS]
    if given_up:
        tx.connection.execute(delete(_OUTBOX).where(_OUTBOX.c.id.in_([e.id for e in given_up])))
    if taken:
        tx.connection.execute(
            _RENEW.values(claims=_OUTBOX.c.claims + 1, claimed_until=tx.now + LEASE), {"ids": [e.id for e in taken]}
        )
    return taken, given_up


def renew(tx: Transaction, ids: list[int]) -> None:
    """Extend this process's claims: it is still working on these entries."""
    if ids:
        tx.connection.execute(_RENEW.values(claimed_until=tx.now + LEASE), {"ids": ids})


def finish(tx: Transaction, done: list[int], refs: list[tuple[int, int, int, str]]) -> None:
    """Delete the entries sent, and note what their messages are about: (user id, chat id,
    Telegram message id, ref) for users that still exist (one may have deleted their data meanwhile)."""
    if done:
        tx.connection.execute(delete(_OUTBOX).where(_OUTBOX.c.id.in_(done)))
    users = {user for user, _, _, _ in refs}
    present = set(tx.connection.scalars(select(User.id).where(User.id.in_(users)))) if users else set()
    for user, chat, message_id, ref in refs:
        if user in present:  # a private chat's id is the user's
            tx.note_ref(Who(user, user, group_chat=None if chat == user else chat), message_id, ref)


def release(tx: Transaction, progress: dict[int, int]) -> None:
    """Give up this process's claims (it is stopping): {entry id: messages sent so far}. Whoever
    looks next sends the rest."""
    for entry_id, sent in progress.items():
        tx.connection.execute(update(_OUTBOX).where(_OUTBOX.c.id == entry_id).values(sent=sent, claimed_until=None))
