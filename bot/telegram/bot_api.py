"""The replies' Bot API calls, without the PTB objects the bot would build only to drop them.

`Bot.send_message` takes the buttons as `InlineKeyboardButton` objects, which PTB turns back into
dicts to send, and parses Telegram's answer, the whole message with its chat, sender, entities
and keyboard, into a `telegram.Message`; the replies read only the new message's id, and nothing
of an edit's answer. Under load that building and parsing was about a fifth of the bot's CPU
(py-spy on `bench/load.py`). These calls go through the same `Bot._post` as PTB's own methods:
the defaults, the rate limiter, the request layer and PTB's error mapping (`RetryAfter`,
`Forbidden`, `BadRequest`, `TimedOut`, …) are exactly theirs; only the objects are left out.
`tests/test_bot_api.py` checks that Telegram receives the same parameters as from PTB's methods.
"""

from __future__ import annotations

import json
from typing import Any

from telegram import Bot
from telegram.constants import ParseMode

Rows = list[list[dict[str, str]]]  # inline keyboard rows, as the Bot API spells buttons


def markup(rows: Rows) -> str | None:
    """An inline keyboard's `reply_markup` parameter (JSON, as PTB would encode it); None for no buttons."""
    return json.dumps({"inline_keyboard": rows}) if rows else None


async def send_text(bot: Bot, chat_id: int, text: str, reply_markup: str | None = None) -> int:
    """`sendMessage` in HTML; the new message's id."""
    data = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML.value, "reply_markup": reply_markup}
    answer: dict[str, Any] = await bot._post("sendMessage", data)  # PTB's own path, see the module docstring
    return int(answer["message_id"])


async def edit_text(bot: Bot, chat_id: int, message_id: int, text: str, reply_markup: str | None = None) -> None:
    """`editMessageText` in HTML (its buttons replaced by `reply_markup`, or removed)."""
    data = {
        "chat_id": chat_id,
        "message_id": message_id,
        "text": text,
        "parse_mode": ParseMode.HTML.value,
        "reply_markup": reply_markup,
    }
    await bot._post("editMessageText", data)


async def drop_buttons(bot: Bot, chat_id: int, message_id: int) -> None:
    """`editMessageReplyMarkup` without a keyboard: the message's buttons are removed."""
    await bot._post("editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id})
