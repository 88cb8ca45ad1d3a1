"""A clock for the reminder runner that tests move by hand: `sleep` advances it instantly."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta


class FakeClock:
    def __init__(self, start: datetime):
        self.at = start
        self.mono = 1000.0

    def now(self) -> datetime:
        return self.at

    def monotonic(self) -> float:
        return self.mono

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # what was started before the sleep runs first, as in real time
        self.advance(timedelta(seconds=seconds))

    def advance(self, delta: timedelta) -> None:
        self.at += delta
        self.mono += delta.total_seconds()

    def set(self, moment: datetime) -> None:
        self.advance(moment - self.at)
