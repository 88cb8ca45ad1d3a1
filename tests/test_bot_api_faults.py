"""The bot process against a Bot API that fails: sendMessage answered with 500 or 429, hanging,
dropping the connection, answering garbage, or doing the call and losing the answer, per chat.
Every set is stored once, every reply goes out once (twice only where Telegram did the call and
the answer was lost: the bot cannot tell), in order, and nobody is told "nothing was changed"
about an update that took effect. A chat whose sends hang does not hold up the other chats."""

import re
import sqlite3
import time

import pytest
from support.botapi import FakeBotApi
from support.processes import BotProcess
from test_outage import onboard

pytestmark = pytest.mark.e2e
LOGS = ("3x12 shoulder press 8kg", "2x10 rows 10kg", "15 lateral raises")
SETS = 6
FAULTS = {  # chat: how its sendMessage calls fail
    8801: ("fail", 500, 3),
    8802: ("fail", 429, 2),
    8803: ("misbehave", "drop", 3),
    8804: ("misbehave", "not_json", 2),
    8805: ("misbehave", "truncated", 2),
    8806: ("misbehave", "hang", 1),
    8807: ("misbehave", "lose_answer", 1),
    8808: None,
}


def logged(api, user):
    return [m["text"] for m in api.messages(user) if (m.get("text") or "").startswith("✓ Logged")]


def set_rows(database):
    with sqlite3.connect(database) as db:
        return dict(db.execute("SELECT user_id, count(*) FROM set_logs GROUP BY user_id").fetchall())


def test_replies_survive_a_failing_bot_api_and_are_never_replaced_by_an_apology(tmp_path):
    database = tmp_path / "faults.sqlite3"
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{database}").start()
        try:
            for user in FAULTS:
                onboard(api, user)
            for user, fault in FAULTS.items():
                if fault is None:
                    continue
                kind, how, times = fault
                if kind == "fail":
                    api.fail_next("sendMessage", how, chat_id=user, times=times, retry_after=1 if how == 429 else None)
                else:
                    api.misbehave_next("sendMessage", how, chat_id=user, times=times)
            for text in LOGS:
                for user in FAULTS:
                    api.send_text(user, text)
            time.sleep(3)
            api.release_hangs()  # the hung send ends without an answer, as a timeout would
            api.wait_for(lambda: all(len(logged(api, u)) >= len(LOGS) for u in FAULTS), timeout=60)
            time.sleep(1)  # anything sent twice would show by now
        finally:
            assert bot.stop() == 0, bot.log.read_text()
        assert api.pending_updates() == []
    stored = set_rows(database)
    lost = {u: SETS - stored.get(u, 0) for u in FAULTS if stored.get(u, 0) < SETS}
    duplicated = {u: stored[u] - SETS for u in FAULTS if stored.get(u, 0) > SETS}
    apologies = {u for u in FAULTS if any("went wrong" in (m.get("text") or "") for m in api.messages(u))}
    assert (lost, duplicated, apologies) == ({}, {}, set())
    for user in FAULTS:
        replies = logged(api, user)
        expected = len(LOGS) + (1 if user == 8807 else 0)  # the lost answer: Telegram has it, the bot retried
        assert len(replies) == expected, (user, replies)
        assert [r.split(" — ")[0] for r in dict.fromkeys(replies)] == [
            "✓ Logged Shoulder press",
            "✓ Logged Bent-over row",
            "✓ Logged Lateral raise",
        ], (user, replies)  # in the order the runner wrote them


def test_a_chat_whose_sends_hang_does_not_hold_up_the_other_chats(tmp_path):
    """Polling: the hanging chat's replies wait for it; every other chat is answered at once."""
    stuck, others = 8901, range(8902, 8906)
    database = tmp_path / "hang.sqlite3"
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{database}").start()
        try:
            for user in (stuck, *others):
                onboard(api, user)
            api.misbehave_next("sendMessage", "hang", chat_id=stuck, times=1000)
            waits = []
            for text in LOGS:
                api.send_text(stuck, text)
                for user in others:
                    before = len(logged(api, user))
                    sent = time.monotonic()
                    api.send_text(user, text)
                    api.wait_for(lambda u=user, n=before: len(logged(api, u)) > n, timeout=30)
                    waits.append(time.monotonic() - sent)
            assert logged(api, stuck) == []
            assert max(waits) < 3, waits  # before: every chat waited for the hung send (15 s and more)
            api.clear_misbehaviours()
            api.release_hangs()
            api.wait_for(lambda: len(logged(api, stuck)) >= len(LOGS), timeout=30)
            time.sleep(1)
        finally:
            assert bot.stop() == 0, bot.log.read_text()
        assert api.pending_updates() == []
    replies = logged(api, stuck)
    assert [r.split(" — ")[0] for r in replies] == [
        "✓ Logged Shoulder press",
        "✓ Logged Bent-over row",
        "✓ Logged Lateral raise",
    ], replies
    assert set_rows(database) == {user: SETS for user in (stuck, *others)}


def test_an_update_ptb_cannot_read_is_logged_without_its_content_counted_and_skipped(tmp_path):
    """A poison pill: before, it failed every getUpdates batch, at every restart."""
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{tmp_path / 'poison.sqlite3'}").start()
        try:
            poison = api.send_update(
                {"message": {"message_id": 1, "text": "Zelda's secret", "from": {"id": 8990, "first_name": "Zelda"}}}
            )
            api.send_text(8991, "/start")
            api.wait_for_message(8991, r"^Which units", timeout=30)
            api.wait_for(lambda: api.pending_updates() == [], timeout=30)  # confirmed, with the rest
        finally:
            assert bot.stop() == 0, bot.log.read_text()
    log = bot.log.read_text()
    assert re.search(rf"ERROR bot.telegram.updates: update={poison} cannot be read \(\w+\): skipped", log)
    assert "PTBUserWarning" not in log
    assert "Zelda" not in log and "secret" not in log
