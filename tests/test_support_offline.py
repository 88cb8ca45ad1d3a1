"""The offline request lets the real PTB `Application` run handlers that talk to "Telegram"."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest
from support.botapi import FakeTelegram
from support.offline import (
    OfflineRequest,
    make_callback_update,
    make_message_update,
    make_photo_update,
    make_sticker_update,
)
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

USER = 42
KEYBOARD = InlineKeyboardMarkup([[InlineKeyboardButton("Done", callback_data="done")]])


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.message.reply_text(
        f"Hi <b>{update.effective_user.first_name}</b>", parse_mode=ParseMode.HTML, reply_markup=KEYBOARD
    )


async def done(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await update.callback_query.answer("Logged")
    await update.callback_query.edit_message_text(f"{update.callback_query.message.text} ✓")


async def record_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    context.bot_data.setdefault("errors", []).append(context.error)


@pytest.fixture
def telegram() -> FakeTelegram:
    return FakeTelegram()


@pytest.fixture
async def app(telegram: FakeTelegram) -> AsyncIterator[Application]:
    app = (
        Application.builder()
        .token("123:TEST")
        .request(OfflineRequest(telegram))
        .get_updates_request(OfflineRequest(telegram))
        .updater(None)
        .build()
    )
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(done, pattern="^done$"))
    app.add_error_handler(record_error)
    async with app:
        yield app


async def test_the_builder_from_the_docs_initializes_with_the_bot_of_the_token() -> None:
    request = OfflineRequest()
    app = (
        Application.builder()
        .token("123:TEST")
        .request(request)
        .get_updates_request(OfflineRequest())
        .updater(None)
        .build()
    )
    async with app:
        assert (app.bot.id, app.bot.username) == (123, "ArmswingTestBot")
        assert await app.bot.get_updates(timeout=0) == ()
    assert [call["method"] for call in request.calls()] == ["getMe"]


async def test_a_handler_replies_through_the_offline_request(app: Application, telegram: FakeTelegram) -> None:
    await app.process_update(make_message_update(1, USER, "/start", bot=app.bot))

    (reply,) = telegram.messages(USER)
    assert reply["text"] == "Hi Ann" and reply["entities"][0]["type"] == "bold"
    assert reply["reply_markup"] == KEYBOARD.to_dict()
    (call,) = telegram.calls("sendMessage")
    assert call["params"]["chat_id"] == USER and call["params"]["text"] == "Hi <b>Ann</b>"


async def test_a_button_tap_is_answered_and_edits_the_message(app: Application, telegram: FakeTelegram) -> None:
    await app.process_update(make_message_update(1, USER, "/start", first_name="Bo", bot=app.bot))
    shown = telegram.messages(USER)[-1]

    await app.process_update(make_callback_update(2, USER, shown["message_id"], "done", bot=app.bot, message=shown))

    assert telegram.callback_answers[0]["text"] == "Logged"
    assert [m["text"] for m in telegram.messages(USER)] == ["Hi Bo ✓"]


async def test_unescaped_html_reaches_the_error_handler_as_bad_request(
    app: Application, telegram: FakeTelegram
) -> None:
    await app.process_update(make_message_update(1, USER, "/start", first_name="<Ann>", bot=app.bot))
    (error,) = app.bot_data["errors"]
    assert isinstance(error, BadRequest) and "parse entities" in str(error)
    assert telegram.messages(USER) == []


async def test_an_injected_failure_is_raised_by_ptb(app: Application, telegram: FakeTelegram) -> None:
    request = app.bot.request
    request.fail_next("sendMessage", 403)
    await app.process_update(make_message_update(1, USER, "/start", bot=app.bot))

    (error,) = app.bot_data["errors"]
    assert isinstance(error, Forbidden) and "blocked" in str(error)
    assert request.calls("sendMessage")[0]["error"]["error_code"] == 403


async def test_latency_is_awaited_on_every_call() -> None:
    request = OfflineRequest(latency=0.05)
    app = Application.builder().token("123:TEST").request(request).updater(None).build()
    async with app:
        started = time.monotonic()
        await app.bot.send_message(USER, "slow")
        assert time.monotonic() - started >= 0.05


async def test_sticker_and_photo_updates_match_ptb_filters(app: Application) -> None:
    seen: list[str] = []

    async def sticker(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.message.sticker.emoji)

    async def photo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        seen.append(update.message.caption)

    app.add_handler(MessageHandler(filters.Sticker.ALL, sticker))
    app.add_handler(MessageHandler(filters.PHOTO, photo))
    await app.process_update(make_sticker_update(1, USER, "💪", bot=app.bot))
    await app.process_update(make_photo_update(2, USER, caption="my form", bot=app.bot))
    assert seen == ["💪", "my form"]


async def test_an_uploaded_document_is_readable_back(app: Application, telegram: FakeTelegram) -> None:
    sent = await app.bot.send_document(USER, b"day,reps\nmon,12\n", filename="log.csv")

    assert sent.document.file_name == "log.csv"
    (upload,) = telegram.uploads(USER)
    assert (upload.filename, upload.content) == ("log.csv", b"day,reps\nmon,12\n")
