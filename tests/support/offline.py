"""Telegram in-process, for wiring tests of the real PTB `Application` without any network.

`OfflineRequest` is a PTB request object that answers each Bot API call from a `FakeTelegram`
(see `tests.support.botapi`) instead of sending it. Answers pass through PTB's own response
handling, so results parse exactly as Telegram's do and an injected 403 surfaces as
`telegram.error.Forbidden`, a 429 as `RetryAfter`::

    telegram = FakeTelegram()
    app = (Application.builder().token("123:TEST")
           .request(OfflineRequest(telegram)).get_updates_request(OfflineRequest(telegram))
           .updater(None).build())
    app.add_handler(...)
    async with app:
        await app.process_update(make_message_update(1, 42, "/start", bot=app.bot))
    assert telegram.messages(42)[0]["text"] == "Hi Ann"

The `make_*_update` factories build the `Update` objects such a test feeds in.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import unquote

from telegram import Bot, Update
from telegram._utils.defaultvalue import DEFAULT_NONE
from telegram._utils.types import ODVInput
from telegram.request import BaseRequest, RequestData

from .botapi import (
    DEFAULT_TOKEN,
    FILE_PATH,
    BotApiError,
    FakeTelegram,
    UploadedFile,
    bot_sender,
    callback_query_payload,
    chat_payload,
    decode_params,
    message_payload,
    photo_content,
    sticker_content,
    text_content,
    user_payload,
)

_BOT_URL = re.compile(r"/bot([^/]+)/([A-Za-z]+)$")


class OfflineRequest(BaseRequest):
    """Answers PTB's Bot API calls from a `FakeTelegram`, recording each of them.

    Pass the same `telegram` to the request and the get_updates_request so both see one
    Telegram; by default each `OfflineRequest` has its own. `latency` (seconds) is awaited
    before every answer, like Telegram's round trip.
    """

    def __init__(self, telegram: FakeTelegram | None = None, *, latency: float = 0.0):
        self.telegram = telegram or FakeTelegram()
        self.latency = latency

    @property
    def read_timeout(self) -> float:
        """PTB adds it to a long poll's `timeout`; the value of PTB's own HTTPXRequest."""
        return 5.0

    async def initialize(self) -> None:
        """Nothing to open: there is no connection."""

    async def shutdown(self) -> None:
        """Nothing to close: there is no connection."""

    def calls(self, method: str | None = None) -> list[dict[str, Any]]:
        """The journal of bot calls, as `FakeTelegram.calls`."""
        return self.telegram.calls(method)

    def fail_next(self, method: str, error_code: int = 429, **options: Any) -> None:
        """Make the next call of `method` fail, as `FakeTelegram.fail_next`."""
        self.telegram.fail_next(method, error_code, **options)

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = DEFAULT_NONE,
        write_timeout: ODVInput[float] = DEFAULT_NONE,
        connect_timeout: ODVInput[float] = DEFAULT_NONE,
        pool_timeout: ODVInput[float] = DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        download = FILE_PATH.search(unquote(url))  # PTB quotes the path (the token's colon)
        if download is not None:  # a file download (after getFile)
            content = self.telegram.download(download.group(1), download.group(2))
            if content is not None:
                return 200, content
        route = _BOT_URL.search(url)
        if route is None:
            error = BotApiError(404, "Not Found")
            return error.error_code, json.dumps(error.payload()).encode()
        if self.latency:
            await asyncio.sleep(self.latency)
        token, api_method = route.groups()
        params = _params(request_data)
        if api_method.lower() == "getupdates":
            # A long poll waits on a lock; keep the event loop free meanwhile. A newer poll or
            # Updater.stop()'s confirming call ends the wait, so no thread lingers.
            status, payload = await asyncio.to_thread(self.telegram.handle, api_method, params, token)
        else:
            status, payload = self.telegram.handle(api_method, params, token)
        return status, json.dumps(payload).encode()


def _params(request_data: RequestData | None) -> dict[str, Any]:
    """The call's parameters decoded from the strings PTB would send, files as UploadedFile.

    Going through `json_parameters` (not the typed `parameters`) means the fake sees exactly
    what it sees over HTTP, so the two tools cannot drift apart.
    """
    if request_data is None:
        return {}
    params = decode_params(request_data.json_parameters)
    for name, (filename, content, content_type) in request_data.multipart_data.items():
        data = content if isinstance(content, bytes) else content.read()
        params[name] = UploadedFile(filename or name, data, content_type)
    return params


# --------------------------------------------------------------------------------------------
# Update factories


def make_message_update(
    update_id: int,
    user_id: int,
    text: str,
    first_name: str = "Ann",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> Update:
    """The user sends `text`; a leading /command gets its entity, so CommandHandler matches."""
    return _message_update(update_id, user_id, text_content(text), first_name, bot, chat_id, message_id)


def make_edited_message_update(
    update_id: int,
    user_id: int,
    message_id: int,
    text: str,
    first_name: str = "Ann",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
) -> Update:
    """The user edits their message `message_id` to read `text` (Telegram's `edited_message`)."""
    user = user_payload(user_id, first_name)
    chat = chat_payload(user_id if chat_id is None else chat_id, user)
    message = message_payload(message_id, user, chat, **text_content(text))
    message["edit_date"] = message["date"]
    return Update.de_json({"update_id": update_id, "edited_message": message}, bot)


def make_sticker_update(
    update_id: int,
    user_id: int,
    emoji: str = "👍",
    first_name: str = "Ann",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> Update:
    return _message_update(update_id, user_id, sticker_content(emoji), first_name, bot, chat_id, message_id)


def make_photo_update(
    update_id: int,
    user_id: int,
    caption: str | None = None,
    first_name: str = "Ann",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    message_id: int | None = None,
) -> Update:
    return _message_update(update_id, user_id, photo_content(caption), first_name, bot, chat_id, message_id)


def make_callback_update(
    update_id: int,
    user_id: int,
    message_id: int,
    data: str,
    first_name: str = "Ann",
    bot: Bot | None = None,
    *,
    chat_id: int | None = None,
    message: Mapping[str, Any] | None = None,
) -> Update:
    """The user taps the button carrying `data` under the bot's message `message_id`.

    `message` is that message as the fake stored it (e.g. `telegram.messages(chat)[-1]`), so a
    handler reading `query.message.text` sees the real text; by default a bare bot message.
    """
    user = user_payload(user_id, first_name)
    if message is None:
        chat = chat_payload(user_id if chat_id is None else chat_id, user)
        message = message_payload(message_id, bot_sender(bot.token if bot else DEFAULT_TOKEN), chat)
    query = callback_query_payload(str(update_id), user, message, data)
    return Update.de_json({"update_id": update_id, "callback_query": query}, bot)


def _message_update(
    update_id: int,
    user_id: int,
    content: Mapping[str, Any],
    first_name: str,
    bot: Bot | None,
    chat_id: int | None,
    message_id: int | None,
) -> Update:
    """`bot` is set on the objects so shortcuts such as `message.reply_text` work."""
    user = user_payload(user_id, first_name)
    chat = chat_payload(user_id if chat_id is None else chat_id, user)
    message = message_payload(update_id if message_id is None else message_id, user, chat, **content)
    return Update.de_json({"update_id": update_id, "message": message}, bot)


@asynccontextmanager
async def offline_application(runtime: Any) -> AsyncIterator[tuple[Any, FakeTelegram]]:
    """The bot's real PTB Application over this offline request layer, initialised (getMe done):
    what the wiring tests drive, with the fake Telegram that records its calls."""
    from bot.telegram.application import build_application

    telegram = FakeTelegram()
    application = build_application(runtime, OfflineRequest(telegram), OfflineRequest(telegram))
    async with application:
        yield application, telegram
