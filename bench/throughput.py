"""Throughput and latency of the real Armswing `Application`, against the framework's floor.

Many users go through onboarding, a guided workout with questions in the middle, and set logs;
their updates are fed to the real PTB `Application` the way the polling loop does (a batch at a
time, different users at once, each user's in order) through an offline Bot API that answers
after a simulated round trip. In the same run a bare PTB echo bot with PTB's default settings
(one update after another) gets the same round trip.

    .venv/bin/python bench/throughput.py                     # SQLite, 0 ms and 50 ms
    .venv/bin/python bench/throughput.py --users 1000 --rtt 0.05
    .venv/bin/python bench/throughput.py --database postgresql://…   # PostgreSQL

Prints a Markdown table and the ratios to the echo bot. The steady-load run (`--pace`, 200
updates a second by default, with no round trip) shows the latency of our own work.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the offline Bot API lives with the test tools

from runner_session import SCRIPT
from support.databases import empty_postgres
from support.offline import make_callback_update, make_message_update
from telegram.ext import Application, MessageHandler, filters
from telegram.request import BaseRequest

from bot.config import Settings
from bot.runtime import Runtime
from bot.telegram.application import build_application, process
from dialogs.coach import Coach

TOKEN = "123456:TEST-armswing"


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class CannedTelegram(BaseRequest):
    """Answers every Bot API call at once (after `latency`) with a minimal valid result, and
    keeps the keyboards the bot sent so the crowd can tap them. Cheap on purpose: the CPU
    measured is the bot's, not a fake's."""

    def __init__(self, latency: float):
        self.latency = latency
        self.calls = 0
        self.cards: dict[int, list[tuple[int, dict]]] = {}  # chat -> [(message id, keyboard)]

    @property
    def read_timeout(self) -> float:
        return 5.0

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def do_request(
        self,
        url,
        method,
        request_data=None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ):
        self.calls += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        name = url.rsplit("/", 1)[-1]
        params = request_data.json_parameters if request_data else {}
        if name == "getMe":
            result = {"id": 123456, "is_bot": True, "first_name": "Armswing", "username": "ArmswingBenchBot"}
        elif name in ("sendMessage", "editMessageText"):
            chat = int(params["chat_id"])
            cards = self.cards.setdefault(chat, [])
            message_id = len(cards) + 1
            if "reply_markup" in params:
                cards.append((message_id, json.loads(params["reply_markup"])))
            result = {
                "message_id": message_id,
                "date": 0,
                "chat": {"id": chat, "type": "private"},
                "text": params.get("text", ""),
            }
        else:
            result = True
        return 200, json.dumps({"ok": True, "result": result}).encode()


class Crowd:
    """Users playing SCRIPT; builds each next update from what the bot last showed them."""

    def __init__(self, telegram: CannedTelegram, users: int, bot):
        self.telegram, self.bot = telegram, bot
        self.users = list(range(10_000, 10_000 + users))
        self.next_id = 1

    def update(self, user: int, step: int):
        kind, value = SCRIPT[step]
        self.next_id += 1
        if kind == "say":
            return make_message_update(self.next_id, user, value, bot=self.bot)
        for message_id, keyboard in reversed(self.telegram.cards.get(user, [])):  # the newest card with that label
            data = next(
                (b["callback_data"] for row in keyboard["inline_keyboard"] for b in row if b["text"] == value), None
            )
            if data:
                return make_callback_update(self.next_id, user, message_id, data, bot=self.bot)
        raise LookupError(f"user {user}: no button {value!r} at step {step}")


async def coaching(users: int, rtt: float, database_url: str, coach: Coach, pace: float | None = None) -> dict:
    """Every user plays SCRIPT, one step after another. Without `pace` each step's updates all
    arrive at once (throughput); with it they arrive evenly, `pace` a second (latency at a
    steady load, where the time an update takes is our own work when `rtt` is 0)."""
    if not database_url.startswith("sqlite"):
        empty_postgres(database_url)
    runtime = await Runtime.open(Settings(token=TOKEN, database_url=database_url, send_rate=1e9), coach)
    telegram = CannedTelegram(rtt)
    application = build_application(runtime, telegram, CannedTelegram(0))
    latencies: list[float] = []
    async with application:
        crowd = Crowd(telegram, users, application.bot)

        async def timed(update) -> None:
            started = time.perf_counter()
            await process(application, update)
            latencies.append(time.perf_counter() - started)

        async def paced(batch: list) -> None:
            start, running = time.perf_counter(), []
            for number, update in enumerate(batch):
                await asyncio.sleep(max(0.0, start + number / pace - time.perf_counter()))
                running.append(asyncio.create_task(timed(update)))
            await asyncio.gather(*running)

        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        driver = 0.0
        for step in range(len(SCRIPT)):
            build = time.perf_counter()
            batch = [crowd.update(user, step) for user in crowd.users]
            driver += time.perf_counter() - build
            await (paced(batch) if pace else asyncio.gather(*(timed(update) for update in batch)))
            await application.bot_data.replies.idle()  # the replies go after the commit; the next step taps them
        wall = time.perf_counter() - wall
        cpu = time.process_time() - cpu - driver
    await runtime.close()
    count = users * len(SCRIPT)
    latencies.sort()
    return {
        "updates": count,
        "per_second": count / (wall - driver),
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[int(len(latencies) * 0.99)] * 1000,
        "cpu_ms": cpu / count * 1000,
        "rss_mb": rss_mb(),
        "calls": telegram.calls / count,
    }


async def echo(count: int, rtt: float) -> dict:
    """A bare PTB echo bot, PTB's defaults: updates from the queue, one after another."""
    application = (
        Application.builder()
        .token(TOKEN)
        .request(CannedTelegram(rtt))
        .get_updates_request(CannedTelegram(0))
        .updater(None)
        .build()
    )
    done = asyncio.Event()
    seen = 0

    async def reply(update, context) -> None:
        nonlocal seen
        await update.message.reply_text(update.message.text)
        seen += 1
        if seen == count:
            done.set()

    application.add_handler(MessageHandler(filters.TEXT, reply))
    async with application:
        await application.start()
        wall, cpu = time.perf_counter(), time.process_time()
        for i in range(count):
            await application.update_queue.put(
                make_message_update(i + 1, 20_000 + i % 1000, "hello", bot=application.bot)
            )
        await done.wait()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        await application.stop()
    return {"updates": count, "per_second": count / wall, "cpu_ms": cpu / count * 1000}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--rtt", type=float, action="append", help="simulated round trip in seconds (repeatable)")
    parser.add_argument("--pace", type=float, default=200, help="updates a second of the steady-load run (0: skip it)")
    parser.add_argument("--database", default=None, help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    coach = Coach.load()
    database = "PostgreSQL" if args.database else "SQLite"
    print(
        f"machine: {sys.platform}, Python {sys.version.split()[0]}; {args.users} users × {len(SCRIPT)} updates each; {datetime.now(UTC):%Y-%m-%d}"
    )
    print()
    print(
        "| bot | round trip | load | updates/s | p50 ms | p99 ms | CPU ms/update | Bot API calls/update | peak RSS MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    ratios = []
    runs = [(rtt, None) for rtt in args.rtt or [0.0, 0.05]] + ([(0.0, args.pace)] if args.pace else [])
    for rtt, pace in runs:
        with tempfile.TemporaryDirectory() as folder:
            url = args.database or f"sqlite:///{folder}/bench.sqlite3"
            users = (
                min(args.users, int(pace)) if pace else args.users
            )  # a paced run takes len(SCRIPT) × users / pace seconds
            ours = await coaching(users, rtt, url, coach, pace)
        load = f"steady {pace:.0f}/s" if pace else "all at once"
        print(
            f"| Armswing ({database}) | {rtt * 1000:.0f} ms | {load} | {ours['per_second']:.0f} | {ours['p50']:.1f} | "
            f"{ours['p99']:.1f} | {ours['cpu_ms']:.2f} | {ours['calls']:.2f} | {ours['rss_mb']:.0f} |"
        )
        if pace:
            continue
        floor = await echo(min(2000 if rtt == 0 else 100, args.users * 2), rtt)
        print(
            f"| bare PTB echo (defaults) | {rtt * 1000:.0f} ms | all at once | {floor['per_second']:.0f} | | | {floor['cpu_ms']:.2f} | 1 | |"
        )
        if rtt == 0:  # with a round trip the echo bot mostly waits: its CPU per update is no floor
            ratios.append(f"CPU per update: {ours['cpu_ms'] / floor['cpu_ms']:.1f}× the echo bot's")
        ratios.append(
            f"{rtt * 1000:.0f} ms round trip: {ours['per_second'] / floor['per_second']:.1f}× the echo bot's updates per second"
        )
    print()
    for line in ratios:
        print(line)


if __name__ == "__main__":
    asyncio.run(main())
