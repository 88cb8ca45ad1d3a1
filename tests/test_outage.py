"""Database outages with the bot running as a process: SQLite locked by another process,
PostgreSQL stopped and started, a full disk. An update whose transaction could not be stored is
never confirmed (polling keeps its offset and backs off; the webhook answers 503, so Telegram
sends it again), the runner gets no "nothing was changed" apology for it, and once the database
is back every update has taken effect exactly once: lost 0, duplicated 0, false apologies 0."""

import json
import sqlite3
import time
import urllib.error
import urllib.request

import pytest
from support.botapi import FakeBotApi
from test_e2e import BotProcess

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
    for user in RUNNERS:  # each log answered (a repeat of a committed update may answer again)
        assert len(logged_replies(api, user)) >= len(LOGS), [m.get("text") for m in api.messages(user)]
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
