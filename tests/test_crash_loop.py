"""A crash loop: the bot process is killed with SIGKILL again and again, a fraction of a second to
a second and a half after each start, while runners' logs wait at Telegram. Each start must make
progress (what committed is confirmed, its replies sit in the outbox), no reply may be sent more
than `bot.storage.outbox.MAX_CLAIMS` times however often the process dies, and once it stays up every set
is stored exactly once, every log answered, nobody apologised to.

    ARMSWING_CRASH_LOOP_KILLS=40 .venv/bin/python -m pytest -q tests/test_crash_loop.py   # longer
"""

import os
import random
import signal
import sqlite3
import time
from collections import Counter

import pytest
from support.botapi import FakeBotApi
from support.processes import BotProcess
from test_outage import onboard

from bot.storage.outbox import MAX_CLAIMS

pytestmark = pytest.mark.e2e
KILLS = int(os.environ.get("ARMSWING_CRASH_LOOP_KILLS", "10"))
RUNNERS = range(8501, 8507)
LOGS = ("3x12 shoulder press 8kg", "2x10 rows 10kg", "15 lateral raises", "3x8 curls 6kg")
SETS = 9


def test_a_crash_loop_makes_progress_and_bounds_the_replays_of_a_reply(tmp_path):
    rng = random.Random(14)
    database = tmp_path / "loop.sqlite3"
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{database}").start()
        for user in RUNNERS:
            onboard(api, user)
        bot.stop()
        for text in LOGS:
            for user in RUNNERS:
                api.send_text(user, text)
        for _ in range(KILLS):
            bot.start()
            time.sleep(rng.uniform(0.3, 1.5))
            bot.stop(signal.SIGKILL)
        bot.start()
        try:
            api.wait_for(
                lambda: all(len({t for t in texts(api, u) if t.startswith("✓ Logged")}) >= len(LOGS) for u in RUNNERS),
                timeout=90,
            )
        finally:
            assert bot.stop() == 0, bot.log.read_text()
        assert api.pending_updates() == []
    with sqlite3.connect(database) as db:
        stored = dict(db.execute("SELECT user_id, count(*) FROM set_logs GROUP BY user_id").fetchall())
        left = db.execute("SELECT count(*) FROM outbox").fetchone()[0]
    assert stored == {user: SETS for user in RUNNERS}
    assert left == 0
    for user in RUNNERS:
        sent = Counter(t for t in texts(api, user) if t.startswith("✓ Logged"))
        assert len(sent) == len(LOGS) and max(sent.values()) <= MAX_CLAIMS, sent
        assert not any("went wrong" in t for t in texts(api, user))


def texts(api, user):
    return [m.get("text") or "" for m in api.messages(user)]


@pytest.mark.parametrize(
    ("ask", "method", "looks_right"),
    [
        ("/export", "sendDocument", lambda file: b"Shoulder press" in file.content and file.filename.endswith(".csv")),
        ("/progress", "sendPhoto", lambda file: file.content.startswith(b"\x89PNG")),
    ],
)
def test_a_reply_sent_again_after_a_crash_brings_its_file(tmp_path, ask, method, looks_right):
    """The process dies while it sends /export's CSV or /progress's chart (committed; the send
    hangs): the next process sends the reply from the outbox, its file made again from the
    runner's log, never the words alone."""
    user = 8521
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{tmp_path / 'files.sqlite3'}").start()
        onboard(api, user)
        for text in ("yesterday 3x12 shoulder press 8kg", "3x12 shoulder press 9kg"):  # two days: a chart
            api.send_text(user, text)
        api.wait_for(lambda: len([t for t in texts(api, user) if t.startswith("✓ Logged")]) == 2, timeout=30)
        api.misbehave_next(method, "hang", chat_id=user)
        api.send_text(user, ask)
        api.wait_for(lambda: api.misbehaviours_left() == 0, timeout=60)  # the file is made, its send hangs
        bot.stop(signal.SIGKILL)
        api.release_hangs()
        assert api.uploads(user) == []
        bot.start()
        try:
            api.wait_for(lambda: api.uploads(user), timeout=60)  # the claim lapses, the next process sends
            time.sleep(1)  # a second copy would show by now
        finally:
            assert bot.stop() == 0, bot.log.read_text()
    [file] = api.uploads(user)
    assert looks_right(file)
    [sent] = [m for m in api.messages(user) if m.get("caption")]
    assert sent["caption"].startswith("Your log: 6 sets" if ask == "/export" else "Your progress")
