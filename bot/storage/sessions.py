"""The runner's conversation in the database, read and written inside an event's `Transaction`
(`bot.storage.store`): the session (profile and dialog state), the receipt of each processed update
(what a redelivery gets again) and the message refs (what a message of the chat is about).

The hot path (open, save, remember) is a handful of prebuilt Core statements on the
transaction's connection, because every statement is a round trip to the database driver.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from bot.storage.models import Conversation, ErasedUpdate, MessageRef, ProcessedUpdate, User, core_table
from bot.storage.store import REDELIVERY_WINDOW, Transaction, Who
from dialogs.session import Profile, Session

NO_UPDATE = -1  # update ids are never negative
_RECEIPTS = core_table(ProcessedUpdate)
_ERASED = core_table(ErasedUpdate)
# The hot path's statements, built once: building SQLAlchemy expressions costs more CPU than
# running them on SQLite.
# An update of a runner who deleted their data since (their anonymised receipt).
_WAS_ERASED = (
    exists()
    .where(_ERASED.c.user_key == bindparam("user_key"), _ERASED.c.update_id == bindparam("update_id"))
    .label("erased")
)
# The newest update of the user applied lately (within the redelivery window: Telegram picks
# update ids afresh after a week without updates, so an old receipt says nothing about order).
_APPLIED = _RECEIPTS.alias("applied")
_NEWEST = (  # walked down the primary key: the first row is nearly always recent (not max(): a scan)
    select(_APPLIED.c.update_id)
    .where(_APPLIED.c.user_id == User.id, _APPLIED.c.processed_at > bindparam("recent"))
    .order_by(_APPLIED.c.update_id.desc())
    .limit(1)
    .correlate(User)
    .scalar_subquery()
    .label("newest")
)
_ROW = (
    select(
        User.first_name,
        User.units,
        User.timezone,
        User.record,
        User.chart_theme,
        Conversation.dialog,
        Conversation.version,
        _RECEIPTS.c.replies,
        _WAS_ERASED,
        _NEWEST,
    )
    .outerjoin(Conversation, Conversation.user_id == User.id)
    .outerjoin(_RECEIPTS, (_RECEIPTS.c.user_id == User.id) & (_RECEIPTS.c.update_id == bindparam("update_id")))
    .where(User.id == bindparam("user_id"))
)
# Under READ COMMITTED a statement that waits for a row lock still reads every other row from
# the snapshot it took before waiting: the lock is its own statement, and the read comes after.
_LOCK = select(User.id).where(User.id == bindparam("user_id")).with_for_update()
_SAVE_PROFILE = (
    update(core_table(User))
    .where(core_table(User).c.id == bindparam("user_id"))
    .values({name: bindparam(name) for name in ("chat_id", "first_name", "units", "timezone", "record", "chart_theme")})
)
_REMEMBER = insert(_RECEIPTS)
_REMEMBER_ERASED = insert(_ERASED)
_ERASE = insert(_ERASED).from_select(
    ["user_key", "update_id", "processed_at"],
    select(bindparam("user_key", type_=_ERASED.c.user_key.type), _RECEIPTS.c.update_id, _RECEIPTS.c.processed_at).where(
        _RECEIPTS.c.user_id == bindparam("user_id")
    ),
)
_FORGET_RECEIPTS = delete(_RECEIPTS).where(_RECEIPTS.c.user_id == bindparam("user_id"))
# What a redelivered update of a deleted runner gets: nothing done, nothing said.
ERASED_RECEIPT: dict[str, Any] = {"moved": False, "messages": []}


_CONVERSATION_COLUMNS = ("version", "dialog", "updated_at", "wake_at", "wake_chat", "wake_claimed_until")


class Opened(NamedTuple):
    """What `open_session` found. `late`: the update is older than one of the user's applied
    already. Telegram numbers a bot's updates in order, but two replicas behind a balancer (or a
    webhook retry) can take a user's older update after a newer one, and neither can know that an
    older one is still on its way: the row lock makes them take turns, this says which came late."""

    session: Session
    previous: dict[str, Any] | None
    late: bool = False


def _save_conversation(dialect_insert: Any) -> Any:
    statement = dialect_insert(Conversation)
    return statement.on_conflict_do_update(
        index_elements=[Conversation.user_id],
        set_={name: statement.excluded[name] for name in _CONVERSATION_COLUMNS},
    )


_SAVE_CONVERSATION = {"postgresql": _save_conversation(pg_insert), "sqlite": _save_conversation(sqlite_insert)}
_MESSAGE = (MessageRef.user_id, MessageRef.chat_id, MessageRef.message_id)


def _note_ref(dialect_insert: Any) -> Any:
    statement = dialect_insert(MessageRef).values(
        {name: bindparam(name) for name in ("user_id", "chat_id", "message_id", "ref", "sent_at")}
    )
    return statement.on_conflict_do_update(
        index_elements=list(_MESSAGE), set_={"ref": statement.excluded.ref, "sent_at": statement.excluded.sent_at}
    )


_NOTE_REF = {"postgresql": _note_ref(pg_insert), "sqlite": _note_ref(sqlite_insert)}
_REF_OF = select(MessageRef.ref).where(*(column == bindparam(column.key) for column in _MESSAGE))


def open_session(tx: Transaction, who: Who, update_id: int | None = None) -> Opened:
    """The user's session, locked for this transaction (a first-time user is created), and
    the receipt `update_id` left if it was processed before (None if it is new). An update of
    a runner who deleted their data after it was processed gets `ERASED_RECEIPT`, and no
    user is created for it. `late`: a newer update of the user was applied already (see
    `Opened`).

    Lock first, then read: on PostgreSQL the row lock is taken by a statement of its own, so
    the read that follows sees what the previous holder of the lock committed (another
    replica's step of this user), never the state from before it. SQLite's `BEGIN
    IMMEDIATE` already took the database's write lock."""
    connection = tx.connection
    params = {
        "user_id": who.user_id,
        "update_id": NO_UPDATE if update_id is None else update_id,
        "user_key": "" if update_id is None else tx.pseudonym(who.user_id),
        "recent": tx.now - REDELIVERY_WINDOW,
    }
    if connection.dialect.name == "postgresql":
        connection.execute(_LOCK, params)
    row = connection.execute(_ROW, params).first()
    if row is None:
        if update_id is not None and connection.scalar(select(_WAS_ERASED), params):
            return Opened(Session(profile=Profile(who.first_name)), ERASED_RECEIPT)
        connection.execute(
            tx.insert(User)
            .values(id=who.user_id, chat_id=who.chat_id, first_name=who.first_name[:64], record={}, created_at=tx.now)
            .on_conflict_do_nothing(index_elements=[User.id])
        )
        if connection.dialect.name == "postgresql":
            connection.execute(_LOCK, params)  # created here or by a concurrent first event
        row = connection.execute(_ROW, params).first()
    assert row is not None  # inserted just above when it was missing
    profile = Profile(row.first_name, row.units, row.timezone, dict(row.record or {}), row.chart_theme or "light")
    version = row.version if row.version is not None else 0
    late = update_id is not None and row.newest is not None and update_id < row.newest
    session = Session.restore(row.dialog, version, profile)
    return Opened(session, ERASED_RECEIPT if row.erased else row.replies, late)


def load_session(tx: Transaction, who: Who) -> Session:
    return open_session(tx, who).session


def save_session(tx: Transaction, who: Who, session: Session, before: Session) -> None:
    """Write what changed since `before` (the session as opened): the conversation, and the
    profile only when it changed (most steps of a workout leave it as it was)."""
    connection = tx.connection
    profile = session.profile
    if profile != before.profile:
        connection.execute(
            _SAVE_PROFILE,
            {
                "user_id": who.user_id,
                "chat_id": who.chat_id,
                "first_name": profile.first_name[:64],
                "units": profile.units,
                "timezone": profile.timezone,
                "record": profile.record,
                "chart_theme": profile.chart,
            },
        )
    connection.execute(
        _SAVE_CONVERSATION[connection.dialect.name],
        {
            "user_id": who.user_id,
            "version": session.version,
            "dialog": session.conversation(),
            "updated_at": tx.now,
            "wake_at": None if (wake := session.wake_at()) is None else wake.astimezone(UTC),
            "wake_chat": who.answer_chat,
            "wake_claimed_until": None,  # a timer runner's claim on the step before is void
        },
    )


def remember(tx: Transaction, update_id: int, who: Who, replies: dict[str, Any]) -> None:
    """The update's receipt; only its anonymised key if the update deleted the user's data."""
    if who.user_id in tx.erased:
        row = {"user_key": tx.pseudonym(who.user_id), "update_id": update_id, "processed_at": tx.now}
        tx.connection.execute(_REMEMBER_ERASED, row)
        return
    tx.connection.execute(
        _REMEMBER, {"update_id": update_id, "user_id": who.user_id, "processed_at": tx.now, "replies": replies}
    )


def erase_receipts(tx: Transaction, who: Who) -> None:
    """Replace the user's receipts by anonymised ones (`ErasedUpdate`): part of deleting their data."""
    tx.flush()
    params = {"user_id": who.user_id, "user_key": tx.pseudonym(who.user_id)}
    tx.connection.execute(_ERASE, params)
    tx.connection.execute(_FORGET_RECEIPTS, params)
    tx.erased.add(who.user_id)


def note_ref(tx: Transaction, who: Who, message_id: int, ref: str) -> None:
    """Remember what the message `message_id` in the chat of the event is about (the runner's
    own message: what it logged); a later note for the same message replaces it."""
    note_refs(tx, [(who.user_id, who.answer_chat, message_id, ref)])


def note_refs(tx: Transaction, refs: Iterable[tuple[int, int, int, str]]) -> None:
    """`note_ref` for many messages, (user id, chat id, message id, ref) each, in one statement
    (the replies' worker notes the messages of many updates at once)."""
    names = ("user_id", "chat_id", "message_id", "ref")
    rows = [dict(zip(names, ref, strict=True)) | {"sent_at": tx.now} for ref in refs]
    if rows:
        tx.connection.execute(_NOTE_REF[tx.connection.dialect.name], rows)


def ref_of(tx: Transaction, who: Who, message_id: int) -> str:
    """What the message `message_id` in the chat of the event is about; "" if nothing."""
    mine = {"user_id": who.user_id, "chat_id": who.answer_chat, "message_id": message_id}
    return tx.connection.scalar(_REF_OF, mine) or ""
