"""The replies' lighter Bot API calls (`bot.telegram.bot_api`): Telegram gets exactly what PTB's own
methods send, through PTB's rate limiter and error mapping, and the bot gets the message id."""

from __future__ import annotations

import json
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import AIORateLimiter, ExtBot
from telegram.request import RequestData

from bot.message import Message
from bot.telegram import bot_api
from bot.telegram.replies import keyboard, rows
from tests.support.botapi import FakeTelegram
from tests.support.offline import OfflineRequest

CHAT = 4242
BUTTONS = ((("12 reps", "s:1:12"), ("Site", "https://example.org/a")), (("Done", "d:1"),))


class Recording(OfflineRequest):
    """An offline request that also keeps every call's form fields, as they would go on the wire."""

    def __init__(self, telegram: FakeTelegram):
        super().__init__(telegram)
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None, **kw: Any) -> Any:
        fields = dict(request_data.json_parameters) if request_data else {}
        self.sent.append((url.rsplit("/", 1)[1], fields))
        return await super().do_request(url, method, request_data, **kw)


class CountingLimiter(AIORateLimiter):
    def __init__(self) -> None:
        super().__init__(overall_max_rate=0, group_max_rate=0)
        self.endpoints: list[str] = []

    async def process_request(
        self, callback: Any, args: Any, kwargs: Any, endpoint: str, data: Any, **rest: Any
    ) -> Any:
        self.endpoints.append(endpoint)
        return await super().process_request(callback, args, kwargs, endpoint, data, **rest)


def decoded(fields: dict[str, Any]) -> dict[str, Any]:
    return {name: json.loads(value) if name == "reply_markup" else value for name, value in fields.items()}


@pytest.fixture
async def bot():
    telegram = FakeTelegram()
    request = Recording(telegram)
    limiter = CountingLimiter()
    bot = ExtBot("123:TEST", request=request, get_updates_request=request, rate_limiter=limiter)
    async with bot:
        yield bot, request, telegram, limiter


async def test_a_text_goes_out_as_from_send_message_and_its_id_comes_back(bot):
    bot, request, telegram, limiter = bot
    message = Message("<b>Set 1</b> of 3", BUTTONS)
    for owner in (None, 77):
        ptb = await bot.send_message(
            CHAT, message.text, parse_mode=ParseMode.HTML, reply_markup=keyboard(message, owner)
        )
        lean = await bot_api.send_text(bot, CHAT, message.text, bot_api.markup(rows(message, owner)))
        (_, from_ptb), (_, from_lean) = request.sent[-2:]
        assert decoded(from_lean) == decoded(from_ptb)
        assert lean == ptb.message_id + 1
        assert telegram.messages(CHAT)[-1]["reply_markup"] == ptb.reply_markup.to_dict()
    assert decoded(from_lean)["reply_markup"]["inline_keyboard"][0] == [
        {"text": "12 reps", "callback_data": "s:1:12~77"},
        {"text": "Site", "url": "https://example.org/a"},
    ]
    assert limiter.endpoints.count("sendMessage") == 4  # the lean calls pass the rate limiter too


async def test_no_buttons_no_reply_markup(bot):
    bot, request, telegram, _ = bot
    await bot.send_message(CHAT, "plain", parse_mode=ParseMode.HTML)
    await bot_api.send_text(bot, CHAT, "plain", bot_api.markup(rows(Message("plain"))))
    (_, from_ptb), (_, from_lean) = request.sent[-2:]
    assert from_lean == from_ptb
    assert set(from_lean) == {"chat_id", "text", "parse_mode"}
    assert "reply_markup" not in telegram.messages(CHAT)[-1]


async def test_edits_go_out_as_from_ptbs_edit_methods(bot):
    bot, request, telegram, _ = bot
    first = await bot_api.send_text(bot, CHAT, "card", bot_api.markup(rows(Message("card", BUTTONS))))
    message = Message("card, set 2", BUTTONS[:1])
    await bot.edit_message_text(
        message.text, chat_id=CHAT, message_id=first, parse_mode=ParseMode.HTML, reply_markup=keyboard(message)
    )
    await bot_api.edit_text(bot, CHAT, first, message.text + "!", bot_api.markup(rows(message)))
    (_, from_ptb), (_, from_lean) = request.sent[-2:]
    assert decoded(from_lean) == decoded(from_ptb) | {"text": message.text + "!"}
    assert telegram.messages(CHAT)[-1]["text"] == "card, set 2!"
    assert telegram.messages(CHAT)[-1]["reply_markup"] == {"inline_keyboard": rows(message)}

    second = await bot_api.send_text(bot, CHAT, "card 2", bot_api.markup(rows(message)))
    await bot.edit_message_reply_markup(chat_id=CHAT, message_id=first, reply_markup=None)
    await bot_api.drop_buttons(bot, CHAT, second)
    (_, from_ptb), (_, from_lean) = request.sent[-2:]
    assert from_lean == from_ptb | {"message_id": str(second)}
    assert [m.get("reply_markup") for m in telegram.messages(CHAT)[-2:]] == [None, None]


@pytest.mark.parametrize(
    ("code", "error"), [(403, Forbidden), (400, BadRequest), (429, RetryAfter)], ids=["403", "400", "429"]
)
async def test_telegrams_refusals_are_ptbs_errors(bot, code, error):
    bot, _, telegram, _ = bot
    telegram.fail_next("sendMessage", code)
    with pytest.raises(error):
        await bot_api.send_text(bot, CHAT, "hi")
    telegram.fail_next("editMessageText", code)
    with pytest.raises(error):
        await bot_api.edit_text(bot, CHAT, 1, "hi")


def test_keyboard_and_rows_are_the_same_buttons():
    message = Message("x", BUTTONS)
    assert keyboard(message, 5) == InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton("12 reps", callback_data="s:1:12~5"),
                InlineKeyboardButton("Site", url="https://example.org/a"),
            ],
            [InlineKeyboardButton("Done", callback_data="d:1~5")],
        ]
    )
    assert keyboard(Message("x")) is None and bot_api.markup(rows(Message("x"))) is None
