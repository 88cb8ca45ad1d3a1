"""The webhook's HTTP server under slow and many clients: the real uvicorn server on a local port,
with the limits of `bot/connections.py` made short. Headers and bodies that take too long are
cut off, connections beyond the limit are closed at once, the server keeps answering Telegram,
and the line a flood repeats is written a few times, not once per connection."""

import asyncio
import configparser
import io
import json
import logging
from pathlib import Path

import pytest
from support.botapi import FakeTelegram, chat_payload, message_payload, text_content, user_payload
from support.offline import OfflineRequest

from bot import connections, logs, monitoring
from bot.telegram.application import build_application
from bot.telegram.webhook import SECRET_HEADER, create_app

SECRET = "s3cret-Token_value"


@pytest.fixture
async def server(runtime, monkeypatch):
    """The webhook server listening on 127.0.0.1; its (host, port)."""
    monkeypatch.setattr(connections, "HEADER_TIMEOUT", 0.5)
    monkeypatch.setattr(connections, "BODY_TIMEOUT", 0.5)
    monkeypatch.setattr(connections, "MAX_CONNECTIONS", 5)
    runtime.settings = runtime.settings.model_copy(update={"webhook_secret": SECRET})
    telegram = FakeTelegram()
    application = build_application(runtime, OfflineRequest(telegram), OfflineRequest(telegram))
    listener = monitoring.listen("127.0.0.1", 0, "TELEGRAM_WEBHOOK_PORT")
    async with application, monitoring.server(create_app(application, runtime), listener):
        yield listener.getsockname()[:2], runtime, telegram


async def closed(reader, within):
    """Whether the server closes the connection within `within` seconds."""
    try:
        return await asyncio.wait_for(reader.read(), within) == b""
    except ConnectionResetError:  # closed by an abort: a reset
        return True
    except TimeoutError:
        return False


def update_request(runtime, update_id, user_id, length=None):
    user = user_payload(user_id)
    message = message_payload(update_id, user, chat_payload(user_id, user), **text_content("/start"))
    body = json.dumps({"update_id": update_id, "message": message}).encode()
    head = (
        f"POST /{runtime.settings.webhook_path} HTTP/1.1\r\nHost: bot\r\nContent-Type: application/json\r\n"
        f"{SECRET_HEADER}: {SECRET}\r\nContent-Length: {length or len(body)}\r\n\r\n"
    )
    return head.encode(), body


async def test_headers_that_take_too_long_are_cut_off(server):
    (host, port), _, _ = server
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(b"POST /telegram HTTP/1.1\r\nHost: bot\r\n")  # and then nothing: a slow client
    await writer.drain()
    assert await closed(reader, within=3)
    writer.close()


async def test_a_body_that_takes_too_long_gets_a_408(server):
    (host, port), runtime, telegram = server
    reader, writer = await asyncio.open_connection(host, port)
    head, body = update_request(runtime, 1, 4711)
    writer.write(head + body[:10])  # the rest never comes
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(200), 3)
    assert answer.startswith(b"HTTP/1.1 408")
    writer.close()
    assert telegram.calls("sendMessage") == []


async def test_connections_beyond_the_limit_are_closed_and_telegram_still_gets_through(server):
    (host, port), runtime, telegram = server
    idle = [await asyncio.open_connection(host, port) for _ in range(12)]
    verdicts = await asyncio.gather(*(closed(reader, within=0.3) for reader, _ in idle))
    assert verdicts.count(True) >= 7  # all beyond the 5 allowed, at once
    for _, writer in idle:
        writer.close()
    await asyncio.sleep(0.2)
    reader, writer = await asyncio.open_connection(host, port)
    head, body = update_request(runtime, 2, 4712)
    writer.write(head + body)
    await writer.drain()
    assert (await asyncio.wait_for(reader.readline(), 10)).startswith(b"HTTP/1.1 200")
    writer.close()
    assert telegram.messages(4712)[0]["text"].startswith("Hi Ann!")


async def test_a_flood_writes_its_repeated_line_a_few_times_only(server, monkeypatch):
    (host, port), runtime, _ = server
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    logs.configure(runtime.settings)
    out = io.StringIO()
    root.handlers[0].setStream(out)
    try:
        flood = [await asyncio.open_connection(host, port) for _ in range(60)]
        await asyncio.sleep(0.3)
        for _, writer in flood:
            writer.close()
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    refused = [line for line in out.getvalue().splitlines() if "refused a connection" in line]
    assert 1 <= len(refused) <= logs.REPEATS_PER_MINUTE  # 55 refused, a few lines written


def test_a_held_back_line_is_counted_in_the_next_one_written():
    now = [0.0]
    repeats = logs.Repeats(most=2, seconds=60, clock=lambda: now[0])
    records = [logging.makeLogRecord({"name": "x", "levelno": 30, "msg": "refused %d"}) for _ in range(5)]
    assert [repeats.filter(r) for r in records] == [True, True, False, False, False]
    now[0] = 61
    later = logging.makeLogRecord({"name": "x", "levelno": 30, "msg": "refused %d"})
    assert repeats.filter(later) and later.msg == "refused %d (and 3 more like it, not written)"
    other = logging.makeLogRecord({"name": "x", "levelno": 30, "msg": "another line"})
    assert repeats.filter(other) and other.msg == "another line"


def test_the_line_each_update_ends_with_is_never_held_back():
    repeats = logs.Repeats(most=2, seconds=60, clock=lambda: 0.0)
    line = {"name": "bot.telegram.adapter", "levelno": 20, "msg": "update=%s outcome=%s"}
    assert all(repeats.filter(logging.makeLogRecord(line | logs.EVERY_ONE)) for _ in range(50))
    assert [repeats.filter(logging.makeLogRecord(line)) for _ in range(3)] == [True, True, False]


def test_systemd_allows_more_open_files_than_the_server_keeps_connections():
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read_string((Path(__file__).parent.parent / "deploy" / "armswing.service").read_text())
    assert int(unit["Service"]["LimitNOFILE"]) >= 4 * connections.MAX_CONNECTIONS
