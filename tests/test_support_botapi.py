"""The local Bot API server behaves like Telegram, as a real PTB `Bot` and `Application` see it."""

from __future__ import annotations

import asyncio
import datetime as dtm
import json
import socket
import struct
import threading
import time
import zlib
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

import httpx
import pytest
from support.botapi import FakeBotApi
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.ext import Application, ContextTypes, MessageHandler, filters

USER = 42
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="done")]])


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to PTB's coming `RetryAfter.retry_after` type, which also silences its warning."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as api:
        yield api


@pytest.fixture
async def bot(api: FakeBotApi) -> AsyncIterator[Bot]:
    async with Bot(api.token, base_url=api.base_url) as bot:
        yield bot


class WebhookReceiver:
    """The bot's webhook endpoint: records each POST, answers 500 to the first `failures`."""

    def __init__(self, failures: int = 0):
        self.posts: list[tuple[dict, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.posts.append((dict(self.headers), body))
                self.send_response(500 if len(receiver.posts) <= failures else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def __enter__(self) -> Self:
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def png(width: int, height: int) -> bytes:
    """A valid grey PNG, like the charts the bot sends."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x80" * width for _ in range(height)))
    chunks = chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


# ---- identity and routing ----------------------------------------------------------------


async def test_get_me_identifies_the_bot_by_its_token(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (123456, True, "ArmswingTestBot")


async def test_wrong_token_is_unauthorized(api: FakeBotApi) -> None:
    with pytest.raises(InvalidToken, match="Unauthorized"):
        await Bot("999:WRONG", base_url=api.base_url).get_me()


async def test_unknown_method_is_not_found(api: FakeBotApi, bot: Bot) -> None:
    with pytest.raises(EndPointNotFound):
        await bot.do_api_request("sendTelepathy")
    async with httpx.AsyncClient() as client:
        raw = await client.post(f"{api.base_url}{api.token}/sendTelepathy")
    assert (raw.status_code, raw.json()) == (404, {"ok": False, "error_code": 404, "description": "Not Found"})


def test_json_and_query_string_parameters_are_understood(api: FakeBotApi) -> None:
    url = f"{api.base_url}{api.token}"
    sent = httpx.post(
        f"{url}/sendMessage", json={"chat_id": USER, "text": "hi", "reply_markup": KEYBOARD.to_dict()}
    ).json()
    assert sent["ok"] and sent["result"]["reply_markup"] == KEYBOARD.to_dict()
    assert httpx.get(f"{url}/getme").json()["result"]["id"] == 123456
    assert httpx.get(f"{url}/deleteMessage?chat_id={USER}&message_id=1").json()["result"] is True


# ---- getUpdates --------------------------------------------------------------------------


async def test_unconfirmed_updates_come_again_and_confirmed_ones_are_forgotten(api: FakeBotApi, bot: Bot) -> None:
    first, second = api.send_text(USER, "/start"), api.send_text(USER, "hello")

    updates = await bot.get_updates()
    assert [u.update_id for u in updates] == [first, second]
    assert updates[0].message.text == "/start"
    assert updates[0].message.entities[0].type == "bot_command"
    assert [u.update_id for u in await bot.get_updates()] == [first, second]

    assert [u.update_id for u in await bot.get_updates(offset=second)] == [second]
    assert await bot.get_updates(offset=second + 1) == ()
    assert api.pending_updates() == []


async def test_limit_caps_a_batch(api: FakeBotApi, bot: Bot) -> None:
    for text in ("one", "two", "three"):
        api.send_text(USER, text)
    assert [u.message.text for u in await bot.get_updates(limit=2)] == ["one", "two"]


async def test_long_poll_wakes_on_a_new_update_and_never_blocks_sending(api: FakeBotApi, bot: Bot) -> None:
    started = time.monotonic()
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.2)
    await bot.send_message(USER, "sent while the poll waits")
    assert not poll.done()

    api.send_text(USER, "wake up")
    updates = await poll
    assert [u.message.text for u in updates] == ["wake up"]
    assert time.monotonic() - started < 2


async def test_a_newer_poll_ends_a_waiting_one_with_conflict(api: FakeBotApi) -> None:
    async with Bot(api.token, base_url=api.base_url) as first, Bot(api.token, base_url=api.base_url) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=5))
        await asyncio.sleep(0.2)
        await second.get_updates()
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting


async def test_allowed_updates_filter_kinds(api: FakeBotApi, bot: Bot) -> None:
    api.send_update({"chat_member": {"chat": {"id": USER, "type": "private"}}})
    message = api.send_text(USER, "hi")
    assert [u.update_id for u in await bot.get_updates()] == [message]  # chat_member is opt-in

    api.send_text(USER, "/start")
    updates = await bot.get_updates(offset=message + 1, allowed_updates=["callback_query"])
    assert updates == () and api.pending_updates() == []


# ---- webhook -----------------------------------------------------------------------------


async def test_webhook_posts_with_the_secret_and_redelivers_after_an_error(api: FakeBotApi, bot: Bot) -> None:
    with WebhookReceiver(failures=1) as receiver:
        assert await bot.set_webhook(receiver.url, secret_token="s3cret")
        update_id = api.send_text(USER, "hi")

        await asyncio.to_thread(api.wait_for, lambda: not api.pending_updates(), 5)
        assert [body["update_id"] for _, body in receiver.posts] == [update_id, update_id]
        assert {headers["X-Telegram-Bot-Api-Secret-Token"] for headers, _ in receiver.posts} == {"s3cret"}
        info = await bot.get_webhook_info()
        assert info.url == receiver.url and info.pending_update_count == 0
        assert "500" in info.last_error_message
        assert api.webhook["secret_token"] == "s3cret"
        with pytest.raises(Conflict, match="webhook is active"):
            await bot.get_updates()


async def test_undelivered_updates_wait_until_the_webhook_is_deleted(api: FakeBotApi, bot: Bot) -> None:
    await bot.set_webhook(f"http://127.0.0.1:{free_port()}/nobody-listens")
    kept = api.send_text(USER, "kept")
    await asyncio.to_thread(api.wait_for, lambda: api.webhook.get("last_error_message"), 5)
    await bot.delete_webhook()
    assert [u.update_id for u in await bot.get_updates()] == [kept]

    await bot.delete_webhook(drop_pending_updates=True)
    assert api.pending_updates() == [] and api.webhook is None


# ---- a real PTB Application, polling and webhook -----------------------------------------


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(f"echo: {update.message.text}")


async def test_ptb_application_polls_and_replies(api: FakeBotApi) -> None:
    app = Application.builder().token(api.token).base_url(api.base_url).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        await app.start()
        await app.updater.start_polling(timeout=1)
        api.send_text(USER, "hi")
        reply = await asyncio.to_thread(api.wait_for_message, USER, "^echo: hi$", 5)
        await app.updater.stop()
        await app.stop()
    assert reply["chat"] == {"id": USER, "type": "private", "first_name": "Ann"}
    assert api.pending_updates() == []  # PTB confirmed the last batch when it stopped


# ---- messages ----------------------------------------------------------------------------


async def test_html_becomes_entities_with_utf16_offsets(bot: Bot) -> None:
    markup = '👍 <b>Hi</b> &lt;b&gt; &amp; <a href="https://example.org">link</a>'
    sent = await bot.send_message(USER, markup, parse_mode=ParseMode.HTML)
    assert sent.text == "👍 Hi <b> & link"
    assert [(e.type, e.offset, e.length) for e in sent.entities] == [("bold", 3, 2), ("text_link", 12, 4)]
    assert sent.entities[1].url == "https://example.org"
    assert sent.text_html == markup  # PTB rebuilds the same markup from the entities


@pytest.mark.parametrize(
    "markup",
    [
        "<b>unclosed",
        "<b><i>crossed</b></i>",
        "stray</b>",
        "<blink>no</blink>",
        "1 < 2",
        '<span class="nope">x</span>',
    ],
)
async def test_html_that_telegram_cannot_parse_is_refused(bot: Bot, markup: str) -> None:
    with pytest.raises(BadRequest, match="(?i)can't parse entities"):
        await bot.send_message(USER, markup, parse_mode=ParseMode.HTML)


async def test_text_must_be_1_to_4096_characters(bot: Bot) -> None:
    with pytest.raises(BadRequest, match="(?i)message text is empty"):
        await bot.send_message(USER, "<b></b>", parse_mode=ParseMode.HTML)
    with pytest.raises(BadRequest, match="(?i)message is too long"):
        await bot.send_message(USER, "x" * 4097)
    assert len((await bot.send_message(USER, "x" * 4096)).text) == 4096


async def test_message_ids_count_per_chat_and_dates_are_seconds(bot: Bot) -> None:
    ids = [(await bot.send_message(chat, "hi")).message_id for chat in (1, 2, 1)]
    assert ids == [1, 1, 2]
    sent = await bot.send_message(1, "now")
    assert abs(sent.date.timestamp() - time.time()) < 5


async def test_edits_apply_and_unchanged_or_unknown_messages_are_refused(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Set 1", reply_markup=KEYBOARD)

    edited = await bot.edit_message_text("Set 2", USER, sent.message_id)
    assert edited.text == "Set 2" and edited.reply_markup is None  # no keyboard = removed
    assert edited.edit_date is not None
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_text("Set 2", USER, sent.message_id)
    with pytest.raises(BadRequest, match="(?i)message to edit not found"):
        await bot.edit_message_text("Set 3", USER, 999)

    await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=KEYBOARD)
    with pytest.raises(BadRequest, match="(?i)message is not modified"):
        await bot.edit_message_reply_markup(USER, sent.message_id, reply_markup=KEYBOARD)
    assert [(m["text"], "reply_markup" in m) for m in api.messages(USER)] == [("Set 2", True)]

    assert await bot.delete_message(USER, sent.message_id)
    assert api.messages(USER) == []
    with pytest.raises(BadRequest, match="(?i)message to delete not found"):
        await bot.delete_message(USER, sent.message_id)


async def test_a_button_tap_carries_the_current_message_and_is_answered_once(api: FakeBotApi, bot: Bot) -> None:
    sent = await bot.send_message(USER, "Set 1", reply_markup=KEYBOARD)
    await bot.edit_message_text("Set 1 of 3", USER, sent.message_id, reply_markup=KEYBOARD)
    api.press(USER, sent.message_id, "done")

    (update,) = await bot.get_updates()
    query = update.callback_query
    assert (query.data, query.message.text, query.from_user.id) == ("done", "Set 1 of 3", USER)
    assert query.chat_instance
    assert await query.answer("Logged", show_alert=True)
    assert api.callback_answers == [{"callback_query_id": query.id, "text": "Logged", "show_alert": True, "url": None}]
    with pytest.raises(BadRequest, match="(?i)query is too old"):
        await query.answer()
    with pytest.raises(LookupError, match="no button 'skip'"):
        api.press(USER, sent.message_id, "skip")


async def test_commands_are_stored_per_scope_and_validated(bot: Bot) -> None:
    assert await bot.set_my_commands([("start", "Start"), ("help", "Help")])
    assert [c.command for c in await bot.get_my_commands()] == ["start", "help"]
    assert await bot.delete_my_commands()
    assert await bot.get_my_commands() == ()
    with pytest.raises(BadRequest, match="(?i)BOT_COMMAND_INVALID"):
        await bot.set_my_commands([("Bad-Name", "nope")])


async def test_chat_action_close_and_log_out_answer_true(bot: Bot) -> None:
    assert await bot.send_chat_action(USER, "typing")
    with pytest.raises(BadRequest, match="(?i)wrong parameter action"):
        await bot.send_chat_action(USER, "dancing")
    assert await bot.close() and await bot.log_out()


async def test_a_users_document_downloads_through_get_file(api: FakeBotApi) -> None:
    async with Bot(api.token, base_url=api.base_url, base_file_url=api.base_file_url) as bot:
        api.send_document(USER, "strong.csv", b"Date,Exercise Name\n")
        [update] = await bot.get_updates()
        document = update.message.document
        assert (document.file_name, document.mime_type, document.file_size) == ("strong.csv", "text/csv", 19)
        file = await bot.get_file(document.file_id)
        assert bytes(await file.download_as_bytearray()) == b"Date,Exercise Name\n"
        with pytest.raises(BadRequest, match="(?i)invalid file_id"):
            await bot.get_file("nothing-like-it")


async def test_uploads_are_readable_back(api: FakeBotApi, bot: Bot) -> None:
    document = await bot.send_document(
        USER, b"day,reps\nmon,12\n", filename="log.csv", caption="Your <b>log</b>", parse_mode=ParseMode.HTML
    )
    photo = await bot.send_photo(USER, png(3, 2), filename="chart.png")

    assert (document.document.file_name, document.caption) == ("log.csv", "Your log")
    assert (photo.photo[-1].width, photo.photo[-1].height) == (3, 2)
    csv, chart = api.uploads(USER)
    assert (csv.filename, csv.content, csv.content_type) == ("log.csv", b"day,reps\nmon,12\n", "text/csv")
    assert chart.content == png(3, 2)
    assert api.calls("sendDocument")[0]["params"]["document"] == csv

    again = await bot.send_document(USER, document.document.file_id)
    assert again.document.file_name == "log.csv"
    with pytest.raises(BadRequest, match="(?i)wrong file identifier"):
        await bot.send_document(USER, "no-such-file-id")


# ---- fault injection and timing ----------------------------------------------------------


@pytest.mark.parametrize(
    ("error_code", "error", "match"),
    [
        (429, RetryAfter, "Flood control exceeded"),
        (403, Forbidden, "bot was blocked by the user"),
        (500, NetworkError, "Internal Server Error"),
    ],
)
async def test_fail_next_fails_one_call(
    api: FakeBotApi, bot: Bot, error_code: int, error: type[Exception], match: str
) -> None:
    api.fail_next("sendMessage", error_code)
    with pytest.raises(error, match=match):
        await bot.send_message(USER, "hi")
    assert (await bot.send_message(USER, "hi")).text == "hi"
    assert [c["error"] and c["error"]["error_code"] for c in api.calls("sendMessage")] == [error_code, None]


async def test_fail_next_can_target_one_chat_with_a_retry_after(api: FakeBotApi, bot: Bot) -> None:
    api.fail_next("sendMessage", 429, retry_after=7, chat_id=2)
    await bot.send_message(1, "not this chat")
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(2, "this one")
    assert raised.value.retry_after == dtm.timedelta(seconds=7)


async def test_rate_limit_answers_429_past_the_sends_per_second() -> None:
    with FakeBotApi(rate_limit=3) as api:
        async with Bot(api.token, base_url=api.base_url) as bot:
            for _ in range(3):
                await bot.send_message(USER, "ok")
            with pytest.raises(RetryAfter) as raised:
                await bot.send_message(USER, "too many")
    assert raised.value.retry_after == dtm.timedelta(seconds=1)
    assert len(api.messages(USER)) == 3


async def test_latency_delays_every_call() -> None:
    with FakeBotApi(latency=0.1) as api:
        async with Bot(api.token, base_url=api.base_url) as bot:  # initialize() calls getMe
            started = time.monotonic()
            await bot.send_message(USER, "slow")
            assert time.monotonic() - started >= 0.1


# ---- the scripted user's waits -----------------------------------------------------------


async def test_wait_for_message_reports_what_the_bot_did_say(api: FakeBotApi, bot: Bot) -> None:
    first = await bot.send_message(USER, "Hello")
    assert api.wait_for_message(USER, "^Hel")["message_id"] == first.message_id
    with pytest.raises(TimeoutError, match=r"the bot's messages: \['Hello'\]"):
        api.wait_for_message(USER, "^Hel", timeout=0.1, after=first.message_id)
