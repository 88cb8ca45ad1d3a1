"""End to end: `armswing run` against the local Bot API; a reminder set by chat for a coming
minute arrives through the Bot API, once, and its Snooze button works.

The bot process runs under libfaketime (its wheel ships the preloadable library) with the offset read
from a file on every clock call: once the reminder is set, the test moves the process's wall clock to
just before that minute instead of waiting for it. Monotonic time is left alone, so asyncio's timers and
the runner's rate limiter run at the real pace."""

import math
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import libfaketime
import pytest
from support.botapi import FakeBotApi
from support.processes import BotProcess

from scheduler.policy import DAY_NAMES, in_quiet_hours

pytestmark = pytest.mark.e2e
USER = 7101
ZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Australia/Sydney",
)


def upcoming_minute() -> tuple[str, datetime]:
    """A zone where a whole minute at least a minute away is outside quiet hours, and that minute
    there; the zones are spread so that one always is."""
    soon = (datetime.now(UTC) + timedelta(seconds=120)).replace(second=0, microsecond=0)
    for zone in ZONES:
        local = soon.astimezone(ZoneInfo(zone))
        if not in_quiet_hours(local.time()) and local.hour < 21:
            return zone, local
    raise AssertionError("no zone outside quiet hours")


@pytest.fixture
def api():
    with FakeBotApi() as fake:
        yield fake


def with_movable_clock(bot: BotProcess, offset_file) -> None:
    """Run the bot's process under libfaketime, its wall clock `offset_file`'s offset ahead of ours."""
    offset_file.write_text("+0\n")
    _, preload = libfaketime.get_reload_information()
    bot.env |= preload | {"FAKETIME_TIMESTAMP_FILE": str(offset_file), "FAKETIME_NO_CACHE": "1"}


def test_a_reminder_for_a_coming_minute_arrives_through_the_bot_api(api, tmp_path):
    bot = BotProcess(api, tmp_path, "polling", f"sqlite:///{tmp_path / 'reminders.sqlite3'}")
    bot.env["ARMSWING_REMINDER_TICK_SECONDS"] = "1"
    offset_file = tmp_path / "faketime"
    with_movable_clock(bot, offset_file)
    bot.start()
    try:
        api.send_text(USER, "/start")
        api.wait_for_message(USER, r"^Which units", timeout=20)
        api.send_text(USER, "kg")
        api.wait_for_message(USER, r"^Which timezone", timeout=20)
        zone, local = upcoming_minute()
        api.send_text(USER, zone)
        api.wait_for_message(USER, r"^Last thing: on which days", timeout=20)
        other = DAY_NAMES[(local.weekday() + 3) % 7]
        api.send_text(USER, f"{DAY_NAMES[local.weekday()]} {other} {local:%H:%M}")
        api.wait_for_message(USER, r"^Done: I'll remind you", timeout=20)
        assert not [m for m in api.messages(USER) if m["text"].startswith("Arms day")], "sent before it was due"

        # The bot's clock jumps to 3 s or less before the minute; the reminder follows within the tick.
        ahead = math.floor((local.astimezone(UTC) - datetime.now(UTC)).total_seconds()) - 3
        offset_file.write_text(f"+{ahead}\n")
        reminder = api.wait_for_message(USER, r"^Arms day, Ann!", timeout=30)
        arrived = datetime.fromtimestamp(api.calls("sendMessage")[-1]["time"], UTC) + timedelta(seconds=ahead)
        assert local.astimezone(UTC) <= arrived < local.astimezone(UTC) + timedelta(seconds=15)
        buttons = {b["text"]: b["callback_data"] for row in reminder["reply_markup"]["inline_keyboard"] for b in row}
        assert buttons == {
            "Start ▶": "g|today",
            "Snooze 1 h": "g|rem_snooze:1h",
            "This evening": "g|rem_snooze:evening",
            "Skip this one": f"g|rem_skip:{local.date().isoformat()}",
        }
        api.press(USER, reminder["message_id"], buttons["Snooze 1 h"])
        api.wait_for_message(USER, r"^Okay, I'll remind you again", timeout=20)
        time.sleep(3)  # a few more ticks: nothing is sent twice
    finally:
        assert bot.stop() == 0, bot.log.read_text()
    assert len([m for m in api.messages(USER) if m["text"].startswith("Arms day")]) == 1
    assert "reminders: sent=1" in bot.log.read_text()
