"""The reminder runner through the real PTB `Application` and an offline Bot API: the message as
Telegram receives it, a 403 that pauses the user, and my_chat_member blocked / unblocked."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from support.botapi import bot_sender, chat_payload, user_payload
from support.clock import FakeClock
from support.offline import offline_application
from telegram import Update
from test_wiring import handled

from bot.storage.models import Reminder
from bot.storage.store import Who
from dialogs.events import Event
from scheduler.runner import Runner

ANN = Who(3001, 3001, "Ann")
SET_AT = datetime(2026, 11, 3, 10, tzinfo=UTC)  # Tuesday 05:00 in New York
DUE = datetime(2026, 11, 3, 12, tzinfo=UTC)  # Tuesday 07:00 in New York


@pytest.fixture
async def wired(runtime):
    async with offline_application(runtime) as (application, telegram):
        for text in ("/start", "kg", "America/New_York", "tue fri 7am"):
            await runtime.conversations.handle(ANN, Event.from_text(text, SET_AT, "Ann"))
        yield application, telegram


def runner(application, clock):
    reminders = application.bot_data.reminders
    return Runner(reminders.store, reminders.runner.sender, clock=clock)


async def next_due(runtime):
    with runtime.store.engine.connect() as connection:
        return connection.scalar(select(Reminder.next_due_at).where(Reminder.user_id == ANN.user_id))


async def test_the_reminder_as_telegram_receives_it(wired):
    application, telegram = wired
    assert (await runner(application, FakeClock(DUE)).drain()).sent == 1
    sent = telegram.calls("sendMessage")[-1]["params"]
    assert sent["parse_mode"] == "HTML"
    lines = telegram.messages(ANN.chat_id)[-1]["text"].splitlines()
    assert lines[0] == "Arms day, Ann! Workout 1 of 2 this week:"
    assert "·" in lines[1] and lines[2].startswith("2 sets of 12 each, about")
    keyboard = [[b["callback_data"] for b in row] for row in sent["reply_markup"]["inline_keyboard"]]
    assert keyboard == [["g|today"], ["g|rem_snooze:1h", "g|rem_snooze:evening"], ["g|rem_skip:2026-11-03"]]


async def test_a_403_pauses_the_user_instead_of_retrying(wired, runtime):
    application, telegram = wired
    telegram.fail_next("sendMessage", 403, chat_id=ANN.chat_id)
    tally = await runner(application, FakeClock(DUE)).drain()
    assert (tally.sent, tally.blocked) == (0, 1)
    assert await next_due(runtime) is None


def chat_member_update(update_id: int, status: str) -> dict:
    user = user_payload(ANN.user_id)
    bot = bot_sender("123456:TESTTESTTESTTEST")
    old, new = ("member", "kicked") if status == "kicked" else ("kicked", "member")
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": chat_payload(ANN.chat_id, user),
            "from": user,
            "date": 0,
            "old_chat_member": {"user": bot, "status": old, **({"until_date": 0} if old == "kicked" else {})},
            "new_chat_member": {"user": bot, "status": new, **({"until_date": 0} if new == "kicked" else {})},
        },
    }


async def test_blocking_and_unblocking_the_bot_pause_and_resume_reminders(wired, runtime):
    application, _ = wired
    await handled(application, Update.de_json(chat_member_update(1, "kicked"), application.bot))
    assert await next_due(runtime) is None
    await handled(application, Update.de_json(chat_member_update(2, "member"), application.bot))
    assert await next_due(runtime) is not None


async def test_due_but_unsent_reminders_and_the_lag_are_measured(wired):
    from bot import metrics
    from bot.telegram.reminders import Reminders

    application, _ = wired
    store = application.bot_data.reminders.store
    late = FakeClock(DUE + timedelta(seconds=90))
    stopped = Reminders(store, runner(application, late))  # the application is not running: nothing is sent
    await stopped.drain(application)
    assert metrics.REMINDERS_DUE._value.get() == 1

    lag = metrics.REGISTRY.get_sample_value
    before = lag("armswing_reminder_lag_seconds_count") or 0
    under_two_minutes = lag("armswing_reminder_lag_seconds_bucket", {"le": "120.0"}) or 0
    under_a_minute = lag("armswing_reminder_lag_seconds_bucket", {"le": "60.0"}) or 0
    assert (await runner(application, late).drain()).sent == 1
    assert lag("armswing_reminder_lag_seconds_count") == before + 1
    assert lag("armswing_reminder_lag_seconds_bucket", {"le": "120.0"}) == under_two_minutes + 1
    assert lag("armswing_reminder_lag_seconds_bucket", {"le": "60.0"}) == under_a_minute  # 90 s is not under 60
    await stopped.drain(application)
    assert metrics.REMINDERS_DUE._value.get() == 0
