"""Storage of conversations: one transaction per event, returning plain dataclasses.

Each event runs inside `Store.transaction()`: the user's row is locked (`SELECT … FOR UPDATE`
on PostgreSQL; SQLite takes its write lock at `BEGIN IMMEDIATE`), so two replicas never
interleave one user's updates, and the session, the effects and the processed update id are
committed together or not at all.
"""
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.models import Conversation, ProcessedUpdate, User
from dialogs.session import Profile, Session


@dataclass(frozen=True)
class Who:
    """The person an event comes from and the chat to answer in."""

    user_id: int
    chat_id: int
    first_name: str = ""


class Transaction:
    def __init__(self, db: AsyncSession, now: datetime):
        self.db = db
        self.now = now
        self._insert = pg_insert if db.bind.dialect.name == "postgresql" else sqlite_insert

    async def replies_of(self, update_id: int) -> list[Any] | None:
        """The replies an already processed update produced, or None if it is new."""
        return await self.db.scalar(select(ProcessedUpdate.replies).where(ProcessedUpdate.update_id == update_id))

    async def load(self, who: Who) -> Session:
        """The user's session, locked for this transaction; a first-time user is created."""
        await self.db.execute(
            self._insert(User)
            .values(id=who.user_id, chat_id=who.chat_id, first_name=who.first_name[:64], created_at=self.now)
            .on_conflict_do_nothing(index_elements=[User.id])
        )
        user = await self.db.scalar(select(User).where(User.id == who.user_id).with_for_update())
        conversation = await self.db.get(Conversation, who.user_id)
        profile = Profile(user.first_name, user.units, user.timezone, dict(user.record or {}))
        if conversation is None:
            return Session(profile=profile)
        return Session.restore(conversation.state, conversation.version, profile)

    async def save(self, who: Who, session: Session) -> None:
        user = await self.db.get(User, who.user_id)
        user.chat_id = who.chat_id
        user.first_name = session.profile.first_name[:64]
        user.units = session.profile.units
        user.timezone = session.profile.timezone
        user.record = session.profile.record
        await self.db.merge(
            Conversation(user_id=who.user_id, version=session.version, state=session.conversation(), updated_at=self.now)
        )

    def remember(self, update_id: int, who: Who, replies: list[Any]) -> None:
        self.db.add(ProcessedUpdate(update_id=update_id, user_id=who.user_id, processed_at=self.now, replies=replies))


class Store:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def transaction(self, now: datetime) -> AsyncIterator[Transaction]:
        async with self._sessions() as db, db.begin():
            yield Transaction(db, now)

    async def forget_updates_before(self, moment: datetime) -> int:
        """Drop processed-update records older than Telegram could still redeliver."""
        async with self._sessions() as db, db.begin():
            result = await db.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < moment))
            return result.rowcount or 0

    async def close(self) -> None:
        await self.engine.dispose()


REDELIVERY_WINDOW = timedelta(days=2)  # Telegram keeps an unconfirmed update for 24 hours
