"""Files made after an event's commit (the /progress chart, the /export CSV), in worker processes.

Drawing a chart holds the GIL for a quarter to half a second, and a CSV of a long log takes as
long to read and write; in the bot's process either stalls every chat for that time, on a
thread too. Here they run in a small `ProcessPoolExecutor` (spawned, so a worker copies none
of the bot's threads and locks) while the event loop serves the other chats. A worker reads
what it needs from the database itself (`connection()`), so a 50,000-set export neither passes
through the bot's process nor waits on its database thread.

A chart is kept per runner, keyed by what it shows (the summary, the colours): asking again
before their log (or the week) changed sends the same picture without drawing it. /deletedata
forgets it (`forget`), and a chart still being drawn for the runner then is sent but not kept.
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import ProcessPoolExecutor

from sqlalchemy import Connection, Engine

from bot.message import Attachment

WORKERS = 2  # the machine class this runs on has 2 cores
KEPT = 256  # charts kept (about 100 kB each)

_engine: Engine | None = None  # in a worker: its own engine on the bot's database


def _start_worker(database_url: str) -> None:
    global _engine
    from bot.storage.database import create_engine

    _engine = create_engine(database_url)


def connection() -> Connection:
    """A connection of this worker's own to the database (only inside a job)."""
    if _engine is None:
        raise RuntimeError("bot.files.connection() outside a worker process")
    return _engine.connect()


class Files:
    def __init__(self, database_url: str, workers: int = WORKERS, kept: int = KEPT):
        self._database_url = database_url
        self._workers = workers
        self._pool: ProcessPoolExecutor | None = None  # started on first use: most processes never draw
        self._kept: OrderedDict[int, tuple[Hashable, Attachment]] = OrderedDict()
        self._limit = kept
        self._drawing: dict[int, int] = {}  # runners with files being made: how many
        self._forgotten: set[int] = set()  # of those, runners forgotten meanwhile: their files are not kept
        self.made = 0  # files made in the workers, not taken from what is kept

    async def make(self, user_id: int, job: Callable[[], Attachment], key: Hashable | None = None) -> Attachment:
        """`job()` in a worker process (it must pickle: a module-level function and plain data);
        with a `key`, the last file made for this runner with an equal key is sent again."""
        kept = self._kept.get(user_id)
        if key is not None and kept is not None and kept[0] == key:
            self._kept.move_to_end(user_id)
            return kept[1]
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                self._workers, mp_context=context, initializer=_start_worker, initargs=(self._database_url,)
            )
        self._drawing[user_id] = self._drawing.get(user_id, 0) + 1
        try:
            made = await asyncio.get_running_loop().run_in_executor(self._pool, job)
        finally:
            forgotten = user_id in self._forgotten
            self._drawing[user_id] -= 1
            if not self._drawing[user_id]:
                del self._drawing[user_id]
                self._forgotten.discard(user_id)
        self.made += 1
        if key is not None and not forgotten:
            self._kept[user_id] = (key, made)
            self._kept.move_to_end(user_id)
            while len(self._kept) > self._limit:
                self._kept.popitem(last=False)
        return made

    def forget(self, user_id: int) -> None:
        """Drop what is kept of this runner (their data was deleted)."""
        self._kept.pop(user_id, None)
        if user_id in self._drawing:
            self._forgotten.add(user_id)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
