"""Hostile input through the real PTB `Application`, storage (SQLite and PostgreSQL) and an
offline Bot API: invisible and control characters neither break a runner nor change a logged
number, and updates PTB could not parse as they came (dates out of range, nesting past the
recursion limit) get an answer or a 4xx from the webhook, never a 500."""

import json

import httpx
import pytest
from sqlalchemy import select
from support.botapi import chat_payload, message_payload, text_content, user_payload
from support.offline import make_message_update, offline_application
from test_wiring import handled

from bot import metrics
from bot.storage.models import SetLog, User
from bot.telegram.polling import read
from bot.telegram.webhook import SECRET_HEADER, create_app

SECRET = "s3cret-Token_value"


@pytest.fixture
async def wired(runtime):
    runtime.settings = runtime.settings.model_copy(update={"webhook_secret": SECRET})
    async with offline_application(runtime) as wired:
        yield wired


class Runner:
    next_update = 1

    def __init__(self, application, telegram, user_id, first_name="Ann"):
        self.application, self.telegram, self.user_id, self.first_name = application, telegram, user_id, first_name

    async def say(self, text):
        Runner.next_update += 1
        update = make_message_update(Runner.next_update, self.user_id, text, self.first_name, bot=self.application.bot)
        await handled(self.application, update)

    async def onboard(self):
        for text in ("/start", "kg", "Berlin"):
            await self.say(text)
        return self

    def texts(self):
        return [m.get("text", m.get("caption", "")) for m in self.telegram.messages(self.user_id)]

    def reps(self, runtime):
        with runtime.store.engine.connect() as connection:
            query = select(SetLog.entry_id, SetLog.reps).where(SetLog.user_id == self.user_id).order_by(SetLog.id)
            entries: dict[str, list[int]] = {}
            for entry, reps in connection.execute(query):
                entries.setdefault(entry, []).append(reps)
        return list(entries.values())  # the reps of each entry logged


def no_apology(texts):
    return not any("Sorry, something went wrong" in text for text in texts)


@pytest.mark.parametrize("name", ["An\x00n", "A\u200bn\u200dn\u202e", "\x1b[31mAnn\x1b[0m", "Ａｎｎ\r\n"])
async def test_invisible_or_control_characters_in_a_first_name_do_not_break_the_runner(wired, runtime, name):
    application, telegram = wired
    ann = Runner(application, telegram, 8001, name)
    await ann.onboard()
    await ann.say("shoulder press 12 8kg")
    texts = ann.texts()
    assert no_apology(texts), texts
    assert texts[0].startswith("Hi Ann!")
    assert any(text.startswith("✓ Logged") for text in texts)
    with runtime.store.engine.connect() as connection:
        assert connection.scalar(select(User.first_name).where(User.id == 8001)) == "Ann"


async def test_a_first_name_past_telegram_s_limit_is_cut_so_the_greeting_still_goes_out(wired, runtime):
    """A forged update's 4,000-character name made the greeting too long for Telegram (a 400:
    the new runner saw no welcome); names are cut at Telegram's own 64 characters."""
    application, telegram = wired
    name = "<b>Al</b> & " + "x" * 4000
    ann = await Runner(application, telegram, 8003, name).onboard()
    texts = ann.texts()
    assert texts[0].startswith("Hi <b>Al</b> & xxx") and len(texts[0]) < 4096  # the markup as typed, escaped
    with runtime.store.engine.connect() as connection:
        assert connection.scalar(select(User.first_name).where(User.id == 8003)) == name[:64]


@pytest.mark.parametrize(
    "typed",
    [
        "shoulder press 1\u200b2 reps 8kg",  # a zero-width space inside the number
        "shoulder press 1\u20602 reps 8kg",  # a word joiner
        "shoulder press 12 \x1b[31mreps\x1b[0m 8kg",  # a terminal colour code
        "shoulder press \x9b31m12 reps 8kg",  # the same as one 8-bit control
        "shoulder press １２ reps 8kg",  # full-width digits
        "shoulder press 12\x00 reps 8kg",
    ],
)
async def test_invisible_and_control_characters_do_not_change_a_logged_number(wired, runtime, typed):
    application, telegram = wired
    ann = await Runner(application, telegram, 8002).onboard()
    await ann.say(typed)
    assert no_apology(ann.texts())
    assert ann.reps(runtime) == [[12]]


def raw_update(update_id, user_id, text, **changes):
    user = user_payload(user_id)
    message = message_payload(update_id, user, chat_payload(user_id, user), **text_content(text)) | changes
    return {"update_id": update_id, "message": message}


async def post(application, runtime, body):
    transport = httpx.ASGITransport(app=create_app(application, runtime))
    async with httpx.AsyncClient(transport=transport, base_url="http://bot") as client:
        response = await client.post(
            "/" + runtime.settings.webhook_path, content=body, headers={SECRET_HEADER: SECRET}, timeout=30
        )
    await application.bot_data.replies.idle()  # the replies go after the 200
    return response


@pytest.mark.parametrize("date", [10**12, -(10**12), 2**63, 1e308])
async def test_a_message_dated_far_in_the_future_or_past_is_answered(wired, runtime, date):
    application, telegram = wired
    body = json.dumps(raw_update(9001, 8003, "/start", date=date, edit_date=date)).encode()
    response = await post(application, runtime, body)
    assert response.status_code == 200
    texts = [m["text"] for m in telegram.messages(8003)]
    assert texts and texts[0].startswith("Hi Ann!")


@pytest.mark.parametrize("date", [10**12, -(10**12), 2**63])
def test_polling_reads_a_message_dated_far_in_the_future_or_past(date):
    updates, last = read([raw_update(9101, 8004, "/start", date=date)], None)
    assert last == 9101 and [update.message.text for update in updates] == ["/start"]


@pytest.mark.parametrize(
    "body",
    [
        b"[" * 100_000 + b"]" * 100_000,  # past the recursion limit of the JSON parser
        json.dumps({"update_id": 9002, "message": {"reply_to_message": {}}})
        .replace('{"reply_to_message": {}}', '{"reply_to_message": ' * 400 + "{}" + "}" * 400)
        .encode(),  # parses, but PTB would recurse once per level
        b"NaN",
    ],
)
async def test_what_cannot_be_an_update_gets_a_4xx_not_a_500(wired, runtime, body):
    application, telegram = wired
    response = await post(application, runtime, body)
    assert 400 <= response.status_code < 500
    assert telegram.calls("sendMessage") == []


async def test_an_update_ptb_cannot_read_is_confirmed_and_skipped_not_sent_again_and_again(wired, runtime, caplog):
    """A poison pill: an update with its id that PTB cannot read would fail at every retry."""
    application, telegram = wired
    unread = metrics.UNREADABLE._value.get()
    response = await post(application, runtime, b'{"update_id": 9003, "message": 5}')
    assert response.status_code == 200 and telegram.calls("sendMessage") == []
    assert metrics.UNREADABLE._value.get() == unread + 1
    assert "update=9003 cannot be read (AttributeError): skipped" in caplog.text
