"""SQLite's group commit (`bot.storage.store.GroupCommit`): the events waiting for the database thread
commit together, each in its own savepoint. A failing event rolls back alone, a failing COMMIT
fails every event in it, no caller hears "done" before the COMMIT, and a process killed between
the batch's events and its COMMIT keeps none of them, so their redelivery applies each once."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, insert, select, text

from bot.storage.database import create_engine, upgrade
from bot.storage.models import Conversation, User
from bot.storage.store import Store

NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)


@pytest.fixture
async def store(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'group.sqlite3'}")
    upgrade(engine)
    opened = Store(engine)
    yield opened
    await opened.close()


def count_commits(store: Store) -> list[int]:
    """The number of events kept in each COMMIT from now on: their savepoints released, less
    those rolled back first (the ORM's own savepoints inside an event are not counted)."""
    commits: list[int] = []
    released = [0]

    def statement(_connection, _cursor, sql, *_) -> None:
        if sql == "RELEASE SAVEPOINT event":
            released[0] += 1
        elif sql == "ROLLBACK TO SAVEPOINT event":
            released[0] -= 1

    event.listen(store.engine, "before_cursor_execute", statement)

    def on_commit(_connection) -> None:
        commits.append(released[0])
        released[0] = 0

    event.listen(store.engine, "commit", on_commit)
    return commits


async def queued_behind_a_busy_thread(store: Store, works) -> list:
    """Run `works` as events that all wait while the database thread is busy with another one,
    so they come round together; their outcomes (a result or the exception), in order."""
    started, release = threading.Event(), threading.Event()

    def busy(tx) -> None:
        started.set()
        release.wait(10)

    blocker = asyncio.ensure_future(store.run(busy, NOW))
    await asyncio.to_thread(started.wait, 10)
    events = [asyncio.ensure_future(store.run(work, NOW)) for work in works]
    await asyncio.sleep(0)  # every event is queued now
    release.set()
    await blocker
    return await asyncio.gather(*events, return_exceptions=True)


def add_user(user_id: int):
    def work(tx) -> int:
        tx.connection.execute(
            insert(User).values(id=user_id, chat_id=user_id, first_name="", record={}, created_at=NOW)
        )
        return user_id

    return work


def fail_after(work):
    def failing(tx):
        work(tx)
        raise ValueError("this event fails after writing")

    return failing


def users_in(store: Store) -> list[int]:
    with store.transaction(NOW) as tx:
        return sorted(tx.connection.scalars(select(User.id)))


async def test_waiting_events_commit_together(store):
    commits = count_commits(store)
    outcomes = await queued_behind_a_busy_thread(store, [add_user(n) for n in (1, 2, 3, 4, 5)])
    assert outcomes == [1, 2, 3, 4, 5]
    assert commits == [1, 5]  # the busy event alone, then the five in one COMMIT
    assert users_in(store) == [1, 2, 3, 4, 5]


async def test_a_failing_event_rolls_back_alone(store):
    commits = count_commits(store)
    outcomes = await queued_behind_a_busy_thread(store, [add_user(1), fail_after(add_user(2)), add_user(3)])
    assert outcomes[0] == 1 and outcomes[2] == 3
    assert isinstance(outcomes[1], ValueError)
    assert commits == [1, 2]  # one batch: the failed event's savepoint was rolled back
    assert users_in(store) == [1, 3]  # the failed event's row is gone, its neighbours' are stored


async def test_an_orm_write_commits_inside_its_event(store):
    def orm_user(tx) -> None:
        tx.db.add(User(id=7, chat_id=7, first_name="", record={}, created_at=NOW))

    outcomes = await queued_behind_a_busy_thread(store, [orm_user, add_user(8)])
    assert outcomes == [None, 8]
    assert users_in(store) == [7, 8]


async def test_a_failed_commit_fails_every_event_in_it(store):
    def breaks_the_commit(tx) -> None:
        # A deferred foreign key is checked at COMMIT: a conversation of a user who does not exist.
        tx.connection.execute(text("PRAGMA defer_foreign_keys = ON"))
        tx.connection.execute(insert(Conversation).values(user_id=999, version=1, dialog={}, updated_at=NOW))

    outcomes = await queued_behind_a_busy_thread(store, [add_user(1), breaks_the_commit, add_user(3)])
    assert all(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert "FOREIGN KEY" in str(outcomes[0])
    assert users_in(store) == []  # none of them stored: their updates stay unconfirmed
    assert await store.run(add_user(4), NOW) == 4  # and the next batch commits as usual
    assert users_in(store) == [4]


async def test_a_cancelled_caller_does_not_undo_its_event(store):
    started, release = threading.Event(), threading.Event()

    def busy(tx) -> None:
        started.set()
        release.wait(10)
        add_user(1)(tx)

    waiting = asyncio.ensure_future(store.run(busy, NOW))
    await asyncio.to_thread(started.wait, 10)
    waiting.cancel()
    release.set()
    await asyncio.sleep(0)
    assert await store.run(add_user(2), NOW) == 2
    assert users_in(store) == [1, 2]


# The crash: a process handles five runners' updates through the real `Conversations`, the
# five wait together for the database thread, and the process is killed with SIGKILL at the
# batch's COMMIT (after every event of it ran, before SQLite committed). It prints the update
# ids it was told are done.
CHILD = textwrap.dedent(
    """
    import asyncio, os, signal, sys, threading
    from datetime import UTC, datetime
    from sqlalchemy import event
    from bot.storage.database import create_engine, upgrade
    from bot.runtime import Runtime
    from bot.config import Settings
    from bot.storage.store import Who
    from dialogs.events import Event

    url, kill = sys.argv[1], sys.argv[2] == "kill"
    NOW = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)

    async def main():
        runtime = await Runtime.open(Settings(database_url=url))
        released = [0]
        event.listen(runtime.store.engine, "begin", lambda *_: released.__setitem__(0, 0))
        def statement(_connection, _cursor, sql, *_):  # an event's savepoint released
            if sql == "RELEASE SAVEPOINT event":
                released[0] += 1
        event.listen(runtime.store.engine, "before_cursor_execute", statement)
        def at_commit(_connection):
            if kill and released[0] >= 5:  # the batch of five ran; its COMMIT has not
                os.kill(os.getpid(), signal.SIGKILL)
        event.listen(runtime.store.engine, "commit", at_commit)

        started, release = threading.Event(), threading.Event()
        def busy(tx):
            started.set()
            release.wait(10)
        blocker = asyncio.ensure_future(runtime.store.run(busy, NOW))
        await asyncio.to_thread(started.wait, 10)

        async def runner(number):
            who = Who(5000 + number, 5000 + number, "Runner")
            result = await runtime.conversations.handle(who, Event.from_text("/start", NOW, "Runner"), 70 + number)
            print(f"done {70 + number} {'repeated' if result.repeated else 'new'}", flush=True)

        runners = [asyncio.ensure_future(runner(n)) for n in range(5)]
        await asyncio.sleep(0)
        release.set()
        await blocker
        await asyncio.gather(*runners)
        await runtime.close()

    asyncio.run(main())
    """
)


def child(database: Path, mode: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, f"sqlite:///{database}", mode], capture_output=True, text=True, timeout=120
    )


def stored(database: Path) -> tuple[list[int], list[int]]:
    with sqlite3.connect(database) as db:
        receipts = sorted(row[0] for row in db.execute("SELECT update_id FROM processed_updates"))
        users = sorted(row[0] for row in db.execute("SELECT id FROM users"))
    return receipts, users


def test_a_kill_between_the_batch_and_its_commit_keeps_none_and_redelivery_applies_each_once(tmp_path):
    database = tmp_path / "crash.sqlite3"
    killed = child(database, "kill")
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert "done" not in killed.stdout  # nobody was told their update is done
    assert stored(database) == ([], [])  # and none of the five is in the database

    redelivered = child(database, "run")  # Telegram delivers the five again
    assert redelivered.returncode == 0, redelivered.stderr
    assert sorted(redelivered.stdout.split("\n")[:-1]) == [f"done {70 + n} new" for n in range(5)]
    assert stored(database) == ([70, 71, 72, 73, 74], [5000, 5001, 5002, 5003, 5004])

    again = child(database, "run")  # and once more: the receipts answer, nothing changes
    assert again.returncode == 0, again.stderr
    assert sorted(again.stdout.split("\n")[:-1]) == [f"done {70 + n} repeated" for n in range(5)]
    assert stored(database) == ([70, 71, 72, 73, 74], [5000, 5001, 5002, 5003, 5004])
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT COUNT(*) FROM conversations").fetchone() == (5,)
