"""The database schema (SQLAlchemy 2 declarative). Alembic migrations follow it exactly."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    func,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dialogs.units import Unit
from scheduler.policy import utc


class Base(DeclarativeBase):
    pass


class UTCDateTime(TypeDecorator[datetime]):
    """A moment, stored with its zone and always read back in UTC: PostgreSQL gives it in the
    session's time zone, SQLite without one (the UTC it was written in). A naive datetime is
    refused on the way in (`scheduler.policy.utc`)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return utc(value) if value.tzinfo else value.replace(tzinfo=UTC)


def core_table(model: type[Base]) -> Table:
    """The model's Core table, for statements written in Core (the ORM types `__table__` as a
    mere `FromClause`, which `insert`/`update`/`delete` do not accept)."""
    return cast(Table, model.__table__)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Telegram user id
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(64), default="")
    units: Mapped[Unit | None] = mapped_column(String(2))  # only what the settings flow stores
    timezone: Mapped[str | None] = mapped_column(String(64))
    # A summary derived from set_logs (last sets and best per exercise, recent workout days),
    # kept beside the profile so the pure engine can plan without querying the log.
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    chart_theme: Mapped[str | None] = mapped_column(String(8))  # /settings: "light" (when null) or "dark"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())


class Conversation(Base):
    """The dialog engine's session for one user, saved after every event.

    `wake_at` is when the current step's timer is due (`Session.wake_at`, e.g. a rest's end),
    `wake_chat` where its alert goes, `wake_claimed_until` a timer runner's lease on firing it
    (`bot.storage.timers`)."""

    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    dialog: Mapped[dict[str, Any]] = mapped_column(JSON)  # `Session.conversation()`: flow, step, data, stack
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    wake_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    wake_chat: Mapped[int | None] = mapped_column(BigInteger)
    wake_claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ProcessedUpdate(Base):
    """Telegram updates already applied, with the replies they produced: a redelivered update
    changes nothing and gets the same replies again. Keyed by user and update id: an update of
    one user never finds another user's receipt, whatever its update id."""

    __tablename__ = "processed_updates"

    user_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    replies: Mapped[dict[str, Any]] = mapped_column(JSON)  # {"moved": bool, "chat": int, "messages": [...]}


class ErasedUpdate(Base):
    """The receipts of a runner who deleted their data, anonymised: a keyed hash of the user id
    (`bot.metrics.Pseudonym`) and the update id, nothing else. A redelivery of one of those
    updates (a crash, a webhook retry) then changes nothing instead of bringing the data back.
    Kept as long as the receipts they replace (`bot.storage.store.REDELIVERY_WINDOW`)."""

    __tablename__ = "erased_updates"

    user_key: Mapped[str] = mapped_column(String(32), primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class SetLog(Base):
    """One logged set. The sets of one message or one guided exercise share an `entry_id`."""

    __tablename__ = "set_logs"
    __table_args__ = (Index("ix_set_logs_user_exercise", "user_id", "exercise_id", "logged_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[str] = mapped_column(String(40))
    exercise_id: Mapped[str] = mapped_column(String(32))
    set_number: Mapped[int] = mapped_column(Integer)
    reps: Mapped[int] = mapped_column(Integer)
    weight: Mapped[Decimal | None] = mapped_column(Numeric(7, 2))  # as typed, in `unit`
    unit: Mapped[str | None] = mapped_column(String(2))
    weight_kg: Mapped[Decimal | None] = mapped_column(Numeric(9, 4))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    workout: Mapped[str | None] = mapped_column(String(40))  # the guided workout it belongs to


class Reminder(Base):
    """A user's reminder schedule (the timezone is the user's) and the runner's bookkeeping.

    `next_due_at` is the next instant the runner must look at this user (a reminder, a snooze or
    the morning after a missed day); NULL while there is nothing to send (paused indefinitely, or
    the user blocked the bot). `claimed_until` is a runner's lease on the row.
    """

    __tablename__ = "reminders"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)  # bit d set: weekday d (0 = Monday) in the user's zone
    at: Mapped[time] = mapped_column(Time)  # local wall time
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    allow_quiet_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_nudge_for: Mapped[date | None] = mapped_column(Date)  # the missed day last nudged about or skipped
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)


class MessageRef(Base):
    """What a message is about (`Reply.ref`): one the coach sent (the entry a log's card confirms),
    so that a Telegram reply to it can refer to the same thing, or one the runner sent (the entry
    it logged, `Outcome.about`), so that an edit of it corrects that entry. In a private chat both
    share one sequence of message ids."""

    __tablename__ = "message_refs"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    # Telegram numbers the messages of each chat on its own: message 55 in a group and message 55
    # in the private chat are two messages.
    chat_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    message_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    ref: Mapped[str] = mapped_column(String(64))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OutboxEntry(Base):
    """The replies of one event, written in the event's transaction and deleted once sent
    (`bot.storage.outbox`, `bot.telegram.replies`): a reply that could not be sent after the commit is sent later,
    by this process or, after a crash, by whichever process claims it. Not tied to the user's row:
    the reply to /deletedata still goes out after the user is gone."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    update_id: Mapped[int | None] = mapped_column(BigInteger)
    messages: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # `bot.conversation.Message.to_json()` each
    sent: Mapped[int] = mapped_column(Integer, default=0)  # how many of the messages went out already
    claims: Mapped[int] = mapped_column(Integer, default=1)  # how many times a process took it on
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class LiveCard(Base):
    """The message that shows the runner's current step (`Reply.card`), edited in place while
    it is current, and the line it collapses to (`Reply.record`) once a newer card is sent."""

    __tablename__ = "live_cards"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)  # the chat it is in (a group's, or the private one)
    card: Mapped[str] = mapped_column(String(64))
    record: Mapped[str] = mapped_column(Text)
    # when it became the live card: its message is the newest message ref `card:<card>` since then
    since: Mapped[datetime] = mapped_column(UTCDateTime())
