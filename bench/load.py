"""End-to-end load: `armswing run` as its own process, polling a local Bot API over HTTP, while
about a thousand simulated runners chat with it for a few minutes.

    .venv/bin/python bench/load.py --users 1000 --duration 180
    .venv/bin/python bench/load.py --users 50 --duration 20          # a quick run

The bot talks to `FakeBotApi` (tests/support/botapi.py), served from this process. Each user
plays SCRIPT (onboarding, a guided workout with questions in the middle and sets logged by tap
and by typing, more questions, /help), then the workout part again until `--duration` is over.
A user sends one update at a time: the next one only once the bot has finished the previous one,
after a think time drawn from `--think`. A tap goes to the newest bot message showing the label.

"Finished" is the bot's own log line for the update (`update=<id> ... outcome=...`), written
after all its replies were sent; the log file is followed for it. The reply latency is measured
in the fake: from the moment the user's update is queued there to the moment the fake answers
the bot's first sendMessage / sendPhoto / sendDocument / editMessageText to that chat. So it
includes the bot's long-poll pickup and its batching (the next batch is fetched only when every
update of the last one is finished), not the hop on to a phone. Replies between an update and
its finish line belong to it: a user has one update in flight at a time.

At the end it stops sending, waits until the bot confirmed every update, stops it with SIGTERM
and checks:

* nothing lost: every update got a reply and its finish line within `--timeout`, and the fake
  holds no unconfirmed update after the bot exited;
* nothing duplicated: no update finished twice or handed to the bot twice, and `set_logs` holds
  each set the users logged (a tap on a reps button, or "12 @ 6kg" typed) exactly once;
* no error: no ERROR / CRITICAL / Traceback line in the bot's log, no Bot API call refused by
  the fake, every user could tap what the script says, the bot alive until SIGTERM and exiting 0;
* memory flat: the bot's VmRSS, sampled every `--sample` seconds, grows at most `--max-growth`
  percent from the end of the warm-up to the end.

Prints a Markdown table and exits with 1 if a check fails. The fake and the users share this
process and its GIL; the CPU line under the table says whether they, rather than the bot, were
the limit.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API lives with the test tools

from runner_session import SCRIPT
from support.botapi import DEFAULT_TOKEN, FakeBotApi

ARMSWING = Path(sys.executable).parent / "armswing"
FIRST_USER_ID = 100_000
# The rounds after the first: the workout part again (the dumbbells are asked only once).
AGAIN = [step for step in SCRIPT[SCRIPT.index(("say", "/today")) :] if step != ("tap", "6 kg")]
LOGS_A_SET = re.compile(r"\d+( @ .+)?")  # a tap on a reps button, or a set typed as "12 @ 6kg"
REPLIES = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})
CARD_CHANGES = REPLIES | {"editMessageReplyMarkup"}
FINISH_LINE = re.compile(r"\bupdate=(\d+) .*\boutcome=\w+")
TROUBLE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")


@dataclass
class Sent:
    """One update a user sent, and what became of it."""

    update_id: int
    user_id: int
    at: float  # time.monotonic() when the fake queued it
    logs_a_set: bool
    first_reply: float | None = None
    finished: int = 0  # the bot's finish lines for it
    handed_out: int = 0  # getUpdates answers that carried it


@dataclass
class User:
    id: int
    cards: dict[int, list] = field(default_factory=dict)  # message id -> inline keyboard shown now
    current: Sent | None = None
    news: asyncio.Event = field(default_factory=asyncio.Event)
    gave_up: str | None = None

    def button(self, label: str) -> tuple[int, str] | None:
        """(message id, callback data) of the newest message with a button labelled `label`."""
        for message_id in sorted(self.cards, reverse=True):
            for button in itertools.chain.from_iterable(self.cards[message_id]):
                if button.get("text") == label and "callback_data" in button:
                    return message_id, button["callback_data"]
        return None

    async def until(self, condition: Callable[[], Any], timeout: float) -> bool:
        """Wait until `condition()` holds, re-checking whenever the bot did something here."""
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.news.clear()
            try:
                async with asyncio.timeout(left):
                    await self.news.wait()
            except TimeoutError:
                pass
        return True


class ObservedBotApi(FakeBotApi):
    """The fake, telling `listener(method, params, status, body, at)` about every bot call."""

    listener: Callable[..., None] | None = None

    def handle(self, method: str, params: Any, token: str | None = None) -> tuple[int, dict[str, Any]]:
        status, body = super().handle(method, params, token)
        if self.listener is not None:
            self.listener(method, params, status, body, time.monotonic())
        return status, body


class Load:
    """What the users sent and what the bot did about it. State changes on the event loop only:
    the fake's threads and the log follower hand their news over with call_soon_threadsafe."""

    def __init__(self, users: int, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.users = {user_id: User(user_id) for user_id in range(FIRST_USER_ID, FIRST_USER_ID + users)}
        self.sent: dict[int, Sent] = {}
        self.ready = threading.Event()  # the bot deleted its webhook: it polls next
        self.stopping = False  # SIGTERM sent
        self.calls = 0
        self.replies = 0
        self.unsolicited = 0  # replies while the user had nothing in flight (timers)
        self.refused: Counter[str] = Counter()
        self.unknown_finished = 0

    def heard(self, method: str, params: Any, status: int, body: dict[str, Any], at: float) -> None:
        """A bot call the fake answered; runs in the fake's HTTP threads."""
        if method == "deleteWebhook":
            self.ready.set()
        self.loop.call_soon_threadsafe(self._apply, method, params, status, body, at)

    def _apply(self, method: str, params: Any, status: int, body: dict[str, Any], at: float) -> None:
        self.calls += 1
        if status == 409 and method == "getUpdates" and self.stopping:
            return  # the long poll the bot dropped at SIGTERM, ended by its last confirming call
        if status != 200:
            self.refused[f"{method}: {body.get('description')}"] += 1
        elif method == "getUpdates":
            for update in body["result"]:
                if (sent := self.sent.get(update["update_id"])) is not None:
                    sent.handed_out += 1
        elif method in CARD_CHANGES:
            self._message(body["result"], method in REPLIES, at)
        elif method == "deleteMessage" and (user := self.users.get(params.get("chat_id"))) is not None:
            user.cards.pop(params.get("message_id"), None)

    def _message(self, message: dict[str, Any], is_reply: bool, at: float) -> None:
        user = self.users.get(message["chat"]["id"])
        if user is None:
            return
        keyboard = (message.get("reply_markup") or {}).get("inline_keyboard")
        if keyboard:
            user.cards[message["message_id"]] = keyboard
        else:
            user.cards.pop(message["message_id"], None)
        if is_reply:
            self.replies += 1
            if user.current is None:
                self.unsolicited += 1
            else:
                user.current.first_reply = user.current.first_reply or at
        user.news.set()

    def finished(self, update_id: int) -> None:
        sent = self.sent.get(update_id)
        if sent is None:
            self.unknown_finished += 1
            return
        sent.finished += 1
        self.users[sent.user_id].news.set()


class LogFollower(threading.Thread):
    """Reads the bot's log as it grows: finish lines go to `on_finished` on the loop, lines
    that are trouble are kept. Reading a file, not a pipe, never slows the bot down."""

    def __init__(self, path: Path, loop: asyncio.AbstractEventLoop, on_finished: Callable[[int], None]):
        super().__init__(name="bot-log", daemon=True)
        self.path, self.loop, self.on_finished = path, loop, on_finished
        self.trouble: list[str] = []
        self.warnings = 0
        self._stop_at_end = threading.Event()

    def run(self) -> None:
        with self.path.open("rb") as log:
            partial = b""
            while True:
                chunk = log.readline()
                if chunk.endswith(b"\n"):
                    self._line((partial + chunk).decode(errors="replace"))
                    partial = b""
                elif chunk:
                    partial += chunk
                elif self._stop_at_end.is_set():
                    return
                else:
                    time.sleep(0.02)

    def _line(self, line: str) -> None:
        if finish := FINISH_LINE.search(line):
            self.loop.call_soon_threadsafe(self.on_finished, int(finish.group(1)))
        elif TROUBLE.search(line):
            self.trouble.append(line.rstrip())
        elif " WARNING " in line:
            self.warnings += 1

    def finish(self) -> None:
        """Read to the end of the log (the bot has exited) and stop."""
        self._stop_at_end.set()
        self.join()


class BotProcess:
    def __init__(self, api: FakeBotApi, workdir: Path):
        self.log = workdir / "bot.log"
        self.database = workdir / "load.sqlite3"
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_URL", "ARMSWING_"))},
            "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
            "TELEGRAM_API_BASE_URL": api.base_url,
            "TELEGRAM_BOT_MODE": "polling",
            "DATABASE_URL": f"sqlite:///{self.database}",
            "ARMSWING_SEND_RATE": "100000",  # the fake has no flood limit: measure the bot, not PTB's limiter
            "ARMSWING_LOG_LEVEL": "INFO",  # the per-update lines tell when an update is finished
            "ARMSWING_HEALTH_PORT": "0",  # no health server: several runs may share the machine
        }
        with self.log.open("wb") as out:  # cwd: no stray .env is read
            self.process = subprocess.Popen(
                [str(ARMSWING), "run"], cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT
            )

    def alive(self) -> bool:
        return self.process.poll() is None

    def rss_mb(self) -> float | None:
        try:
            status = Path(f"/proc/{self.process.pid}/status").read_text()
        except OSError:
            return None
        kilobytes = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        return int(kilobytes.group(1)) / 1024 if kilobytes else None

    def cpu_seconds(self) -> float:
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop(self, timeout: float = 30) -> int | None:
        """SIGTERM and the exit code; None if it had to be killed."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return None


@dataclass
class Outcome:
    load: Load
    trouble: list[str]
    warnings: int
    driver_cpu: float  # share of one core, while sending
    bot_cpu: float
    rss: list[tuple[float, float]]  # (seconds since the start, MB)
    alive_at_end: bool
    exit_code: int | None
    pending_after_exit: list[int]
    stored_sets: dict[int, tuple[int, int]]  # user -> (rows, distinct entry/set numbers)


async def play(
    api: FakeBotApi, load: Load, user: User, args: argparse.Namespace, start_within: float, deadline: float
) -> None:
    """One runner: SCRIPT, then the workout again and again, until the deadline."""
    await asyncio.sleep(random.uniform(0, start_within))
    for kind, value in itertools.chain(SCRIPT, itertools.cycle(AGAIN)):
        await asyncio.sleep(random.uniform(*args.think))
        if time.monotonic() >= deadline:
            return
        if kind == "say":
            update_id = api.send_text(user.id, value, first_name="Runner")
        elif (button := user.button(value)) is None:
            user.gave_up = f"no button {value!r}"
            return
        else:
            try:
                update_id = api.press(user.id, *button, first_name="Runner")
            except LookupError:  # our copy of the chat is behind the fake's: a bug here, not in the bot
                user.gave_up = f"button {value!r} already gone"
                return
        sent = load.sent[update_id] = Sent(update_id, user.id, time.monotonic(), bool(LOGS_A_SET.fullmatch(value)))
        user.current = sent
        done = await user.until(lambda sent=sent: sent.first_reply is not None and sent.finished, args.timeout)
        user.current = None
        if not done:
            user.gave_up = "no reply" if sent.first_reply is None else "no finish line"
            return


async def sample_rss(bot: BotProcess, started: float, every: float, samples: list[tuple[float, float]]) -> None:
    while (rss := bot.rss_mb()) is not None:
        samples.append((time.monotonic() - started, rss))
        await asyncio.sleep(every)


async def run(api: ObservedBotApi, workdir: Path, args: argparse.Namespace) -> Outcome:
    loop = asyncio.get_running_loop()
    load = Load(args.users, loop)
    api.listener = load.heard
    bot = BotProcess(api, workdir)
    follower = LogFollower(bot.log, loop, load.finished)
    follower.start()
    try:
        ready_by = time.monotonic() + 60
        while not load.ready.is_set() and bot.alive() and time.monotonic() < ready_by:
            await asyncio.sleep(0.1)
        if not load.ready.is_set():
            raise SystemExit(f"the bot did not start; see {bot.log}")

        started = time.monotonic()
        deadline = started + args.duration
        rss: list[tuple[float, float]] = []
        sampler = asyncio.create_task(sample_rss(bot, started, args.sample, rss))
        driver_cpu, bot_cpu = time.process_time(), bot.cpu_seconds()
        users = asyncio.gather(
            *(play(api, load, user, args, args.warmup / 2, deadline) for user in load.users.values())
        )
        await asyncio.sleep(args.duration)
        driver_cpu = (time.process_time() - driver_cpu) / args.duration
        bot_cpu = (bot.cpu_seconds() - bot_cpu) / args.duration
        await users  # the updates still in flight

        drained_by = time.monotonic() + args.timeout
        while api.pending_updates() and bot.alive() and time.monotonic() < drained_by:
            await asyncio.sleep(0.2)
        alive = bot.alive()
        sampler.cancel()
    finally:
        load.stopping = True
        exit_code = await asyncio.to_thread(bot.stop)
        await asyncio.to_thread(follower.finish)
        api.listener = None
    return Outcome(
        load,
        follower.trouble,
        follower.warnings,
        driver_cpu,
        bot_cpu,
        rss,
        alive,
        exit_code,
        [update["update_id"] for update in api.pending_updates()],
        stored_sets(bot.database),
    )


def stored_sets(database: Path) -> dict[int, tuple[int, int]]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as db:
        rows = db.execute(
            "SELECT user_id, COUNT(*), COUNT(DISTINCT entry_id || '/' || set_number) FROM set_logs GROUP BY user_id"
        )
        return {user_id: (count, distinct) for user_id, count, distinct in rows}


def report(outcome: Outcome, args: argparse.Namespace) -> bool:
    """Print the table and the checks; True if every check passed."""
    load = outcome.load
    sent = list(load.sent.values())
    latencies = sorted((s.first_reply - s.at) * 1000 for s in sent if s.first_reply is not None)
    p50, p99 = (statistics.quantiles(latencies, n=100)[i] for i in (49, 98)) if len(latencies) > 1 else (0.0, 0.0)

    unanswered = {s.update_id for s in sent if s.first_reply is None or not s.finished}
    unconfirmed = set(outcome.pending_after_exit)
    # A set whose update failed after its commit is stored but unanswered: the answered sets are
    # the least a user must have stored, the sets sent the most.
    answered_sets = Counter(s.user_id for s in sent if s.logs_a_set and s.first_reply is not None)
    sent_sets = Counter(s.user_id for s in sent if s.logs_a_set)
    stored = {user: outcome.stored_sets.get(user, (0, 0)) for user in set(sent_sets) | set(outcome.stored_sets)}
    missing_sets = sum(max(0, answered_sets[user] - distinct) for user, (_, distinct) in stored.items())
    extra_sets = sum(max(0, distinct - sent_sets[user]) + rows - distinct for user, (rows, distinct) in stored.items())
    finished_twice = sum(s.finished > 1 for s in sent)
    handed_twice = sum(s.handed_out > 1 for s in sent)
    stuck = Counter(
        user.gave_up for user in load.users.values() if user.gave_up not in (None, "no reply", "no finish line")
    )
    died = not outcome.alive_at_end or outcome.exit_code != 0

    lost = len(unanswered | unconfirmed) + missing_sets
    duplicated = finished_twice + handed_twice + extra_sets + load.unknown_finished
    errors = len(outcome.trouble) + load.refused.total() + stuck.total() + died
    steady = [mb for at, mb in outcome.rss if at >= args.warmup] or [mb for _, mb in outcome.rss[-1:]]
    rss_start, rss_end = (steady[0], steady[-1]) if steady else (0.0, 0.0)
    growth = (rss_end / rss_start - 1) * 100 if rss_start else 0.0
    memory_flat = bool(steady) and growth <= args.max_growth

    print(
        "| users | duration s | updates sent | updates/s | replies | p50 ms | p99 ms | lost | duplicated | errors "
        "| RSS start MB | RSS end MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {args.users} | {args.duration:.0f} | {len(sent)} | {len(sent) / args.duration:.1f} | {load.replies} "
        f"| {p50:.0f} | {p99:.0f} | {lost} | {duplicated} | {errors} | {rss_start:.0f} | {rss_end:.0f} |"
    )
    print()
    print(
        f"CPU while sending, share of one core: bot {outcome.bot_cpu:.0%}, fake Bot API + users {outcome.driver_cpu:.0%} "
        f"({os.cpu_count()} cores). Bot API calls by the bot: {load.calls / args.duration:.0f}/s. "
        f"Replies outside an update (timers): {load.unsolicited}. Warnings in the log: {outcome.warnings}."
    )
    peak = max((mb for _, mb in outcome.rss), default=0.0)
    checks = [
        (
            lost == 0,
            (
                f"nothing lost: {len(unanswered)} updates without a reply or finish line in {args.timeout:.0f} s, "
                f"{len(unconfirmed)} unconfirmed after exit, {missing_sets} logged sets missing from set_logs"
            ),
        ),
        (
            duplicated == 0,
            (
                f"nothing duplicated: {finished_twice} updates finished twice, {handed_twice} handed out "
                f"twice, {extra_sets} extra rows in set_logs ({sum(sent_sets.values())} sets logged), "
                f"{load.unknown_finished} finish lines for unknown updates"
            ),
        ),
        (
            errors == 0,
            (
                f"no error: {len(outcome.trouble)} ERROR/Traceback lines, {load.refused.total()} Bot API calls "
                f"refused, {stuck.total()} users stuck, alive at the end: {outcome.alive_at_end}, "
                f"exit code {outcome.exit_code}"
            ),
        ),
        (
            memory_flat,
            (
                f"memory flat: RSS {rss_start:.0f} → {rss_end:.0f} MB after the {args.warmup:.0f} s warm-up "
                f"({growth:+.1f}%, limit {args.max_growth:.0f}%), peak {peak:.0f} MB"
            ),
        ),
    ]
    print()
    for passed, text in checks:
        print(f"- {'PASS' if passed else 'FAIL'} {text}")
    for line in outcome.trouble[:5]:
        print(f"  log: {line}")
    for refusal, count in load.refused.most_common(5):
        print(f"  refused {count}×: {refusal}")
    for reason, count in stuck.most_common(5):
        print(f"  {count} users stuck: {reason}")
    return all(passed for passed, _ in checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=180, help="seconds of sending (default 180)")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(0.2, 2.0),
        metavar=("MIN", "MAX"),
        help="a user's pause before each update, seconds (default 0.2 2)",
    )
    parser.add_argument("--timeout", type=float, default=30, help="seconds an update may take before it counts as lost")
    parser.add_argument(
        "--warmup",
        type=float,
        help="seconds before memory is watched (default: a third of the "
        "duration, at most 30); users start within its first half",
    )
    parser.add_argument("--sample", type=float, default=2, help="seconds between RSS samples (default 2)")
    parser.add_argument("--max-growth", type=float, default=15, help="RSS growth allowed after the warm-up, percent")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workdir", type=Path, help="where the bot's database and log go (default: a new temp dir)")
    args = parser.parse_args()
    args.warmup = min(30.0, args.duration / 3) if args.warmup is None else args.warmup
    random.seed(args.seed)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="armswing-load-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(
        f"{args.users} users for {args.duration:.0f} s, think {args.think[0]}–{args.think[1]} s; "
        f"bot log and database in {workdir}",
        flush=True,
    )
    with ObservedBotApi() as api:
        outcome = asyncio.run(run(api, workdir, args))
    print()
    return 0 if report(outcome, args) else 1


if __name__ == "__main__":
    sys.exit(main())
