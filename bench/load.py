"""End-to-end load: `armswing run` as its own process (or several), talking to a local Bot API
over HTTP, while about a thousand simulated runners chat with it; in the same run PTB's echo bot
(`bench/echo_bot.py`) as a process under the same load, as the floor.

    .venv/bin/python bench/load.py                                   # echo + Armswing, SQLite, 0 and 50 ms
    .venv/bin/python bench/load.py --users 50 --duration 20          # a quick run
    .venv/bin/python bench/load.py --database sqlite postgresql://postgres@127.0.0.1:5432/load \
        --latency 0 50 --client aiohttp httpx --scale 2 4              # the README's table
    .venv/bin/python bench/load.py --no-echo --latency 0 --rounds 2 \
        --revision old=../perf-old/.venv/bin/armswing new=.venv/bin/armswing  # before/after, A/B/A/B

Each combination of `--database`, `--latency` (the fake Bot API's round trip, ms), `--client`
and `--pool` is one run of Armswing polling; `--scale N` adds runs of N processes on each
PostgreSQL database in webhook mode behind `bench/balancer.py` (round robin). `--revision
NAME=PATH` (several) runs each of those with another checkout's `armswing` executable too (its
own virtual environment), `--rounds N` runs them all N times, interleaved (A, B, A, B: whatever
else loads the machine meets every revision alike), and the report adds each revision's
updates/s and CPU per update as ratios to the first revision's in the same round, with their
spread over the rounds. Every run gets a
fresh fake, a fresh database (a PostgreSQL database's public schema is emptied: it must be a
throw-away one) and the same users with the same random choices. The echo bot runs once per
round trip; each Armswing row shows its updates/s and CPU per update as ratios to the echo
bot's at the same round trip.

The bot talks to `FakeBotApi` (tests/support/botapi.py), served from this process. Each user
plays SCRIPT (onboarding, a guided workout with questions in the middle and sets logged by tap
and by typing, more questions, /help), then the workout part again until `--duration` is over.
A user sends one update at a time: the next one only once the bot has finished the previous one,
after a think time drawn from `--think`. A tap goes to the newest bot message showing the label.
The echo bot has no buttons: its users type every step.

"Finished" is the bot's own log line for the update (`update=<id> ... outcome=...`), written
after its commit; the log file is followed for it. Its replies go out from the outbox after the
commit, so a user whose next step is a tap waits (up to `--timeout`) until the button shows. The reply latency is measured
in the fake: from the moment the user's update is queued there to the moment the fake answers
the bot's first sendMessage / sendPhoto / sendDocument / editMessageText to that chat. So it
includes the bot's long-poll pickup and its batching (the next batch is fetched only when every
update of the last one is finished), not the hop on to a phone. Replies between an update and
its finish line belong to it: a user has one update in flight at a time.

Updates/s, CPU per update (the bot processes' user + system CPU) and Bot API calls per update
(every call but getUpdates) are measured after the warm-up, over the updates finished then.

At the end of a run it stops sending, waits until the bot confirmed every update, stops it with
SIGTERM and checks:

* nothing lost: every update got a reply and its finish line within `--timeout`, and the fake
  holds no unconfirmed update after the bot exited;
* nothing duplicated: no update finished twice or handed to the bot twice, and `set_logs` holds
  each set the users logged (a tap on a reps button, or "12 @ 6kg" typed) exactly once;
* no error: no ERROR / CRITICAL / Traceback line in the bot's log, no Bot API call refused by
  the fake, every user could tap what the script says, the bot alive until SIGTERM and exiting 0;
* memory flat: the bot's VmRSS, sampled every `--sample` seconds, grows at most `--max-growth`
  percent from the end of the warm-up to the end.

`--profile` has py-spy (`.venv/bin/pip install py-spy`) sample each bot process over the
measured window, only the thread holding the GIL (`--gil`: what the process spends its one core
of Python on, whichever thread), into `profile-<pid>.txt` in the run's directory: collapsed
stacks, a line per stack with its count of samples.

Prints a Markdown table and exits with 1 if a check fails. The fake and the users share this
process and its GIL; the CPU line under the table says whether they, rather than the bot, were
the limit, and the load average what else the machine was doing.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import random
import re
import signal
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

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the fake Bot API lives with the test tools

from runner_session import SCRIPT
from support.botapi import FakeBotApi
from support.databases import empty_postgres
from support.processes import bot_environment, free_port

from bot.config import HTTP_POOL_SIZES, Settings
from bot.storage.database import create_engine, is_sqlite

ARMSWING = Path(sys.executable).parent / "armswing"
ECHO_BOT = ROOT / "bench" / "echo_bot.py"
BALANCER = ROOT / "bench" / "balancer.py"
PY_SPY = Path(sys.executable).parent / "py-spy"  # --profile: `.venv/bin/pip install py-spy`
WEBHOOK_SECRET = "load-secret"
FIRST_USER_ID = 100_000
# The rounds after the first: the workout part again (the dumbbells are asked only once).
AGAIN = [step for step in SCRIPT[SCRIPT.index(("say", "/today")) :] if step != ("tap", "6 kg")]
LOGS_A_SET = re.compile(r"\d+( @ .+)?")  # a tap on a reps button, or a set typed as "12 @ 6kg"
REPLIES = frozenset({"sendMessage", "sendPhoto", "sendDocument", "editMessageText"})
CARD_CHANGES = REPLIES | {"editMessageReplyMarkup"}
NOT_PER_UPDATE = frozenset({"getUpdates", "getMe", "deleteWebhook", "setWebhook", "setMyCommands"})
FINISH_LINE = re.compile(r"\bupdate=(\d+) .*\boutcome=\w+")
TROUBLE = re.compile(r"\b(ERROR|CRITICAL)\b|Traceback")


@dataclass(frozen=True)
class Target:
    """One run: which bot, on which database, with which HTTP client, how many processes."""

    bot: str  # "echo" or "armswing"
    latency_ms: float
    database: str = "sqlite"  # "sqlite" (a new file) or a PostgreSQL URL
    client: str = ""  # Armswing's ARMSWING_HTTP_CLIENT; "" for its default
    pool: int | None = None  # ARMSWING_HTTP_POOL_SIZE; None for the client's default
    processes: int = 1  # more than one: webhook mode behind bench/balancer.py
    revision: str = ""  # the name of the `armswing` executable (--revision), "" for this checkout's
    round: int = 1

    @property
    def webhook(self) -> bool:
        return self.processes > 1

    def label(self) -> str:
        if self.bot == "echo":
            return "| PTB echo | — | httpx | 1 (polling) |"
        database = "SQLite" if is_sqlite(self.database) else "PostgreSQL"
        mode = "webhook" if self.webhook else "polling"
        name = f"Armswing {self.revision} #{self.round}" if self.revision else "Armswing"
        if self.revision and not self.client:  # another checkout's default, whatever it was
            client = "its default"
        else:
            client = self.client or Settings.model_fields["http_client"].default
            client += f" ({self.pool or HTTP_POOL_SIZES[client]})"
        return f"| {name} | {database} | {client} | {self.processes} ({mode}) |"


@dataclass
class Sent:
    """One update a user sent, and what became of it."""

    update_id: int
    user_id: int
    at: float  # time.monotonic() when the fake queued it
    logs_a_set: bool
    first_reply: float | None = None
    finished: int = 0  # the bot's finish lines for it
    finished_at: float | None = None
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

    def __init__(self, users: int, loop: asyncio.AbstractEventLoop, ready_after: int):
        self.loop = loop
        self.users = {user_id: User(user_id) for user_id in range(FIRST_USER_ID, FIRST_USER_ID + users)}
        self.sent: dict[int, Sent] = {}
        self.ready = threading.Event()  # every bot process said where it wants its updates
        self._ready_after = ready_after
        self.stopping = False  # SIGTERM sent
        self.calls: list[float] = []  # when each call that belongs to updates was answered
        self.replies = 0
        self.unsolicited = 0  # replies while the user had nothing in flight (timers)
        self.refused: Counter[str] = Counter()
        self.unknown_finished = 0

    def heard(self, method: str, params: Any, status: int, body: dict[str, Any], at: float) -> None:
        """A bot call the fake answered; runs in the fake's HTTP threads."""
        if method in ("deleteWebhook", "setWebhook"):
            self._ready_after -= 1
            if self._ready_after <= 0:
                self.ready.set()
        self.loop.call_soon_threadsafe(self._apply, method, params, status, body, at)

    def _apply(self, method: str, params: Any, status: int, body: dict[str, Any], at: float) -> None:
        if method not in NOT_PER_UPDATE:
            self.calls.append(at)
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
        sent.finished_at = sent.finished_at or time.monotonic()
        self.users[sent.user_id].news.set()


class LogFollower(threading.Thread):
    """Reads a bot's log as it grows: finish lines go to `on_finished` on the loop, lines
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
        """Read to the end of the log (the process has exited) and stop."""
        self._stop_at_end.set()
        self.join()


class Process:
    """A child process whose output goes to a log file, with its CPU and memory from /proc."""

    def __init__(self, command: list[str], env: dict[str, str], workdir: Path, log: Path):
        self.log = log
        with log.open("wb") as out:  # cwd: no stray .env is read
            self.process = subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)

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


def profile(bot: Process, seconds: float, workdir: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling `bot`'s thread holding the GIL for `seconds` (the measured window), into
    `workdir/profile-<pid>.txt` (see the module docstring)."""
    out = workdir / f"profile-{bot.process.pid}.txt"
    command = [str(PY_SPY), "record", "--pid", str(bot.process.pid), "--duration", str(max(1, int(seconds)))]
    command += ["--rate", "200", "--gil", "--nonblocking", "--format", "raw", "--output", str(out)]
    with (workdir / "py-spy.log").open("wb") as errors:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=errors)


def database_url(target: Target, workdir: Path) -> str:
    return f"sqlite:///{workdir / 'load.sqlite3'}" if is_sqlite(target.database) else target.database


def bot_processes(
    target: Target, api: FakeBotApi, workdir: Path, revisions: dict[str, Path]
) -> tuple[list[Process], Process | None]:
    """The bot's processes, and the balancer in front of them in webhook mode."""
    env = bot_environment(api)
    if target.bot == "echo":
        return [Process([sys.executable, str(ECHO_BOT)], env, workdir, workdir / "bot.log")], None
    armswing = revisions.get(target.revision, ARMSWING)
    env |= {
        "DATABASE_URL": database_url(target, workdir),
        "ARMSWING_SEND_RATE": "100000",  # the fake has no flood limit: measure the bot, not PTB's limiter
        "ARMSWING_LOG_LEVEL": "INFO",  # the per-update lines tell when an update is finished
        "ARMSWING_HEALTH_PORT": "0",  # no health server: several processes and runs share the machine
    }
    if target.client:
        env["ARMSWING_HTTP_CLIENT"] = target.client
    if target.pool:
        env["ARMSWING_HTTP_POOL_SIZE"] = str(target.pool)
    if not target.webhook:
        env["TELEGRAM_BOT_MODE"] = "polling"
        return [Process([str(armswing), "run"], env, workdir, workdir / "bot.log")], None
    ports = [free_port() for _ in range(target.processes)]
    front = free_port()
    balancer = Process(
        [sys.executable, str(BALANCER), str(front), *(f"http://127.0.0.1:{port}" for port in ports)],
        env,
        workdir,
        workdir / "balancer.log",
    )
    env |= {
        "TELEGRAM_BOT_MODE": "webhook",
        "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{front}/telegram",
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    bots = []
    for number, port in enumerate(ports):
        bots.append(
            Process(
                [str(armswing), "run"],
                env | {"TELEGRAM_WEBHOOK_PORT": str(port)},
                workdir,
                workdir / f"bot{number}.log",
            )
        )
        time.sleep(1)  # one at a time through the migrations' lock, as replicas roll out
    return bots, balancer


@dataclass
class Outcome:
    target: Target
    load: Load
    trouble: list[str]
    warnings: int
    measured: float  # seconds after the warm-up
    driver_cpu: float  # share of one core, after the warm-up
    bot_cpu: float  # CPU seconds of the bot's processes after the warm-up
    balancer_cpu: float
    window: tuple[float, float]  # monotonic start and end of the measurement
    rss: list[tuple[float, float]]  # (seconds since the start, MB of the first process)
    alive_at_end: bool
    exit_codes: list[int | None]
    pending_after_exit: list[int]
    stored_sets: dict[int, tuple[int, int]] | None  # user -> (rows, distinct entry/set numbers)
    load_average: tuple[float, float]  # the machine's 1-minute load at the start and the end

    def finished_in_window(self) -> int:
        start, end = self.window
        return sum(1 for s in self.load.sent.values() if s.finished_at is not None and start <= s.finished_at < end)

    def calls_in_window(self) -> int:
        start, end = self.window
        return sum(1 for at in self.load.calls if start <= at < end)


async def play(
    api: FakeBotApi, load: Load, user: User, args: argparse.Namespace, echo: bool, start_within: float, deadline: float
) -> None:
    """One runner: SCRIPT, then the workout again and again, until the deadline."""
    await asyncio.sleep(random.uniform(0, start_within))
    for kind, value in itertools.chain(SCRIPT, itertools.cycle(AGAIN)):
        await asyncio.sleep(random.uniform(*args.think))
        if time.monotonic() >= deadline:
            return
        if kind == "say" or echo:
            update_id = api.send_text(user.id, value, first_name="Runner")
        elif not await user.until(lambda value=value: user.button(value) is not None, args.timeout):
            user.gave_up = f"no button {value!r}"
            return
        else:
            try:
                update_id = api.press(user.id, *user.button(value), first_name="Runner")
            except LookupError:  # our copy of the chat is behind the fake's: a bug here, not in the bot
                user.gave_up = f"button {value!r} already gone"
                return
        logs_a_set = not echo and bool(LOGS_A_SET.fullmatch(value))
        sent = load.sent[update_id] = Sent(update_id, user.id, time.monotonic(), logs_a_set)
        user.current = sent
        done = await user.until(lambda sent=sent: sent.first_reply is not None and sent.finished, args.timeout)
        user.current = None
        if not done:
            user.gave_up = "no reply" if sent.first_reply is None else "no finish line"
            return


async def sample_rss(bot: Process, started: float, every: float, samples: list[tuple[float, float]]) -> None:
    while (rss := bot.rss_mb()) is not None:
        samples.append((time.monotonic() - started, rss))
        await asyncio.sleep(every)


async def run(api: ObservedBotApi, target: Target, workdir: Path, args: argparse.Namespace) -> Outcome:
    loop = asyncio.get_running_loop()
    load = Load(args.users, loop, ready_after=target.processes)
    api.listener = load.heard
    if target.bot == "armswing" and not is_sqlite(target.database):
        empty_postgres(target.database)
    bots, balancer = bot_processes(target, api, workdir, args.revision)
    followers = [LogFollower(bot.log, loop, load.finished) for bot in bots]
    for follower in followers:
        follower.start()
    load_start = os.getloadavg()[0]
    try:
        ready_by = time.monotonic() + 60
        while not load.ready.is_set() and all(bot.alive() for bot in bots) and time.monotonic() < ready_by:
            await asyncio.sleep(0.1)
        if not load.ready.is_set():
            raise SystemExit(f"the bot did not start; see {workdir}")

        started = time.monotonic()
        deadline = started + args.duration
        rss: list[tuple[float, float]] = []
        sampler = asyncio.create_task(sample_rss(bots[0], started, args.sample, rss))
        users = asyncio.gather(
            *(
                play(api, load, user, args, target.bot == "echo", args.warmup / 2, deadline)
                for user in load.users.values()
            )
        )
        await asyncio.sleep(args.warmup)
        window_start = time.monotonic()
        profilers = [profile(bot, deadline - window_start, workdir) for bot in bots] if args.profile else []
        driver_cpu, bot_cpu = time.process_time(), sum(bot.cpu_seconds() for bot in bots)
        balancer_cpu = balancer.cpu_seconds() if balancer else 0.0
        await asyncio.sleep(deadline - time.monotonic())
        window_end = time.monotonic()
        measured = window_end - window_start
        driver_cpu = (time.process_time() - driver_cpu) / measured
        bot_cpu = sum(bot.cpu_seconds() for bot in bots) - bot_cpu
        balancer_cpu = (balancer.cpu_seconds() - balancer_cpu) if balancer else 0.0
        load_end = os.getloadavg()[0]
        await users  # the updates still in flight
        for profiler in profilers:
            await asyncio.to_thread(profiler.wait)

        drained_by = time.monotonic() + args.timeout
        while api.pending_updates() and all(bot.alive() for bot in bots) and time.monotonic() < drained_by:
            await asyncio.sleep(0.2)
        alive = all(bot.alive() for bot in bots)
        sampler.cancel()
    finally:
        load.stopping = True
        exit_codes = await asyncio.gather(*(asyncio.to_thread(bot.stop) for bot in bots))
        if balancer is not None:
            await asyncio.to_thread(balancer.stop)
        for follower in followers:
            await asyncio.to_thread(follower.finish)
        api.listener = None
    trouble = [line for follower in followers for line in follower.trouble]
    return Outcome(
        target,
        load,
        trouble,
        sum(follower.warnings for follower in followers),
        measured,
        driver_cpu,
        bot_cpu,
        balancer_cpu,
        (window_start, window_end),
        rss,
        alive,
        list(exit_codes),
        [update["update_id"] for update in api.pending_updates()],
        None if target.bot == "echo" else stored_sets(database_url(target, workdir)),
        (load_start, load_end),
    )


def stored_sets(url: str) -> dict[int, tuple[int, int]]:
    engine = create_engine(url)
    try:
        with engine.connect() as db:
            rows = db.execute(
                text(
                    "SELECT user_id, COUNT(*), COUNT(DISTINCT CAST(entry_id AS TEXT) || '/' || CAST(set_number AS TEXT))"
                    " FROM set_logs GROUP BY user_id"
                )
            )
            return {user_id: (count, distinct) for user_id, count, distinct in rows}
    finally:
        engine.dispose()


@dataclass
class Figures:
    """What one run measured: the row of the table."""

    updates: int
    per_second: float
    p50: float
    p99: float
    cpu_ms: float
    calls: float


def figures(outcome: Outcome) -> Figures:
    sent = list(outcome.load.sent.values())
    latencies = sorted((s.first_reply - s.at) * 1000 for s in sent if s.first_reply is not None)
    p50, p99 = (statistics.quantiles(latencies, n=100)[i] for i in (49, 98)) if len(latencies) > 1 else (0.0, 0.0)
    finished = outcome.finished_in_window()
    return Figures(
        len(sent),
        finished / outcome.measured,
        p50,
        p99,
        outcome.bot_cpu * 1000 / finished if finished else 0.0,
        outcome.calls_in_window() / finished if finished else 0.0,
    )


def checks(outcome: Outcome, args: argparse.Namespace) -> list[tuple[bool, str]]:
    """The run's checks: (passed, what was checked and found)."""
    load = outcome.load
    sent = list(load.sent.values())
    unanswered = {s.update_id for s in sent if s.first_reply is None or not s.finished}
    unconfirmed = set(outcome.pending_after_exit)
    # A set whose update failed after its commit is stored but unanswered: the answered sets are
    # the least a user must have stored, the sets sent the most.
    answered_sets = Counter(s.user_id for s in sent if s.logs_a_set and s.first_reply is not None)
    sent_sets = Counter(s.user_id for s in sent if s.logs_a_set)
    stored_sets = outcome.stored_sets or {}
    stored = {user: stored_sets.get(user, (0, 0)) for user in set(sent_sets) | set(stored_sets)}
    missing_sets = sum(max(0, answered_sets[user] - distinct) for user, (_, distinct) in stored.items())
    extra_sets = sum(max(0, distinct - sent_sets[user]) + rows - distinct for user, (rows, distinct) in stored.items())
    finished_twice = sum(s.finished > 1 for s in sent)
    handed_twice = sum(s.handed_out > 1 for s in sent)
    stuck = Counter(
        user.gave_up for user in load.users.values() if user.gave_up not in (None, "no reply", "no finish line")
    )
    died = not outcome.alive_at_end or any(code != 0 for code in outcome.exit_codes)
    steady = [mb for at, mb in outcome.rss if at >= args.warmup] or [mb for _, mb in outcome.rss[-1:]]
    rss_start, rss_end = (steady[0], steady[-1]) if steady else (0.0, 0.0)
    growth = (rss_end / rss_start - 1) * 100 if rss_start else 0.0
    peak = max((mb for _, mb in outcome.rss), default=0.0)
    found = [
        (
            not (unanswered or unconfirmed or missing_sets),
            (
                f"nothing lost: {len(unanswered)} updates without a reply or finish line in {args.timeout:.0f} s, "
                f"{len(unconfirmed)} unconfirmed after exit, {missing_sets} logged sets missing from set_logs"
            ),
        ),
        (
            not (finished_twice or handed_twice or extra_sets or load.unknown_finished),
            (
                f"nothing duplicated: {finished_twice} updates finished twice, {handed_twice} handed out "
                f"twice, {extra_sets} extra rows in set_logs ({sum(sent_sets.values())} sets logged), "
                f"{load.unknown_finished} finish lines for unknown updates"
            ),
        ),
        (
            not (outcome.trouble or load.refused or stuck or died),
            (
                f"no error: {len(outcome.trouble)} ERROR/Traceback lines, {load.refused.total()} Bot API calls "
                f"refused, {stuck.total()} users stuck, alive at the end: {outcome.alive_at_end}, "
                f"exit codes {outcome.exit_codes}"
            ),
        ),
        (
            bool(steady) and growth <= args.max_growth,
            (
                f"memory flat: RSS {rss_start:.0f} → {rss_end:.0f} MB after the {args.warmup:.0f} s warm-up "
                f"({growth:+.1f}%, limit {args.max_growth:.0f}%), peak {peak:.0f} MB"
            ),
        ),
    ]
    found += [(False, f"log: {line}") for line in outcome.trouble[:5]]
    found += [(False, f"refused {count}×: {refusal}") for refusal, count in load.refused.most_common(5)]
    found += [(False, f"{count} users stuck: {reason}") for reason, count in stuck.most_common(5)]
    return found


def report(outcomes: list[Outcome], args: argparse.Namespace) -> bool:
    """Print the table, the ratios to the echo bot and every run's checks; True if all passed."""
    print(
        "| bot | database | HTTP client (pool) | processes | round trip | updates | updates/s | p50 ms | p99 ms "
        "| CPU ms/update | Bot API calls/update | updates/s × echo | CPU/update × echo | checks |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    echo = {o.target.latency_ms: figures(o) for o in outcomes if o.target.bot == "echo"}
    everything_passed = True
    for outcome in outcomes:
        row = figures(outcome)
        floor = echo.get(outcome.target.latency_ms)
        faster = f"{row.per_second / floor.per_second:.2f}" if floor and floor.per_second else "—"
        costlier = f"{row.cpu_ms / floor.cpu_ms:.2f}" if floor and floor.cpu_ms else "—"
        passed = all(ok for ok, _ in checks(outcome, args))
        everything_passed &= passed
        print(
            f"{outcome.target.label()} {outcome.target.latency_ms:.0f} ms | {row.updates} | {row.per_second:.0f} "
            f"| {row.p50:.0f} | {row.p99:.0f} | {row.cpu_ms:.2f} | {row.calls:.2f} | {faster} | {costlier} "
            f"| {'pass' if passed else 'FAIL'} |"
        )
    print()
    if ab := comparison(outcomes):
        print("\n".join(ab), end="\n\n")
    print(
        f"{args.users} users, think {args.think[0]}–{args.think[1]} s, {args.duration:.0f} s a run of which the "
        f"first {args.warmup:.0f} s warm up (not measured); {os.cpu_count()} cores."
    )
    for number, outcome in enumerate(outcomes, start=1):
        target = outcome.target
        balancer = f", balancer {outcome.balancer_cpu / outcome.measured:.0%}" if target.webhook else ""
        print(
            f"\n{number}. {target.label()} {target.latency_ms:.0f} ms: CPU share of one core: bot "
            f"{outcome.bot_cpu / outcome.measured:.0%}{balancer}, fake Bot API + users {outcome.driver_cpu:.0%}; "
            f"machine load {outcome.load_average[0]:.1f} → {outcome.load_average[1]:.1f}. "
            f"Replies outside an update (timers): {outcome.load.unsolicited}. Warnings in the log: {outcome.warnings}."
        )
        for passed, found in checks(outcome, args):
            print(f"   - {'PASS' if passed else 'FAIL'} {found}")
    return everything_passed


def targets(args: argparse.Namespace) -> list[Target]:
    """The runs, in order: per round trip the echo bot, then each Armswing combination."""
    runs: list[Target] = []
    for latency in args.latency:
        if not args.no_echo:
            runs.append(Target("echo", latency))
        for number, revision in itertools.product(range(1, args.rounds + 1), list(args.revision) or [""]):
            at = {"revision": revision, "round": number}
            for database, client, pool in itertools.product(args.database, args.client, args.pool):
                runs.append(Target("armswing", latency, database, client, pool or None, **at))
            for database, processes in itertools.product(args.database, args.scale):
                if not is_sqlite(database):
                    client, pool = args.client[0], args.pool[0] or None
                    runs.append(Target("armswing", latency, database, client, pool, processes, **at))
    return runs


def revision(value: str) -> tuple[str, Path]:
    """--revision NAME=PATH: an `armswing` executable (another checkout's virtual environment)."""
    name, _, path = value.partition("=")
    if not name or not Path(path).is_file():
        raise argparse.ArgumentTypeError(f"{value!r}: NAME=PATH of an armswing executable")
    return name, Path(path).resolve()


def comparison(outcomes: list[Outcome]) -> list[str]:
    """Each revision against the first (--revision) run by run in the same round: updates/s
    and CPU per update as ratios, their median and their spread over the rounds."""
    runs: dict[tuple[Any, ...], dict[int, dict[str, Figures]]] = {}
    for outcome in outcomes:
        target = outcome.target
        if target.revision:
            alike = (target.latency_ms, target.database, target.client, target.pool, target.processes)
            runs.setdefault(alike, {}).setdefault(target.round, {})[target.revision] = figures(outcome)
    lines = []
    for (latency, database, *_), rounds in runs.items():
        names = list(next(iter(rounds.values())))
        base = names[0]
        for name in names[1:]:
            pairs = [(by[name], by[base]) for by in rounds.values() if name in by and base in by]
            speed = sorted(b.per_second / a.per_second for b, a in pairs if a.per_second)
            cost = sorted(b.cpu_ms / a.cpu_ms for b, a in pairs if a.cpu_ms)
            if not speed or not cost:
                continue
            own = sorted(b.cpu_ms for b, _ in pairs)
            theirs = sorted(a.cpu_ms for _, a in pairs)
            lines.append(
                f"{name} / {base} ({'SQLite' if is_sqlite(database) else 'PostgreSQL'}, {latency:.0f} ms, "
                f"{len(pairs)} rounds): updates/s × {statistics.median(speed):.2f} ({speed[0]:.2f}–{speed[-1]:.2f}), "
                f"CPU/update × {statistics.median(cost):.2f} ({cost[0]:.2f}–{cost[-1]:.2f}); CPU ms/update "
                f"{name} {own[0]:.2f}–{own[-1]:.2f}, {base} {theirs[0]:.2f}–{theirs[-1]:.2f}"
            )
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--duration", type=float, default=90, help="seconds of sending per run (default 90)")
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(0.2, 2.0),
        metavar=("MIN", "MAX"),
        help="a user's pause before each update, seconds (default 0.2 2)",
    )
    parser.add_argument(
        "--database", nargs="+", default=["sqlite"], help="sqlite and/or PostgreSQL URLs (throw-away databases)"
    )
    parser.add_argument("--latency", type=float, nargs="+", default=[0, 50], help="Bot API round trips, ms")
    parser.add_argument("--client", nargs="+", default=[""], help="ARMSWING_HTTP_CLIENT values (default: its default)")
    parser.add_argument("--pool", type=int, nargs="+", default=[0], help="ARMSWING_HTTP_POOL_SIZE values (0: default)")
    parser.add_argument(
        "--scale", type=int, nargs="*", default=[], help="process counts for webhook runs on each PostgreSQL database"
    )
    parser.add_argument("--no-echo", action="store_true", help="leave out the echo bot's runs")
    parser.add_argument(
        "--revision",
        type=revision,
        nargs="+",
        default=[],
        metavar="NAME=PATH",
        help="armswing executables to compare (the first is the base of the ratios); default: this checkout's",
    )
    parser.add_argument("--rounds", type=int, default=1, help="times every Armswing run is made, interleaved")
    parser.add_argument("--timeout", type=float, default=30, help="seconds an update may take before it counts as lost")
    parser.add_argument(
        "--warmup",
        type=float,
        help="seconds before anything is measured (default: a third of the duration, at most 30); "
        "users start within its first half",
    )
    parser.add_argument("--sample", type=float, default=2, help="seconds between RSS samples (default 2)")
    parser.add_argument("--max-growth", type=float, default=15, help="RSS growth allowed after the warm-up, percent")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--profile",
        action="store_true",
        help="py-spy (in this virtual environment) samples each bot process over the measured window; "
        "its collapsed stacks go to the run's directory",
    )
    parser.add_argument("--workdir", type=Path, help="where the bots' databases and logs go (default: a new temp dir)")
    args = parser.parse_args()
    args.revision = dict(args.revision)
    args.warmup = min(30.0, args.duration / 3) if args.warmup is None else args.warmup
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="armswing-load-"))
    runs = targets(args)
    print(
        f"{len(runs)} runs of {args.users} users for {args.duration:.0f} s, think {args.think[0]}–{args.think[1]} s; "
        f"logs and databases in {workdir}",
        flush=True,
    )
    outcomes = []
    for number, target in enumerate(runs, start=1):
        random.seed(args.seed)  # the same users making the same choices in every run
        rundir = workdir / str(number)
        rundir.mkdir(parents=True, exist_ok=True)
        print(f"{number}. {target.label()} {target.latency_ms:.0f} ms ...", flush=True)
        with ObservedBotApi(latency=target.latency_ms / 1000, webhook_connections=40) as api:
            outcomes.append(asyncio.run(run(api, target, rundir, args)))
    print()
    return 0 if report(outcomes, args) else 1


if __name__ == "__main__":
    sys.exit(main())
