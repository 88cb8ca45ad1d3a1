"""Reminders at scale: 100,000 users with random days, times and timezones.

    .venv/bin/python bench/reminders.py                        # SQLite
    .venv/bin/python bench/reminders.py --postgres postgresql://…   # and PostgreSQL

`--postgres` drops and recreates the public schema of that database: give it a throw-away one.

Measures, for each database:
- start-up: opening the database (migrations checked) and building the bot with its reminder
  tick, with 100,000 users stored (nothing per user is loaded or scheduled in memory);
- an idle tick (nothing due: one indexed query), and one tick over 1,000 due reminders with an
  instant sender and no rate limit (the runner's own cost: claim, decide, record);
- the sustained send rate of the real bot (PTB, HTTP) against a local fake Bot API that answers
  429 past 30 messages a second, with the configured 25 a second; and the 429s it got;
- memory: resident set growth from before start-up to after the sends.

Prints a Markdown table. Targets: ≥ 95% of the configured rate, zero 429s, growth < 50 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall_time
from pathlib import Path
from zoneinfo import available_timezones

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API lives with the test tools

from sqlalchemy import update
from support.botapi import DEFAULT_TOKEN, FakeBotApi
from support.databases import empty_postgres

from bot.config import Settings
from bot.runtime import Runtime
from bot.storage.database import create_engine, upgrade
from bot.storage.models import Reminder, User
from bot.storage.reminder_store import days_mask
from bot.telegram.application import build_application
from dialogs.coach import Coach
from scheduler.policy import Schedule
from scheduler.runner import SENT, Runner

CHUNK = 5_000
TICK_DUE = 1_000
ZONES = sorted(zone for zone in available_timezones() if "/" in zone and not zone.startswith(("Etc/", "SystemV/")))


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no /proc/self/status")


async def populate(url: str, users: int, now: datetime, seed: int) -> float:
    """Users with 2 or 3 random days, a random quarter hour from 07:00 to 21:45, a random zone."""
    from scheduler.runner import next_wake

    rng = random.Random(seed)
    engine = create_engine(url)
    started = time.perf_counter()
    upgrade(engine)
    with engine.begin() as connection:
        for first in range(1, users + 1, CHUNK):
            people, reminders = [], []
            for user_id in range(first, min(first + CHUNK, users + 1)):
                schedule = Schedule(
                    frozenset(rng.sample(range(7), rng.choice((2, 2, 3)))),
                    wall_time(rng.randrange(7, 22), rng.choice((0, 15, 30, 45))),
                    rng.choice(ZONES),
                )
                people.append(
                    {
                        "id": user_id,
                        "chat_id": user_id,
                        "first_name": "Runner",
                        "units": "kg",
                        "timezone": schedule.timezone,
                        "record": {},
                    }
                )
                reminders.append(
                    {
                        "user_id": user_id,
                        "days": days_mask(schedule.days),
                        "at": schedule.at,
                        "next_due_at": next_wake(schedule, now),
                    }
                )
            connection.execute(User.__table__.insert(), people)
            connection.execute(Reminder.__table__.insert(), reminders)
    engine.dispose()
    return time.perf_counter() - started


async def make_due(runtime: Runtime, first: int, count: int, now: datetime) -> None:
    """`count` users whose reminder (a snooze, so it is valid at any hour) fell due 30 s ago."""
    due = now - timedelta(seconds=30)
    with runtime.store.engine.begin() as connection:
        connection.execute(
            update(Reminder)
            .where(Reminder.user_id.between(first, first + count - 1))
            .values(next_due_at=due, snoozed_until=due, allow_quiet_hours=True)
        )


class InstantSender:
    async def send(self, reminder, kind, now):
        return SENT


async def measure(url: str, users: int, sends: int, coach: Coach) -> dict:
    now = datetime.now(UTC)
    result: dict = {"populate": await populate(url, users, now, seed=7)}
    gc.collect()
    baseline = rss_mb()
    with FakeBotApi(rate_limit=30) as api:
        started = time.perf_counter()
        settings = Settings(token=DEFAULT_TOKEN, database_url=url, api_base_url=api.base_url)
        runtime = await Runtime.open(settings, coach)
        application = build_application(runtime)
        async with application:
            result["startup"] = time.perf_counter() - started
            result["startup_rss"] = rss_mb() - baseline
            reminders = application.bot_data.reminders

            idle = Runner(reminders.store, InstantSender(), rate=1e9)
            started = time.perf_counter()
            assert (await idle.drain()).sent == 0
            result["idle_tick"] = time.perf_counter() - started

            await make_due(runtime, 1, TICK_DUE, now)
            started = time.perf_counter()
            tally = await idle.drain()
            result["tick"] = time.perf_counter() - started
            assert tally.sent == TICK_DUE, tally

            await make_due(runtime, TICK_DUE + 1, sends, datetime.now(UTC))
            calls_before = len(api.calls())
            tally = await reminders.runner.drain()
            assert tally.sent == sends, tally
            result["calls"] = (len(api.calls()) - calls_before) / sends
            calls = api.calls("sendMessage")
            moments = [call["time"] for call in calls if call["error"] is None]
            result["rate"] = (len(moments) - 1) / (moments[-1] - moments[0])
            result["429"] = sum(1 for call in calls if call["error"] and call["error"]["error_code"] == 429)
            result["configured"] = runner_rate = reminders.runner.bucket.rate
            result["share"] = result["rate"] / runner_rate
        gc.collect()
        result["growth"] = rss_mb() - baseline
        await runtime.close()
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument(
        "--sends", type=int, default=750, help="reminders for the send-rate run (default: 30 s at 25/s)"
    )
    parser.add_argument("--postgres", default=None, help="also run against this (throw-away) PostgreSQL database")
    args = parser.parse_args()
    coach = Coach.load()
    print(
        f"{args.users:,} users, random days (2-3), times (07:00-21:45) and zones ({len(ZONES)}); "
        f"Python {sys.version.split()[0]}, {sys.platform}; {datetime.now(UTC):%Y-%m-%d}"
    )
    print()
    print(
        "| database | populate s | start-up s | RSS after start-up MB | idle tick ms | tick over 1,000 due s | "
        "send rate /s (configured) | 429s | Bot API calls/reminder | RSS growth MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    runs = [("SQLite", None)] + ([("PostgreSQL", args.postgres)] if args.postgres else [])
    for name, url in runs:
        with tempfile.TemporaryDirectory() as folder:
            if url:
                empty_postgres(url)
            r = await measure(url or f"sqlite:///{folder}/reminders.sqlite3", args.users, args.sends, coach)
        print(
            f"| {name} | {r['populate']:.1f} | {r['startup']:.2f} | +{r['startup_rss']:.0f} | {r['idle_tick'] * 1000:.1f} | "
            f"{r['tick']:.2f} ({TICK_DUE / r['tick']:.0f}/s) | {r['rate']:.1f} ({r['configured']:.0f}, {r['share']:.0%}) | "
            f"{r['429']} | {r['calls']:.2f} | +{r['growth']:.0f} |"
        )


if __name__ == "__main__":
    asyncio.run(main())
