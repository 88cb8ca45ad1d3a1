"""The bot as a real process, for the end-to-end tests and the load benchmark: a free port, the
environment that points it at a local Bot API (and nothing of the caller's own settings), and
`BotProcess`, started and stopped as an operator would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from support.botapi import DEFAULT_TOKEN

ARMSWING = str(Path(sys.executable).parent / "armswing")
WEBHOOK_SECRET = "s3cret-Token_value"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bot_environment(api: Any, **settings: str) -> dict[str, str]:
    """This process's environment without its own Telegram, database or Armswing settings, the
    bot pointed at `api` (a `support.botapi.FakeBotApi`), and `settings` on top."""
    inherited = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DATABASE_URL", "ARMSWING_"))}
    return inherited | {"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_API_BASE_URL": api.base_url} | settings


class BotProcess:
    """`armswing run` in polling or webhook mode on `database_url`; `env` may be changed before
    `start`. Its output goes to `workdir/bot.log`, which `stop` checks for leaked secrets."""

    def __init__(self, api: Any, workdir: Path, mode: str, database_url: str):
        self.api, self.workdir, self.mode = api, workdir, mode
        self.port = free_port()
        self.secret = WEBHOOK_SECRET
        self.env = bot_environment(api, TELEGRAM_BOT_MODE=mode, DATABASE_URL=database_url)
        if mode == "polling":  # /healthz and /metrics on a port of its own
            self.env |= {"ARMSWING_HEALTH_LISTEN": "127.0.0.1", "ARMSWING_HEALTH_PORT": str(self.port)}
        if mode == "webhook":
            self.env |= {
                "TELEGRAM_WEBHOOK_LISTEN": "127.0.0.1",
                "TELEGRAM_WEBHOOK_PORT": str(self.port),
                "TELEGRAM_WEBHOOK_PATH": "tg-hook",
                "TELEGRAM_WEBHOOK_URL": f"http://127.0.0.1:{self.port}/tg-hook",
                "TELEGRAM_WEBHOOK_SECRET": self.secret,
            }
        self.process: subprocess.Popen[bytes] | None = None
        self.log = workdir / "bot.log"

    def start(self) -> BotProcess:
        # Ready: polling starts right after deleteWebhook (the fake journals a long poll only when
        # it returns); webhook mode after setWebhook.
        method = "deleteWebhook" if self.mode == "polling" else "setWebhook"
        calls_before = len(self.api.calls(method))
        process = self.process = subprocess.Popen(
            [ARMSWING, "run"], cwd=self.workdir, env=self.env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )
        self.api.wait_for(lambda: len(self.api.calls(method)) > calls_before or process.poll() is not None, timeout=60)
        if self.mode == "webhook":  # another replica's setWebhook may have counted: ask this one
            self.api.wait_for(lambda: self.healthy() or process.poll() is not None, timeout=60)
        assert process.poll() is None, self.log.read_text()
        return self

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=5) as answer:
                return answer.status == 200
        except OSError:
            return False

    def stop(self, sig: int = signal.SIGTERM) -> int | None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=15)
        log = self.log.read_text(errors="replace")  # every e2e run also checks that no secret leaked
        assert DEFAULT_TOKEN not in log and self.secret not in log, "a secret reached the log"
        return None if self.process is None else self.process.returncode
