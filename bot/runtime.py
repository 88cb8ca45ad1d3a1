"""The resources one Armswing process holds: opened once at start, closed once at exit."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError

from bot.config import Settings
from bot.conversation import Conversations
from bot.files import Files
from bot.metrics import Pseudonym
from bot.storage.database import create_engine, upgrade
from bot.storage.store import Store
from dialogs.coach import Coach

log = logging.getLogger(__name__)
DATABASE_WAITS = (0.5, 1, 2, 4, 8)  # seconds between attempts to reach the database at start


class StartupError(RuntimeError):
    """The configuration or the environment does not let Armswing start; the message says why."""


@dataclass
class Runtime:
    settings: Settings
    store: Store
    conversations: Conversations

    @classmethod
    async def open(cls, settings: Settings, coach: Coach | None = None) -> Runtime:
        try:
            engine = create_engine(settings.database_url)
        except (ValueError, ArgumentError) as error:
            raise StartupError(f"DATABASE_URL: {error}") from None
        for attempt, pause in enumerate((*DATABASE_WAITS, None), start=1):
            try:
                await asyncio.to_thread(upgrade, engine)
                break
            except (OperationalError, DBAPIError, OSError) as error:
                if pause is None:
                    engine.dispose()
                    raise StartupError(
                        f"cannot reach the database ({type(error).__name__}); check DATABASE_URL"
                    ) from None
                log.warning("database not reachable (attempt %d), retrying in %ss", attempt, pause)
                await asyncio.sleep(pause)
        store = Store(engine, Pseudonym(settings.token or ""))
        files = Files(settings.database_url)
        return cls(settings, store, Conversations(store, coach or Coach.load(), files))

    async def close(self) -> None:
        await asyncio.to_thread(self.conversations.files.close)
        await self.store.close()
