"""The real PTB `Application` of Armswing, driven with updates through an offline request
object: what Telegram would receive, call by call."""

import asyncio
import logging

import pytest
from support.botapi import FakeTelegram
from support.offline import (
    OfflineRequest,
    make_callback_update,
    make_message_update,
    make_photo_update,
    make_sticker_update,
    offline_application,
)

from bot.logs import RedactingFormatter
from bot.telegram.application import announce_commands, build_application, process
from bot.telegram.processor import PerUserUpdateProcessor


async def handled(application, update):
    """`process` the update, then wait until its replies were sent (they go after the commit)."""
    done = await process(application, update)
    await application.bot_data.replies.idle()
    return done


@pytest.fixture
async def wired(runtime):
    async with offline_application(runtime) as wired:
        yield wired


class Chat:
    """One user talking to the application; update ids count up like Telegram's."""

    next_update = 100

    def __init__(self, application, telegram, user_id=42, first_name="Ann"):
        self.application, self.telegram = application, telegram
        self.user_id, self.first_name = user_id, first_name

    def _id(self):
        Chat.next_update += 1
        return Chat.next_update

    async def send(self, text):
        update = make_message_update(self._id(), self.user_id, text, self.first_name, bot=self.application.bot)
        await handled(self.application, update)
        return update

    async def tap(self, label, message=None):
        message = message or self.last_with_buttons()
        data = next(
            b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label
        )
        update = make_callback_update(
            self._id(),
            self.user_id,
            message["message_id"],
            data,
            self.first_name,
            bot=self.application.bot,
            message=message,
        )
        await handled(self.application, update)

    def texts(self):
        return [m["text"] for m in self.telegram.messages(self.user_id)]

    def last_with_buttons(self):
        return [m for m in self.telegram.messages(self.user_id) if m.get("reply_markup")][-1]


async def test_start_sends_html_with_buttons(wired):
    application, telegram = wired
    chat = Chat(application, telegram)
    await chat.send("/start")
    sent = telegram.calls("sendMessage")
    assert [c["params"]["parse_mode"] for c in sent] == ["HTML", "HTML"]
    assert chat.texts()[0].startswith("Hi Ann! I'm Armswing")
    labels = [b["text"] for row in chat.last_with_buttons()["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["kg", "lb"]


async def test_one_log_line_per_update_without_the_message_text(wired, caplog):
    application, telegram = wired
    with caplog.at_level(logging.INFO, logger="bot.telegram.adapter"):
        await Chat(application, telegram, user_id=4242).send("/start my secret words")
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.telegram.adapter"]
    assert len(lines) == 1
    line = lines[0]
    assert "event=command state=home:idle->onboarding:units" in line and "outcome=ok" in line
    assert "secret words" not in line and "4242" not in line  # no text, and the user id is a pseudonym


async def test_markup_in_a_name_is_shown_literally(wired):
    application, telegram = wired
    chat = Chat(application, telegram, user_id=43, first_name='<b>&"')
    await chat.send("/start")
    # The fake rejects malformed HTML like Telegram does; the entity-decoded text shows the name as typed.
    assert chat.texts()[0].startswith("Hi <b>&\"! I'm Armswing")


async def test_tapping_a_button_moves_on_and_clears_the_old_card(wired):
    application, telegram = wired
    chat = Chat(application, telegram)
    await chat.send("/start")
    card = chat.last_with_buttons()
    await chat.tap("kg")
    assert telegram.calls("answerCallbackQuery")
    assert (
        "reply_markup" not in telegram.messages(chat.user_id)[1]
        or not telegram.messages(chat.user_id)[1]["reply_markup"]
    )
    assert chat.texts()[-1].startswith("Which timezone are you in?")
    # The same tap again (a double tap on the old card): acted on once, with a short notice.
    await chat.tap("kg", message=card)
    assert telegram.callback_answers[-1]["text"] == "Already done ✓"
    assert chat.texts()[-1].startswith("Which timezone are you in?")
    # Another button of that old card: a toast, and that card loses its buttons; no new message.
    before = chat.texts()
    await chat.tap("lb", message=card)
    assert telegram.callback_answers[-1]["text"].startswith("That card is no longer current")
    assert chat.texts() == before
    # A forged button: the same toast.
    await handled(application, make_callback_update(chat._id(), chat.user_id, 1, "forged-data", bot=application.bot))
    assert telegram.callback_answers[-1]["text"].startswith("That card is no longer current")
    assert chat.texts() == before


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda app: make_sticker_update(900, 44, bot=app.bot), "I can read text, and a CSV"),
        (lambda app: make_photo_update(901, 44, bot=app.bot), "I can read text, and a CSV"),
        (lambda app: make_message_update(902, 44, "x" * 4096, bot=app.bot), "Sorry, I don't know that one"),
        (lambda app: make_message_update(903, 44, "   ", bot=app.bot), "That message looks empty"),
        (lambda app: make_message_update(904, 44, "🏃‍♀️💪", bot=app.bot), "👍 Ask me a question"),  # small talk
    ],
)
async def test_odd_messages_get_a_polite_answer(wired, make, expected):
    application, telegram = wired
    await handled(application, make(application))
    assert telegram.messages(44)[0]["text"].startswith(expected)


async def test_a_crash_in_one_chat_is_apologised_for_and_other_chats_go_on(wired, monkeypatch, caplog):
    application, telegram = wired
    conversations = application.bot_data.conversations
    real = conversations.handle

    async def failing_for_45(who, event, *rest, **options):
        if who.user_id == 45:
            raise RuntimeError("boom")
        return await real(who, event, *rest, **options)

    monkeypatch.setattr(conversations, "handle", failing_for_45)
    with caplog.at_level(logging.ERROR):
        await asyncio.gather(
            Chat(application, telegram, 45).send("/start"), Chat(application, telegram, 46).send("/start")
        )
    assert telegram.messages(45)[0]["text"].startswith("Sorry, something went wrong on my side")
    assert telegram.messages(46)[0]["text"].startswith("Hi Ann!")
    assert any("failed" in r.getMessage() and r.exc_info for r in caplog.records)


async def test_group_chats_are_ignored(wired):
    application, telegram = wired
    await handled(application, make_message_update(950, 47, "/start", bot=application.bot, chat_id=-100))
    assert telegram.calls("sendMessage") == []


async def test_an_allowed_group_is_answered_in_the_group_and_reminders_stay_private(runtime):
    from sqlalchemy import select

    from bot.storage.models import User

    runtime.settings = runtime.settings.model_copy(update={"group_chats": frozenset({-100})})
    telegram = FakeTelegram()
    application = build_application(runtime, OfflineRequest(telegram), OfflineRequest(telegram))
    async with application:
        await handled(
            application, make_message_update(951, 47, "/start@ArmswingTestBot", bot=application.bot, chat_id=-100)
        )
        await handled(application, make_message_update(952, 48, "/start", bot=application.bot, chat_id=-200))
    assert telegram.messages(-100)[0]["text"].startswith("Hi Ann!")
    assert telegram.messages(-100)[-1]["reply_markup"]  # the units question, with its buttons
    assert telegram.messages(-200) == [] and telegram.messages(47) == []
    with runtime.store.engine.connect() as connection:
        assert connection.scalar(select(User.chat_id).where(User.id == 47)) == 47  # where reminders go


async def test_commands_are_announced(wired, runtime):
    application, telegram = wired
    await announce_commands(application, runtime)
    commands = telegram.calls("setMyCommands")[0]["params"]["commands"]
    assert [c["command"] for c in commands][:2] == ["today", "start"]
    assert {"help", "cancel", "settings"} <= {c["command"] for c in commands}


async def test_each_users_updates_run_in_order_and_users_run_concurrently():
    processor = PerUserUpdateProcessor()
    log = []

    async def work(name, delay):
        log.append(f"{name} start")
        await asyncio.sleep(delay)
        log.append(f"{name} end")

    a1 = make_message_update(1, 1, "a1")
    a2 = make_message_update(2, 1, "a2")
    b1 = make_message_update(3, 2, "b1")
    await asyncio.gather(
        processor.process_update(a1, work("a1", 0.05)),
        processor.process_update(a2, work("a2", 0)),
        processor.process_update(b1, work("b1", 0)),
    )
    assert log.index("a1 end") < log.index("a2 start")  # one user: strictly one after another
    assert log.index("b1 end") < log.index("a1 end")  # another user did not wait for the slow one
    assert processor._locks == {}  # nothing kept once a user is idle


async def test_one_runners_queued_updates_hold_no_slot_another_runner_needs():
    processor = PerUserUpdateProcessor(slots=2)
    release = asyncio.Event()
    done = []

    async def work(name, wait=False):
        if wait:
            await release.wait()
        done.append(name)

    flood = [processor.process_update(make_message_update(n, 1, "a"), work(f"a{n}", wait=n == 1)) for n in range(1, 6)]
    tasks = [asyncio.create_task(coroutine) for coroutine in flood]
    await asyncio.sleep(0.01)  # the first of runner 1's updates runs (and waits); four queue on its turn
    await asyncio.wait_for(processor.process_update(make_message_update(9, 2, "b"), work("b")), 1)
    assert done == ["b"]  # runner 2 got a slot at once
    release.set()
    await asyncio.gather(*tasks)
    assert done == ["b", "a1", "a2", "a3", "a4", "a5"]


def test_secrets_are_masked_in_log_lines_and_tracebacks():
    formatter = RedactingFormatter("%(message)s", ["123:SECRET"])
    try:
        raise ValueError("POST https://api.telegram.org/bot123:SECRET/getMe failed")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "url %s", ("bot123:SECRET/x",), sys.exc_info())
    line = formatter.format(record)
    assert "SECRET" not in line
    assert line.startswith("url bot<redacted>/x") and line.endswith("bot<redacted>/getMe failed")


async def test_the_rest_timer_fires_through_the_job_queue(wired, monkeypatch, caplog):
    from bot import metrics
    from dialogs.flows import workout

    caplog.set_level(logging.INFO, logger="bot.telegram.adapter")
    rang = metrics.UPDATES.labels("timer", "ok")
    before = rang._value.get()

    monkeypatch.setattr(workout, "REST_SECONDS", 0.3)
    application, telegram = wired
    await application.start()  # the job queue runs the timers
    try:
        chat = Chat(application, telegram, user_id=4300)
        for text in ("/start", "kg", "Berlin", "/today", "6 kg"):
            await chat.send(text)
        await chat.tap("Start ▶")
        await chat.tap("Start set 1 ▶")
        await chat.tap("12")
        assert chat.texts()[-1].startswith("Shoulder press · resting\n✓ 12 @ 6 kg\nRest about")  # the card, edited
        for _ in range(200):  # up to 10 s for a 0.3 s rest: a busy machine is slow, the alert is not optional
            await asyncio.sleep(0.05)
            if chat.texts()[-1].startswith("Rest is over"):
                break
        await application.bot_data.replies.idle()  # the collapse of the rest card goes after the alert
        # The alert is a new message (the phone notifies) with the set's buttons; the rest card
        # above it is collapsed to what was done there.
        assert chat.texts()[-1].startswith("Rest is over. Ready?\n\nShoulder press · set 2 of 2\n✓ 12 @ 6 kg")
        assert chat.texts()[-2] == "Shoulder press · ✓ 12 @ 6 kg"
        assert not telegram.messages(chat.user_id)[-2].get("reply_markup")
        # Counted and logged like an update (one after-commit routine for both).
        assert rang._value.get() == before + 1
        assert any(r.getMessage().startswith("timer user=") and "event=timer" in r.getMessage() for r in caplog.records)
    finally:
        await application.stop()


def flaky_sends(monkeypatch, telegram_request, failures):
    """The next `failures` sendMessage calls fail as a dropped connection does."""
    from telegram.error import NetworkError

    from bot.telegram import replies

    original = type(telegram_request).do_request
    left = {"sendMessage": failures}

    async def do_request(self, url, method, request_data=None, **options):
        if left.get(url.rsplit("/", 1)[-1]):
            left[url.rsplit("/", 1)[-1]] -= 1
            raise NetworkError("connection reset by peer")
        return await original(self, url, method, request_data, **options)

    monkeypatch.setattr(type(telegram_request), "do_request", do_request)
    monkeypatch.setattr(replies, "RETRY_PAUSES", ())
    monkeypatch.setattr(replies, "LAST_PAUSE", 0)


async def test_a_reply_lost_to_the_network_is_sent_again(wired, monkeypatch):
    application, telegram = wired
    flaky_sends(monkeypatch, application.bot.request, failures=2)
    await Chat(application, telegram, user_id=61).send("/start")
    assert [m["text"][:7] for m in telegram.messages(61)] == ["Hi Ann!", "Which u"]


async def test_a_tap_whose_reply_keeps_failing_after_the_commit_is_answered_later_never_apologised_for(
    wired, monkeypatch
):
    application, telegram = wired
    chat = Chat(application, telegram, user_id=62)
    await chat.send("/start")
    flaky_sends(monkeypatch, application.bot.request, failures=12)  # the set is stored; its reply waits
    await chat.tap("kg")
    assert len(telegram.callback_answers) == 1
    texts = chat.texts()
    assert texts[-1].startswith("Which timezone") and sum(t.startswith("Which timezone") for t in texts) == 1
    assert not any("went wrong" in t for t in texts)
