"""End to end: `armswing run` as a separate process against a local server that speaks the
Bot API, in polling and in webhook mode, killed and restarted in the middle of a conversation."""

import json
import signal
import socket
import urllib.error
import urllib.request

import pytest
from support.botapi import DEFAULT_TOKEN, FakeBotApi
from support.processes import BotProcess

pytestmark = pytest.mark.e2e
USER = 7001


@pytest.fixture
def api():
    with FakeBotApi() as fake:
        yield fake


@pytest.fixture
def database_file(tmp_path):
    return f"sqlite:///{tmp_path / 'e2e.sqlite3'}"


def tap(api, label):
    message = [m for m in api.messages(USER) if m.get("reply_markup")][-1]
    data = next(
        b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label
    )
    api.press(USER, message["message_id"], data)


@pytest.mark.parametrize("mode", ["polling", "webhook"])
def test_onboarding_over_the_bot_api(api, tmp_path, database_file, mode):
    bot = BotProcess(api, tmp_path, mode, database_file).start()
    try:
        api.send_text(USER, "/start")
        api.wait_for_message(USER, r"^Which units", timeout=20)
        tap(api, "kg")
        api.wait_for_message(USER, r"^Which timezone", timeout=20)
        api.send_text(USER, "Europe/Berlin")
        api.wait_for_message(USER, r"^All set: weights in kg, time zone Europe/Berlin", timeout=20)
        api.send_text(USER, "/help")
        api.wait_for_message(USER, r"^What I can do", timeout=20)
        assert api.calls("setMyCommands")[-1]["params"]["commands"][0]["command"] == "today"
    finally:
        assert bot.stop() == 0, bot.log.read_text()
    assert DEFAULT_TOKEN not in bot.log.read_text()
    assert api.pending_updates() == []


def test_killed_in_the_middle_of_onboarding_it_continues_at_the_same_step(api, tmp_path, database_file):
    bot = BotProcess(api, tmp_path, "polling", database_file).start()
    api.send_text(USER, "/start")
    api.wait_for_message(USER, r"^Which units", timeout=20)
    api.send_text(USER, "lb")
    api.wait_for_message(USER, r"^Which timezone", timeout=20)
    bot.stop(signal.SIGKILL)

    api.send_text(USER, "Munich")  # sent while the bot is down: waits at Telegram
    bot = BotProcess(api, tmp_path, "polling", database_file).start()
    try:
        api.wait_for_message(USER, r"^All set: weights in lb, time zone Europe/Berlin", timeout=20)
    finally:
        bot.stop()
    welcomes = [m for m in api.messages(USER) if m["text"].startswith("Hi Ann!")]
    assert len(welcomes) == 1


def test_webhook_refuses_a_wrong_secret_and_answers_health(api, tmp_path, database_file):
    bot = BotProcess(api, tmp_path, "webhook", database_file).start()
    try:
        assert api.webhook["url"].endswith("/tg-hook")
        update = {
            "update_id": 999,
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": USER, "type": "private"},
                "from": {"id": USER, "is_bot": False, "first_name": "Eve"},
                "text": "/start",
            },
        }
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            request = urllib.request.Request(
                f"http://127.0.0.1:{bot.port}/tg-hook",
                data=json.dumps(update).encode(),
                headers={"Content-Type": "application/json", **headers},
            )
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(request, timeout=10)
            assert refused.value.code == 403
        bad = urllib.request.Request(
            f"http://127.0.0.1:{bot.port}/tg-hook",
            data=b"{not json",
            headers={"X-Telegram-Bot-Api-Secret-Token": bot.secret},
        )
        with pytest.raises(urllib.error.HTTPError) as rejected:
            urllib.request.urlopen(bad, timeout=10)
        assert rejected.value.code == 400
        # A body declared too big is refused before it is read (sending it all would race the
        # refusal: the client may see a broken pipe instead of the answer).
        with socket.create_connection(("127.0.0.1", bot.port), timeout=10) as raw:
            raw.sendall(
                f"POST /tg-hook HTTP/1.1\r\nHost: x\r\nX-Telegram-Bot-Api-Secret-Token: {bot.secret}\r\n"
                f"Content-Length: {(1 << 20) + 1}\r\n\r\n".encode()
            )
            assert raw.recv(64).startswith(b"HTTP/1.1 413")
        with urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/healthz", timeout=10) as health:
            assert json.load(health) == {"ok": True, "database": True, "scheduler": True}
        assert api.calls("sendMessage") == []  # nothing was acted on
        api.send_text(USER, "/start")
        api.wait_for_message(USER, r"^Which units", timeout=20)

        def exposition():  # the counter moves just after the reply is sent: poll for it
            with urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/metrics", timeout=10) as page:
                text = page.read().decode()
            return text if 'armswing_updates_total{kind="command",outcome="ok"} 1.0' in text else None

        text = api.wait_for(exposition, timeout=10)
        assert "armswing_update_seconds_bucket" in text
        # Every refusal above is counted by its status; Telegram's backlog is asked for (every minute).
        for code, count in (("403", 2), ("400", 1), ("413", 1), ("200", 1)):
            assert f'armswing_webhook_requests_total{{code="{code}"}} {count}.0' in text, code
        api.wait_for(lambda: api.calls("getWebhookInfo"), timeout=10)

    finally:
        assert bot.stop() == 0, bot.log.read_text()


def press_on_latest(api, label, timeout=30):
    """Tap `label` once the newest message shows it. After a kill an older card may still carry
    buttons for a moment (its redelivered tap clears them), and a runner taps what is newest."""

    def latest():
        messages = api.messages(USER)
        rows = (messages[-1].get("reply_markup") or {}).get("inline_keyboard", []) if messages else []
        return next(((messages[-1], b) for row in rows for b in row if b["text"] == label), None)

    message, button = api.wait_for(latest, timeout=timeout)
    api.press(USER, message["message_id"], button["callback_data"])


def press_when_shown(api, label, timeout=20):
    """Wait until the newest card shows `label`, then tap it."""

    def card():
        with_buttons = [m for m in api.messages(USER) if m.get("reply_markup")]
        if not with_buttons:
            return None
        rows = with_buttons[-1]["reply_markup"]["inline_keyboard"]
        return next(((with_buttons[-1], b) for row in rows for b in row if b["text"] == label), None)

    message, button = api.wait_for(card, timeout=timeout)
    api.press(USER, message["message_id"], button["callback_data"])


@pytest.mark.parametrize("kill_at", [3, 11])
def test_a_whole_workout_over_the_bot_api_survives_a_kill(api, tmp_path, database_file, kill_at):
    """Onboarding, all six exercises with two sets each and a question in the middle; the bot
    is killed with SIGKILL at one step and restarted, and the session carries on there."""
    bot = BotProcess(api, tmp_path, "polling", database_file).start()
    try:
        api.send_text(USER, "/start")
        press_when_shown(api, "kg")
        press_when_shown(api, "Berlin")
        api.wait_for_message(USER, r"^All set", timeout=20)
        api.send_text(USER, "/today")
        press_when_shown(api, "6 kg")
        press_when_shown(api, "Start ▶")
        steps = 0
        for number in range(1, 7):
            api.wait_for_message(USER, rf"(^|\n){number}/6 · ", timeout=20)  # a new card per exercise
            for label in ("Start set 1 ▶", "12", "Set 2 ▶", "12"):
                steps += 1
                if steps == kill_at:
                    bot.stop(signal.SIGKILL)
                    bot = BotProcess(api, tmp_path, "polling", database_file).start()
                if number == 3 and label == "Set 2 ▶":  # a question while resting, then back
                    api.wait_for_message(
                        USER, r"Rest about", timeout=20, after=api.messages(USER)[-1]["message_id"] - 1
                    )
                    api.send_text(USER, "what muscles does this work?")
                    press_on_latest(api, "↩ Back to Chest press, rest before set 2")
                press_on_latest(api, label)
        summary = api.wait_for_message(USER, r"Workout done! 12 of 12 sets across 6 exercises", timeout=20)
        assert "This week: 1 of 2 sessions" in summary["text"]
    finally:
        bot.stop()
    # Each exercise's card collapsed to what was done there.
    records = [m["text"] for m in api.messages(USER) if m["text"].endswith(" · ✓ 12 @ 6 kg · ✓ 12 @ 6 kg")]
    assert len(records) == 6, [m["text"] for m in api.messages(USER)]


def test_sigterm_with_updates_in_flight_exits_quickly_and_loses_nothing(api, tmp_path, database_file):
    import time

    bot = BotProcess(api, tmp_path, "polling", database_file).start()
    users = range(8100, 8120)
    for user in users:
        api.send_text(user, "/start")
    started = time.monotonic()
    assert bot.stop() == 0, bot.log.read_text()
    assert time.monotonic() - started < 10
    bot = BotProcess(api, tmp_path, "polling", database_file).start()  # whatever was not confirmed comes again
    try:
        for user in users:
            api.wait_for_message(user, r"^Which units", timeout=20)
    finally:
        bot.stop()
    for user in users:
        assert sum(m["text"].startswith("Which units") for m in api.messages(user)) == 1
    assert api.pending_updates() == []
