"""The terminal chat, run as the installed `armswing` command with a pipe for stdin."""

import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def chat(tmp_path, lines, *args):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'chat.sqlite3'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    return subprocess.run(
        [str(BIN / "armswing"), "chat", "--name", "ann", *args],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
    )


def test_piped_onboarding_and_help(tmp_path):
    done = chat(tmp_path, ["/start", "kg", "Europe/Berlin", "/help"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Hi Ann! I'm Armswing" in out
    assert "Which units do your dumbbells use?" in out
    assert "[1] kg   [2] lb" in out
    assert "Which timezone are you in?" in out
    assert "All set: weights in kg, time zone Europe/Berlin" in out
    assert "/cancel — Leave what you are doing" in out
    assert "<b>" not in out  # HTML is shown as plain text


def test_a_name_keeps_its_letters_after_the_first(tmp_path):
    done = chat(tmp_path, ["/start"], "--name", "McKenzie")  # the last --name wins
    assert "Hi McKenzie!" in done.stdout, done.stderr  # it said "Hi Mckenzie!"


def test_numbers_tap_buttons_and_the_chat_continues_after_a_restart(tmp_path):
    first = chat(tmp_path, ["/start", "2"])  # 2 = lb
    assert "Which timezone are you in?" in first.stdout, first.stderr
    second = chat(tmp_path, ["Munich", "/settings"])
    assert "Units: lb" in second.stdout, second.stderr
    assert "Timezone: Europe/Berlin" in second.stdout


def test_bare_armswing_without_a_token_opens_the_terminal_chat(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}"}
    env.pop("TELEGRAM_BOT_TOKEN", None)
    done = subprocess.run(
        [str(BIN / "armswing")], input="/help\n", capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "What I can do" in done.stdout


def test_run_refuses_a_malformed_token_without_printing_it(tmp_path):
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": "not-a-token-SECRET",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'r.sqlite3'}",
    }
    done = subprocess.run(
        [str(BIN / "armswing"), "run"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
    )
    assert done.returncode == 2
    assert "does not look like a bot token" in done.stderr
    assert "SECRET" not in done.stderr + done.stdout


def test_run_says_clearly_when_telegram_rejects_the_token(tmp_path):
    import sys as _sys

    _sys.path.insert(0, str(Path(__file__).parent))
    from support.botapi import FakeBotApi

    with FakeBotApi(token="123456:TEST-the-right-one") as api:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": "123456:WRONG-but-wellformed",
            "TELEGRAM_API_BASE_URL": api.base_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 't.sqlite3'}",
        }
        done = subprocess.run(
            [str(BIN / "armswing"), "run"], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60
        )
    assert done.returncode == 2, done.stderr
    assert "Telegram rejected TELEGRAM_BOT_TOKEN" in done.stderr
    assert "WRONG-but-wellformed" not in done.stderr + done.stdout


def test_a_whole_workout_in_the_terminal(tmp_path):
    lines = ["/start", "kg", "Berlin", "/today", "6 kg", "1"]
    for exercise in range(6):
        lines += ["1", "12", "how do I do this?", "13"] if exercise == 2 else ["1", "12", "12"]
    done = chat(tmp_path, lines)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.count("✓ Logged") == 6  # each first set; the second one shows in the exercise's record
    assert out.count(" @ 6 kg · ✓ 1") == 6, out  # "Shoulder press · ✓ 12 @ 6 kg · ✓ 12 @ 6 kg"
    assert "How to do the chest press" in out
    assert "Workout done! 12 of 12 sets across 6 exercises." in out


def test_the_workout_card_is_shown_again_as_it_changes(tmp_path):
    done = chat(tmp_path, ["/start", "kg", "Europe/Berlin", "/today", "6 kg", "1", "1", "2"])
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "card> Shoulder press · set 1 of 2" in out  # "Start set 1 ▶": the same card, edited
    assert "card> Shoulder press · resting" in out  # "12": the set done, and the rest
