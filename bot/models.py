"""The database schema (SQLAlchemy 2 declarative). Alembic migrations follow it exactly."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from decimal import Decimal

from sqlalchemy import JSON, BigInteger, DateTime, ForeignKey, Index, Integer, Numeric, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Telegram user id
    chat_id: Mapped[int] = mapped_column(BigInteger)
    first_name: Mapped[str] = mapped_column(String(64), default="")
    units: Mapped[str | None] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    # A summary derived from set_logs (last sets and best per exercise, recent workout days),
    # kept beside the profile so the pure engine can plan without querying the log.
    record: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Conversation(Base):
    """The dialog engine's session for one user, saved after every event."""

    __tablename__ = "conversations"

    user_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ProcessedUpdate(Base):
    """Telegram updates already applied, with the replies they produced: a redelivered update
    changes nothing and gets the same replies again."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger)
    processed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    replies: Mapped[list[Any]] = mapped_column(JSON)


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
    logged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    workout: Mapped[str | None] = mapped_column(String(40))  # the guided workout it belongs to
