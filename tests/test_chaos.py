"""Crash campaign: a runner does a whole guided workout while the bot process is killed with
SIGKILL at random moments (right after a tap, while it is being handled, or just after) and
restarted. Afterwards every set is in the database exactly once, the workout finished, and no
update is left unconfirmed.

    ARMSWING_CHAOS_KILLS=20 .venv/bin/python -m pytest -q tests/test_chaos.py   # the long campaign
"""

import os
import random
import signal
import sqlite3
import time

import pytest
from support.botapi import FakeBotApi
from support.processes import BotProcess
from test_e2e import USER, press_on_latest, press_when_shown

pytestmark = pytest.mark.e2e
KILLS = int(os.environ.get("ARMSWING_CHAOS_KILLS", "4"))
SEED = int(os.environ.get("ARMSWING_CHAOS_SEED", "7"))
STEPS = [(number, label) for number in range(1, 7) for label in ("Start set 1 ▶", "12", "Set 2 ▶", "12")]


def test_a_workout_survives_random_kills(tmp_path):
    rng = random.Random(SEED)
    # Not after the last tap: the bot that handles it must live to confirm it (a SIGTERM does).
    kill_after = set(rng.sample(range(len(STEPS) - 1), min(KILLS, len(STEPS) - 1)))
    database = tmp_path / "chaos.sqlite3"
    kills = 0
    with FakeBotApi() as api:
        bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{database}").start()
        try:
            api.send_text(USER, "/start")
            press_when_shown(api, "kg")
            press_when_shown(api, "Berlin")
            api.wait_for_message(USER, r"^All set")
            press_when_shown(api, "Not now")  # no reminders for this runner
            api.send_text(USER, "/today")
            press_when_shown(api, "6 kg")
            press_when_shown(api, "Start ▶")
            for index, (_, label) in enumerate(STEPS):
                press_on_latest(api, label)
                if index in kill_after:
                    time.sleep(rng.uniform(0, 0.06))  # before, during or after the handling
                    bot.stop(signal.SIGKILL)
                    kills += 1
                    bot.start()
                if index == 11:  # chest press done: a question before the lateral raise
                    api.wait_for_message(USER, r"(^|\n)4/6 · ", timeout=30)
                    api.send_text(USER, "how many reps should I do?")
                    press_on_latest(api, "↩ Back to Lateral raise")
            api.wait_for_message(USER, r"Workout done! 12 of 12 sets across 6 exercises", timeout=30)
        finally:
            bot.stop()
        assert api.pending_updates() == []  # every update confirmed to Telegram
    assert kills == min(KILLS, len(STEPS) - 1)
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT exercise_id, set_number, reps FROM set_logs WHERE user_id = ?", (USER,)).fetchall()
        state = db.execute("SELECT dialog FROM conversations WHERE user_id = ?", (USER,)).fetchone()[0]
    assert len(rows) == 12
    assert len({(exercise, number) for exercise, number, _ in rows}) == 12
    assert {reps for _, _, reps in rows} == {12}
    assert '"flow": "home"' in state
