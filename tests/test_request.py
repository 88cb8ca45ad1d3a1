"""Both HTTP layers (`AiohttpRequest`, PTB's `HTTPXRequest`) against the local Bot API over HTTP:
the same calls, the same failures, the same PTB errors."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from telegram import Bot, InputFile
from telegram.error import (
    BadRequest,
    Conflict,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.request import BaseRequest, HTTPXRequest

from bot.telegram.request import AiohttpRequest, make_request
from tests.support.botapi import FakeBotApi

CLIENTS = ["aiohttp", "httpx"]
CHAT = 4242


@pytest.fixture
def api() -> Iterator[FakeBotApi]:
    with FakeBotApi() as fake:
        fake.send_text(CHAT, "hi")  # the chat exists
        yield fake


def _bot(api: FakeBotApi, request: BaseRequest, token: str | None = None) -> Bot:
    return Bot(token or api.token, base_url=api.base_url, request=request, get_updates_request=request)


@pytest.fixture(params=CLIENTS)
async def bot(request: pytest.FixtureRequest, api: FakeBotApi) -> AsyncIterator[Bot]:
    async with _bot(api, make_request(request.param, read_timeout=0.5, connect_timeout=1, pool_timeout=1)) as bot:
        yield bot


def test_make_request_names_the_client() -> None:
    assert isinstance(make_request("aiohttp"), AiohttpRequest)
    assert isinstance(make_request("httpx"), HTTPXRequest)
    with pytest.raises(ValueError, match="aiohttp or httpx"):
        make_request("requests")


async def test_calls_and_uploads_arrive_as_sent(bot: Bot, api: FakeBotApi) -> None:
    me = await bot.get_me()
    assert me.username == "ArmswingTestBot"
    sent = await bot.send_message(CHAT, "<b>Grüße</b> & 3×12 💪", parse_mode="HTML")
    assert sent.text == "Grüße & 3×12 💪"
    assert api.calls("sendMessage")[-1]["params"]["text"] == "<b>Grüße</b> & 3×12 💪"
    csv = b"logged_at,exercise\n2026-01-01,row\n"
    await bot.send_document(CHAT, InputFile(csv, filename="log.csv"), caption="your log")
    (upload,) = api.uploads(CHAT)
    assert (upload.filename, upload.content) == ("log.csv", csv)
    assert api.calls("sendDocument")[-1]["params"]["caption"] == "your log"


@pytest.mark.parametrize(
    ("code", "error", "text"),
    [
        (403, Forbidden, "blocked by the user"),
        (400, BadRequest, "Bad Request"),
        (409, Conflict, "Conflict"),
        (500, NetworkError, "Internal Server Error"),
        (502, NetworkError, "Bad Gateway"),
    ],
)
async def test_telegram_refusals_become_ptb_errors(
    bot: Bot, api: FakeBotApi, code: int, error: type[TelegramError], text: str
) -> None:
    api.fail_next("sendMessage", code)
    with pytest.raises(error, match=text) as raised:
        await bot.send_message(CHAT, "x")
    assert not isinstance(raised.value, TimedOut)


async def test_flood_control_is_retry_after(bot: Bot, api: FakeBotApi) -> None:
    api.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as raised:
        await bot.send_message(CHAT, "x")
    assert "retry in 7 seconds" in str(raised.value).lower()
    wait = raised.value.retry_after
    assert (wait if isinstance(wait, int) else wait.total_seconds()) == 7


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_wrong_token_is_invalid_token(api: FakeBotApi, client: str) -> None:
    bot = _bot(api, make_request(client), token="999:WRONG-token-xyz")
    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()


async def test_a_hung_call_times_out_and_the_next_call_works(bot: Bot, api: FakeBotApi) -> None:
    api.misbehave_next("sendMessage", "hang")
    started = time.monotonic()
    with pytest.raises(TimedOut):
        await bot.send_message(CHAT, "x")
    assert time.monotonic() - started < 3
    assert (await bot.send_message(CHAT, "again")).text == "again"


@pytest.mark.parametrize("how", ["drop", "garbage", "truncated"])
async def test_a_broken_connection_is_a_network_error_and_the_next_call_works(
    bot: Bot, api: FakeBotApi, how: str
) -> None:
    api.misbehave_next("sendMessage", how)
    with pytest.raises(NetworkError) as raised:
        await bot.send_message(CHAT, "x")
    assert not isinstance(raised.value, TimedOut)
    assert (await bot.send_message(CHAT, "again")).text == "again"


async def test_an_answer_that_is_not_json_is_an_invalid_response(bot: Bot, api: FakeBotApi) -> None:
    api.misbehave_next("sendMessage", "not_json")
    with pytest.raises(TelegramError, match="Invalid server response"):
        await bot.send_message(CHAT, "x")


@pytest.mark.parametrize("client", CLIENTS)
async def test_nobody_listening_is_a_network_error(client: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    bot = Bot("123:abcdefghijkl", base_url=f"http://127.0.0.1:{port}/bot", request=make_request(client))
    with pytest.raises(NetworkError) as raised:
        await bot.get_me()
    assert not isinstance(raised.value, TimedOut)
    await bot.shutdown()


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_full_pool_is_a_pool_timeout_without_sending(api: FakeBotApi, client: str) -> None:
    request = make_request(client, connection_pool_size=1, read_timeout=5, pool_timeout=0.2)
    async with _bot(api, request) as bot:
        api.misbehave_next("sendMessage", "hang")
        hung = asyncio.create_task(bot.send_message(CHAT, "hangs"))
        await asyncio.sleep(0.3)
        with pytest.raises(TimedOut, match="Pool timeout"):
            await bot.send_message(CHAT, "waits for the pool")
        hung.cancel()
        await asyncio.gather(hung, return_exceptions=True)
    assert [call["params"]["text"] for call in api.calls("sendMessage")] == []  # neither reached Telegram's side


@pytest.mark.parametrize("client", CLIENTS)
async def test_a_peer_that_stops_reading_an_upload_times_out(api: FakeBotApi, client: str) -> None:
    request = make_request(client, read_timeout=0.5, write_timeout=0.5, connect_timeout=0.5)
    async with _bot(api, request) as bot:
        api.misbehave_next("sendDocument", "hang")
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await bot.send_document(CHAT, InputFile(b"x" * 200_000, filename="big.csv"), write_timeout=0.5)
        assert time.monotonic() - started < 4


async def test_per_call_read_timeout_wins(bot: Bot, api: FakeBotApi) -> None:
    """getUpdates' long poll passes its own read timeout, longer than the default."""
    api.latency = 0.8  # above the fixture's 0.5 s default read timeout
    updates = await bot.get_updates(timeout=0, read_timeout=3)
    assert [u.message.text for u in updates] == ["hi"]
    with pytest.raises(TimedOut):
        await bot.get_updates(timeout=0)


async def test_aiohttp_goes_through_the_environments_proxy_unless_the_host_is_exempt(
    api: FakeBotApi, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fake answers a proxy's absolute-URL request line too, so it stands in for the proxy of
    # a Telegram that cannot be reached directly.
    proxy = api.base_url.removesuffix("/bot")
    for name in ("HTTP_PROXY", "http_proxy"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    request = AiohttpRequest(connect_timeout=1, read_timeout=1)
    async with Bot(api.token, base_url="http://telegram.invalid/bot", request=request) as bot:
        assert (await bot.get_me()).username == "ArmswingTestBot"
    monkeypatch.setenv("no_proxy", "telegram.invalid")
    with pytest.raises(NetworkError):
        async with Bot(api.token, base_url="http://telegram.invalid/bot", request=AiohttpRequest(connect_timeout=1)):
            pass


def test_aiohttp_refuses_a_proxy_it_cannot_speak() -> None:
    with pytest.raises(ValueError, match="http"):
        AiohttpRequest(proxy="socks5://127.0.0.1:1080")
