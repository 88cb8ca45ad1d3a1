"""/progress and /export against logs of 100, 5,000 and 50,000 sets, and what they cost the others.

    .venv/bin/python bench/logbook.py                      # SQLite in a temporary directory
    .venv/bin/python bench/logbook.py --sizes 100 5000     # fewer sizes

For each size a fresh database holds one runner's log of that many sets (sessions of 18 sets,
three days apart, going back from now) and the runner asks, through `Conversations.handle` as
the Telegram adapter does: /progress (the chart drawn), /progress again (nothing changed),
/export. Each is timed from the call to its answer with the file (`wall`), and by the CPU the
bot's own process spent on it (`cpu`: the event loop and the database thread; a worker process
drawing or writing the file is not counted, it does not hold the bot's GIL).

Then the others: ten runners with 5,000 sets each ask for /progress and /export at once while
a probe runner sends /help every 20 ms; the probe's p50/p99 against the same probe alone.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update

from bot.config import Settings
from bot.runtime import Runtime
from bot.storage.logbook import add_sets
from bot.storage.models import User
from bot.storage.store import Who
from dialogs.events import Event

EXERCISES = ("shoulder_press", "bent_over_row", "chest_press", "lateral_raise", "renegade_row", "curl_to_press")
PER_SESSION = 18  # six exercises, three sets each


async def seed(runtime: Runtime, who: Who, sets: int) -> None:
    now = datetime.now(UTC)
    await runtime.conversations.handle(who, Event.from_text("/help", now, "Ann"))

    def write(tx) -> None:
        tx.connection.execute(update(User).where(User.id == who.user_id).values(units="kg", timezone="Europe/Berlin"))
        left, session = sets, 0
        while left > 0:
            at = now - timedelta(days=3 * session, minutes=5)
            for number, exercise in enumerate(EXERCISES):
                count = min(3, left)
                if count <= 0:
                    break
                weight = str(6 + (session % 10) + number)
                add_sets(tx, who, f"b{session}-{number}", exercise, [[12, weight, "kg"]] * count, logged_at=at)
                left -= count
            session += 1

    await runtime.store.run(write)


async def ask(runtime: Runtime, who: Who, text: str) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) for one command, answered with its file."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = await runtime.conversations.handle(who, Event.from_text(text, datetime.now(UTC), "Ann"))
    assert result.messages[0].file is not None, (text, result.messages[0].text[:80])
    return time.perf_counter() - wall, time.process_time() - cpu


async def probe(runtime: Runtime, who: Who, stop: asyncio.Event) -> list[float]:
    latencies = []
    while not stop.is_set():
        started = time.perf_counter()
        await runtime.conversations.handle(who, Event.from_text("/help", datetime.now(UTC), "Probe"))
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.02)
    return latencies


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def sizes(args: argparse.Namespace, folder: Path) -> None:
    print("| sets | /progress (drawn) wall / cpu | /progress (unchanged) wall / cpu | /export wall / cpu |")
    print("| ---: | ---: | ---: | ---: |")
    for size in args.sizes:
        runtime = await Runtime.open(Settings(database_url=f"sqlite:///{folder / f'{size}.sqlite3'}"))
        try:
            who = Who(1, 1, "Ann")
            await seed(runtime, who, size)
            await warm(runtime)
            cells = []
            for text in ("/progress", "/progress", "/export"):
                wall, cpu = await ask(runtime, who, text)
                cells.append(f"{wall * 1000:.0f} / {cpu * 1000:.0f} ms")
            print(f"| {size:,} | " + " | ".join(cells) + " |")
        finally:
            await runtime.close()


async def others(args: argparse.Namespace, folder: Path) -> None:
    runtime = await Runtime.open(Settings(database_url=f"sqlite:///{folder / 'others.sqlite3'}"))
    try:
        askers = [Who(100 + n, 100 + n, "Ann") for n in range(args.askers)]
        for who in askers:
            await seed(runtime, who, args.asker_sets)
        probe_who = Who(99, 99, "Probe")
        await warm(runtime)
        stop = asyncio.Event()
        alone = asyncio.create_task(probe(runtime, probe_who, stop))
        await asyncio.sleep(args.window)
        stop.set()
        quiet = await alone
        stop = asyncio.Event()
        busy_probe = asyncio.create_task(probe(runtime, probe_who, stop))
        started = time.perf_counter()
        await asyncio.gather(*(ask(runtime, who, text) for who in askers for text in ("/progress", "/export")))
        took = time.perf_counter() - started
        stop.set()
        busy = await busy_probe
        print()
        print(
            f"{args.askers} runners with {args.asker_sets:,} sets each ask /progress and /export at once "
            f"(all answered in {took:.2f} s); a probe's /help meanwhile:"
        )
        print()
        print("| probe /help | p50 | p99 | max |")
        print("| --- | ---: | ---: | ---: |")
        for label, values in (("alone", quiet), ("while they ask", busy)):
            print(
                f"| {label} ({len(values)}) | {p(values, 50) * 1000:.1f} ms | {p(values, 99) * 1000:.1f} ms "
                f"| {max(values) * 1000:.1f} ms |"
            )
    finally:
        await runtime.close()


def _import_matplotlib() -> None:
    import matplotlib.figure  # noqa: F401


async def warm(runtime: Runtime) -> None:
    """Start the worker processes (and their imports) before anything is timed."""
    files = getattr(runtime.conversations, "files", None)  # None: a revision drawing in the bot's process
    if files is not None:
        await asyncio.gather(*(files.make(0, _import_matplotlib) for _ in range(2)))


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 5000, 50000])
    parser.add_argument("--askers", type=int, default=10)
    parser.add_argument("--asker-sets", type=int, default=5000)
    parser.add_argument("--window", type=float, default=3.0, help="seconds the probe runs alone")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="armswing-logbook-") as scratch:
        await sizes(args, Path(scratch))
        await others(args, Path(scratch))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
