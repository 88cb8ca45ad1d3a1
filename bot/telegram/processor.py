"""Concurrency for updates: different users at once, each user's updates strictly in order.

PTB's default handles every update one after another, so one slow round trip to Telegram holds
up everybody. Here each user has a lock; a user's updates queue on it in arrival order and only
then take one of the shared slots, so a flood from one user cannot starve the others.

PTB's own bound (`max_concurrent_updates`, kept by its final `process_update`) counts the
updates held: waiting for their runner's turn, or running. It is set well above what can be in
flight at once (a `getUpdates` batch is at most 100, the webhook has up to 40 connections), so
it never holds an update back; `slots` bounds those that run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

HELD = 4096  # updates waiting for their runner's turn or running (PTB's bound)
SLOTS = 256  # updates running at once


def user_key(update: object) -> int | None:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return update.effective_user.id
        if update.effective_chat is not None:
            return update.effective_chat.id
    return None


class PerUserUpdateProcessor(BaseUpdateProcessor):
    def __init__(self, slots: int = SLOTS, held: int = HELD):
        super().__init__(held)
        self._slots = asyncio.BoundedSemaphore(slots)
        self._locks: dict[int | None, tuple[asyncio.Lock, int]] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        await self.run_for(user_key(update), coroutine)

    async def run_for(self, key: int | None, coroutine: Awaitable[Any]) -> None:
        """Run `coroutine` in `key`'s turn (after that user's earlier updates and timers), in one
        of the shared slots: a runner's queued updates never hold slots other runners need."""
        lock, users = self._locks.get(key, (None, 0))
        lock = lock or asyncio.Lock()
        self._locks[key] = (lock, users + 1)
        try:
            async with lock, self._slots:
                await coroutine
        finally:
            lock, users = self._locks[key]
            if users == 1:
                del self._locks[key]  # no one else waiting: keep memory flat for 100,000 users
            else:
                self._locks[key] = (lock, users - 1)

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
