"""The database, one transaction per event: the unit of work (`Transaction`) and the threads
that run it (`Store`, `GroupCommit`). What an event reads and writes of the runner's
conversation is `bot.storage.sessions`; the logbook, reminders, timers and the outbox have their own.

Each event is one call of `await Store.run(work, now)`: `work(tx)` runs, with its whole
transaction, on a database thread, so the event loop waits once per event, not once per
statement, and a slow disk never stalls the other chats. The user's row is locked
(`SELECT … FOR UPDATE` on PostgreSQL; SQLite takes its write lock at `BEGIN IMMEDIATE`), so two
replicas never interleave one user's updates, and the session, the effects and the processed
update id are committed together or not at all.

SQLite commits in groups (`GroupCommit`): a durable commit is one fsync, and one database
thread doing one fsync per event was the ceiling. The events waiting when the thread comes
round run one after another inside one `BEGIN IMMEDIATE … COMMIT`, each in a SAVEPOINT of its
own: an event that fails is rolled back to its savepoint alone, the others go on; a COMMIT that
fails fails every event in it (their updates are not confirmed, so Telegram delivers them
again). A caller is answered only after the COMMIT that made its event durable. PostgreSQL
already merges the WAL flushes of concurrent commits, and a batch there would hold several
users' row locks across replicas (deadlocks), so it runs one transaction per event on a pool
of database threads.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from sqlalchemy import (
    Connection,
    Engine,
    delete,
    text,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.pool import QueuePool

from bot.metrics import Pseudonym
from bot.storage.models import ErasedUpdate, ProcessedUpdate, core_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Who:
    """The person an event comes from: their private chat with the bot (where reminders go) and,
    for an event from a group chat the operator allowed, that group (where the answer goes)."""

    user_id: int
    chat_id: int
    first_name: str = ""
    group_chat: int | None = None

    @property
    def answer_chat(self) -> int:
        return self.chat_id if self.group_chat is None else self.group_chat


MAX_BATCH = 64  # events in one SQLite commit: enough to absorb a polling batch, short enough to answer soon
WITHOUT_SECRET = Pseudonym("")  # for stores opened without the bot's token (tests, tools)
T = TypeVar("T")


class Unavailable(Exception):
    """The database could not take a transaction just now: unreachable or restarting, locked by
    another process, out of disk space, a connection lost half-way. Nothing was written, and the
    same work can succeed later, so an update that met this is never confirmed to Telegram: it
    comes again. The message names the kind of failure only (never a statement or its values)."""


def _reason(error: Exception) -> str | None:
    """Why `error` means "try again later", or None if it is not that kind of failure."""
    if isinstance(error, PoolTimeout):
        return "no free database connection"
    if not isinstance(error, DBAPIError):
        return None
    if not (error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)):
        return None
    driver = error.orig
    code = getattr(driver, "sqlite_errorname", None) or getattr(driver, "sqlstate", None) or ""
    return f"{type(driver).__name__} {code}".strip()


class Transaction:
    """One event's unit of work: the connection, the moment, and an ORM session when an effect
    needs one. What it reads and writes of the runner's conversation is `bot.storage.sessions`."""

    def __init__(self, connection: Connection, now: datetime, pseudonym: Callable[[int], str]):
        self.connection = connection
        self.now = now
        self.pseudonym = pseudonym
        self.insert = pg_insert if connection.dialect.name == "postgresql" else sqlite_insert  # the dialect's
        self._session: OrmSession | None = None
        self.erased: set[int] = set()  # users whose data this transaction deleted (`bot.storage.sessions`)

    @property
    def db(self) -> OrmSession:
        """An ORM session inside this transaction, for effects that use the models; made on
        first use, since most events need none. It works in a savepoint of its own, so it
        leaves the event's transaction (or the event's savepoint in a group commit) alone."""
        if self._session is None:
            self._session = OrmSession(
                bind=self.connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
        return self._session

    def flush(self) -> None:
        """Write what the ORM session holds (releasing its savepoint); the connection's
        transaction then commits it all."""
        if self._session is not None:
            self._session.commit()

    def close(self) -> None:
        if self._session is not None:
            self._session.close()


class Store:
    """The database, reached from its own threads: one for SQLite (its single connection,
    committing in groups), one per pooled connection for PostgreSQL. A transaction started keeps
    going if its caller is cancelled: it commits or rolls back as a whole, and a receipt answers
    a redelivery."""

    def __init__(self, engine: Engine, pseudonym: Callable[[int], str] = WITHOUT_SECRET):
        """`pseudonym`: the keyed hash that anonymises a deleted user's receipts (`bot.runtime`
        keys it with the bot's token)."""
        self.engine = engine
        self.pseudonym = pseudonym
        self._group: GroupCommit | None = None
        self._threads: ThreadPoolExecutor | None = None
        if engine.dialect.name == "sqlite":
            self._group = GroupCommit(self)
        else:
            self._threads = ThreadPoolExecutor(cast(QueuePool, engine.pool).size(), thread_name_prefix="database")

    async def run(self, work: Callable[[Transaction], T], now: datetime | None = None) -> T:
        """`work(tx)` in one transaction on a database thread: committed if it returns, rolled
        back if it raises. `tx.now` is `now` (the event's time), or the time it starts."""
        if self._group is not None:
            return await self._group.submit(work, now)
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run, work, now)

    def _run(self, work: Callable[[Transaction], T], now: datetime | None) -> T:
        try:
            with self.transaction(now) as tx:
                return work(tx)
        except (DBAPIError, PoolTimeout) as error:
            failure = self.unavailable(error)
            if failure is error:
                raise
            raise failure from None

    def unavailable(self, error: Exception) -> Exception:
        """`Unavailable` for a failure that means "try again later" (the driver's message quotes
        the statement's values, so it is dropped), else `error` itself."""
        reason = _reason(error)
        if reason is None:
            return error
        if reason.endswith("SQLITE_FULL"):
            self._shrink_wal()
        return Unavailable(reason)

    def _shrink_wal(self) -> None:
        """The disk is full, maybe of SQLite's own write-ahead log: copy what it holds into the
        database and truncate it. A log of many versions of the same pages gives back most of its
        space; if the disk is full of something else this fails too, and the next attempt tries again."""
        connection = self.engine.raw_connection()
        try:
            connection.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        except Exception as error:  # noqa: BLE001 — best effort; the update comes again either way
            log.warning("could not shrink the write-ahead log (%s)", type(error).__name__)
        finally:
            connection.close()

    @contextmanager
    def transaction(self, now: datetime | None = None) -> Iterator[Transaction]:
        """A transaction on the calling thread (the database threads, migrations, tests)."""
        with self.engine.begin() as connection:
            tx = Transaction(connection, now or datetime.now(UTC), self.pseudonym)
            try:
                yield tx
                tx.flush()
            finally:
                tx.close()

    async def forget_updates_before(self, moment: datetime) -> int:
        """Drop receipts (anonymised ones too) older than Telegram could still redeliver."""

        def forget(tx: Transaction) -> int:
            return sum(
                tx.connection.execute(delete(table).where(table.c.processed_at < moment)).rowcount or 0
                for table in (core_table(ProcessedUpdate), core_table(ErasedUpdate))
            )

        return await self.run(forget, moment)

    async def ping(self) -> None:
        """Raise if the database cannot be reached (the health check)."""
        await self.run(lambda tx: tx.connection.execute(text("SELECT 1")))

    async def close(self) -> None:
        """Wait for the transactions in progress, then close the connections."""
        if self._group is not None:
            await asyncio.to_thread(self._group.stop)
        if self._threads is not None:
            await asyncio.to_thread(self._threads.shutdown)
        self.engine.dispose()


class _Job:
    """An event waiting for the database thread, and where its answer goes."""

    __slots__ = ("future", "loop", "now", "work")

    def __init__(self, work: Callable[[Transaction], Any], now: datetime | None):
        self.work, self.now = work, now
        self.loop = asyncio.get_running_loop()
        self.future: asyncio.Future[Any] = self.loop.create_future()

    def answer(self, result: Any = None, error: BaseException | None = None) -> None:
        """Hand the outcome to the caller's event loop (the caller may have gone: cancelled)."""

        def settle() -> None:
            if self.future.done():
                return
            if error is not None:
                self.future.set_exception(error)
            else:
                self.future.set_result(result)

        try:
            self.loop.call_soon_threadsafe(settle)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            pass


class GroupCommit:
    """SQLite's database thread: takes the events waiting (up to `max_batch`) and commits them
    together, each in its own SAVEPOINT inside one `BEGIN IMMEDIATE … COMMIT` (see the module
    docstring)."""

    def __init__(self, store: Store, max_batch: int = MAX_BATCH):
        self.store = store
        self.max_batch = max_batch
        self._waiting: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="database", daemon=True)
        self._thread.start()

    def submit(self, work: Callable[[Transaction], T], now: datetime | None) -> asyncio.Future[T]:
        job = _Job(work, now)
        self._waiting.put(job)
        return job.future

    def stop(self) -> None:
        """Commit what is waiting, then end the thread."""
        self._waiting.put(None)
        self._thread.join()

    def _serve(self) -> None:
        while (first := self._waiting.get()) is not None:
            batch = [first]
            while len(batch) < self.max_batch:
                try:
                    job = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    self._waiting.put(None)  # stop after this batch
                    break
                batch.append(job)
            self.commit([job for job in batch if not job.future.cancelled()])

    def commit(self, batch: list[_Job]) -> None:
        """Run `batch` in one transaction and answer every job once it is committed (or not)."""
        if not batch:
            return
        outcomes: list[tuple[_Job, Any, BaseException | None]] = []
        try:
            with self.store.engine.connect() as connection, connection.begin():
                for job in batch:
                    outcomes.append((job, *self._one(connection, job)))
        except Exception as error:  # noqa: BLE001 — whatever ended the transaction fails all of it
            failure = self.store.unavailable(error)
            log.warning("a group commit of %d event(s) failed (%s); none is stored", len(batch), type(failure).__name__)
            for job in batch:
                job.answer(error=failure)
            return
        for job, result, failed in outcomes:
            job.answer(result, failed)

    def _one(self, connection: Connection, job: _Job) -> tuple[Any, BaseException | None]:
        """One event in its savepoint: (result, None), or (None, its error) rolled back alone.
        A savepoint that cannot be rolled back raises: the whole transaction is gone.

        The savepoint is plain SQL, not SQLAlchemy's `begin_nested` (which compiles a new
        statement for each savepoint's unique name: 61 µs an event against 17). The ORM session
        of an event that has one keeps its own savepoint inside this one (`Transaction.db`)."""
        connection.exec_driver_sql("SAVEPOINT event")
        tx = Transaction(connection, job.now or datetime.now(UTC), self.store.pseudonym)
        try:
            result = job.work(tx)
            tx.flush()
        except Exception as error:  # noqa: BLE001 — the event's own failure, handed to its caller
            tx.close()
            connection.exec_driver_sql("ROLLBACK TO SAVEPOINT event")
            connection.exec_driver_sql("RELEASE SAVEPOINT event")
            return None, self.store.unavailable(error)
        tx.close()
        connection.exec_driver_sql("RELEASE SAVEPOINT event")
        return result, None


# Telegram keeps an unconfirmed update for 24 hours; a receipt (and a deleted runner's anonymised
# one) is kept twice as long.
REDELIVERY_WINDOW = timedelta(days=2)
