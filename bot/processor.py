"""Concurrency for updates: different users at once, each user's updates strictly in order.

PTB's default handles every update one after another, so one slow round trip to Telegram holds
up everybody. Here each user has a lock; a user's updates queue on it in arrival order and only
then take one of the shared slots, so a flood from one user cannot starve the others.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def user_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, max_concurrent_updates: int = 256):
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, tuple[asyncio.Lock, int]] = {}

    # PTB marks process_update final; overriding it is what puts the per-user turn *before* the
    # concurrency semaphore, so that one runner's queued updates never hold slots other runners need.
    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:  # type: ignore[misc]
        await self.run_for(user_key(update), super().process_update(update, coroutine))

    async def run_for(self, key: int | None, coroutine: Awaitable[Any]) -> None:
        """Run `coroutine` in `key`'s turn: after that user's earlier updates and timers."""
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]  # no one else waiting: keep memory flat for 100,000 users
            else:
                self._locks[key] = (lock, users - 1)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await coroutine

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
