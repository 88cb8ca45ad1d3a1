"""Database outages with the bot running as a process: SQLite locked by another process,
PostgreSQL stopped and started, a full disk. An update whose transaction could not be stored is
never confirmed (polling keeps its offset and backs off; the webhook answers 503, so Telegram
sends it again), the runner gets no "nothing was changed" apology for it, and once the database
is back every update has taken effect exactly once: lost 0, duplicated 0, false apologies 0."""

import contextlib
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy
from support.botapi import FakeBotApi
from support.processes import BotProcess, free_port

from bot.storage.database import create_engine

pytestmark = pytest.mark.e2e
RUNNERS = range(8601, 8605)
LOGS = ("3x12 shoulder press 8kg", "2x10 rows 10kg", "15 lateral raises")  # 3 + 2 + 1 sets
SETS = 6
APOLOGY = "went wrong"


def onboard(api, user):
    for text in ("/start", "kg", "Berlin"):
        api.send_text(user, text)

    def not_now():
        for message in api.messages(user):
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
                for button in row:
                    if button["text"] == "Not now":
                        return message["message_id"], button["callback_data"]
        return None

    api.press(user, *api.wait_for(not_now, timeout=30))
    api.wait_for(lambda: not_now() is None, timeout=30)  # its step is over: the buttons are gone


def logged_replies(api, user):
    return [m for m in api.messages(user) if (m.get("text") or "").startswith("✓ Logged")]


def wait_until_everything_is_logged(api, timeout=60):
    api.wait_for(lambda: all(len(logged_replies(api, u)) >= len(LOGS) for u in RUNNERS), timeout=timeout)


def stored_sets(read_rows):
    """{user: number of set rows} from `read_rows()` -> [(user_id, count)]."""
    return dict(read_rows())


def assert_exactly_once(api, sets_by_user):
    lost = {u: SETS - sets_by_user.get(u, 0) for u in RUNNERS if sets_by_user.get(u, 0) < SETS}
    duplicated = {u: sets_by_user[u] - SETS for u in RUNNERS if sets_by_user.get(u, 0) > SETS}
    apologies = {u: n for u in RUNNERS if (n := sum(APOLOGY in (m.get("text") or "") for m in api.messages(u)))}
    assert (lost, duplicated, apologies) == ({}, {}, {})
    for user in RUNNERS:  # each log answered once: a repeat of a committed update sends nothing again
        assert len(logged_replies(api, user)) == len(LOGS), [m.get("text") for m in api.messages(user)]
    assert api.pending_updates() == []


def sqlite_sets(path):
    def read():
        with sqlite3.connect(path) as db:
            return db.execute("SELECT user_id, count(*) FROM set_logs GROUP BY user_id").fetchall()

    return read


def not_stored_lines(bot):
    return bot.log.read_text(errors="replace").count("not stored (database unavailable")


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_sqlite_locked_by_another_process(tmp_path, mode):
    """Another process holds SQLite's write lock longer than the bot waits for it (`?timeout=1`)."""
    database = tmp_path / "locked.sqlite3"
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, mode, f"sqlite:///{database}?timeout=1").start()
        try:
            for user in RUNNERS:
                onboard(api, user)
            other = sqlite3.connect(database, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")  # the write lock, as a backup tool or a second bot would hold it
            try:
                for text in LOGS:
                    for user in RUNNERS:
                        api.send_text(user, text)
                api.wait_for(lambda: not_stored_lines(bot) >= 2, timeout=30)
                time.sleep(2)
                assert all(logged_replies(api, u) == [] for u in RUNNERS)  # nothing was claimed stored
            finally:
                other.execute("ROLLBACK")
                other.close()
            wait_until_everything_is_logged(api)
        finally:
            assert bot.stop() == 0, bot.log.read_text()
    assert_exactly_once(api, stored_sets(sqlite_sets(database)))


def test_the_webhook_answers_503_while_the_database_cannot_store_an_update(tmp_path):
    database = tmp_path / "locked.sqlite3"
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, "webhook", f"sqlite:///{database}?timeout=0.5").start()
        try:
            update = {
                "update_id": 424242,
                "message": {
                    "message_id": 1,
                    "date": int(time.time()),
                    "text": "/start",
                    "chat": {"id": 8700, "type": "private", "first_name": "Ann"},
                    "from": {"id": 8700, "is_bot": False, "first_name": "Ann"},
                    "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
                },
            }

            def post():
                request = urllib.request.Request(
                    f"http://127.0.0.1:{bot.port}/tg-hook",
                    data=json.dumps(update).encode(),
                    headers={"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": bot.secret},
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        return answer.status
                except urllib.error.HTTPError as error:
                    return error.code

            other = sqlite3.connect(database, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            try:
                assert post() == 503
            finally:
                other.execute("ROLLBACK")
                other.close()
            assert api.messages(8700) == []  # no reply, no apology: nothing happened yet
            assert post() == 200  # Telegram's retry
            assert post() == 200  # and a redelivery of it changes nothing
        finally:
            assert bot.stop() == 0, bot.log.read_text()
    texts = [m["text"] for m in api.messages(8700)]
    assert sum(t.startswith("Which units") for t in texts) >= 1 and not any(APOLOGY in t for t in texts)
    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM processed_updates WHERE update_id = 424242").fetchone() == (1,)


class OwnPostgres:
    """A throw-away PostgreSQL server of the test's own on a free port (never the shared one),
    so it can be stopped and started."""

    def __init__(self):
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins:
            pytest.skip("PostgreSQL's server binaries are not installed")
        self.bin = Path(bins[-1]).parent
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.data = Path(tempfile.mkdtemp(prefix="armswing-outage-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self.data, "postgres")
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")

    def _run(self, tool, *args):
        subprocess.run([*self.as_postgres, str(self.bin / tool), *args], check=True, capture_output=True, timeout=60)

    def start(self):
        options = f"-h 127.0.0.1 -p {self.port} -k {self.data} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.data / "server.log"), "-w", "-o", options, "start")

    def stop(self):
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self):
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.data, ignore_errors=True)


@pytest.fixture
def own_postgres():
    server = OwnPostgres()
    server.start()
    yield server
    server.remove()


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_postgresql_stopped_and_started_under_load(tmp_path, own_postgres, mode):
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, mode, own_postgres.url).start()
        try:
            for user in RUNNERS:
                onboard(api, user)
            api.send_text(RUNNERS[0], LOGS[0])  # one log taken before the outage
            api.wait_for(lambda: len(logged_replies(api, RUNNERS[0])) == 1, timeout=30)
            own_postgres.stop()
            for text in LOGS:
                for user in RUNNERS:
                    if (user, text) != (RUNNERS[0], LOGS[0]):
                        api.send_text(user, text)
            api.wait_for(lambda: not_stored_lines(bot) >= 2, timeout=30)
            time.sleep(3)  # Telegram keeps sending them (webhook) / the bot keeps asking (polling)
            assert sum(len(logged_replies(api, u)) for u in RUNNERS) == 1
            own_postgres.start()
            wait_until_everything_is_logged(api)
        finally:
            assert bot.stop() == 0, bot.log.read_text()
    engine = create_engine(own_postgres.url)
    with engine.connect() as connection:
        rows = connection.execute(sqlalchemy.text("SELECT user_id, count(*) FROM set_logs GROUP BY user_id")).all()
    engine.dispose()
    assert_exactly_once(api, {user: count for user, count in rows})


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs of its own: a disk that can really be filled (needs the right to mount)."""
    where = Path(tempfile.mkdtemp(prefix="armswing-disk-"))
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(where)], capture_output=True)
    if mounted.returncode != 0:
        where.rmdir()
        pytest.skip("cannot mount a tmpfs here (not root)")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)
    where.rmdir()


def fill(disk):
    """Write a ballast file until the disk refuses more, as a log file or a backup would."""
    descriptor = os.open(disk / "ballast", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(descriptor, b"\0" * 65536)
        with contextlib.suppress(OSError):
            while True:
                os.write(descriptor, b"\0" * 512)
    finally:
        os.close(descriptor)


def test_a_full_disk(tmp_path, small_disk):
    """The disk holding SQLite fills up (a real ENOSPC on a tmpfs, not a simulated error): nothing
    is confirmed that was not stored; once there is room again the bot goes on by itself."""
    database = small_disk / "armswing.sqlite3"
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{database}").start()
        try:
            for user in RUNNERS:
                onboard(api, user)
            fill(small_disk)
            for text in LOGS:
                for user in RUNNERS:
                    api.send_text(user, text)
            api.wait_for(lambda: "SQLITE_FULL" in bot.log.read_text(errors="replace"), timeout=30)
            time.sleep(3)
            assert api.pending_updates() != []  # not confirmed: Telegram keeps them
            (small_disk / "ballast").unlink()  # the operator makes room
            wait_until_everything_is_logged(api)
        finally:
            assert bot.stop() == 0, bot.log.read_text()
    assert_exactly_once(api, stored_sets(sqlite_sets(database)))
