"""Configuration, read in one place: the environment, plus an optional `.env` file beside it.

Secrets (the bot token, the webhook secret) are kept out of `repr`, so they never reach a log.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_DATABASE_URL = "sqlite:///armswing.sqlite3"
# Connections to Telegram by HTTP client. At a 50 ms round trip each carries about 20 calls a
# second, so 8 cap the bot near 60 updates a second; aiohttp keeps many cheaply, while httpcore
# checks every pooled connection on each call (more than 8 cost CPU).
HTTP_POOL_SIZES = {"aiohttp": 128, "httpx": 8}
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,}$")


@dataclass(frozen=True)
class Settings:
    token: str | None = field(default=None, repr=False)
    api_base_url: str | None = None
    api_base_file_url: str | None = None
    mode: str = "polling"
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8080
    webhook_path: str = "telegram"
    webhook_url: str | None = None
    webhook_secret: str | None = field(default=None, repr=False)
    database_url: str = DEFAULT_DATABASE_URL
    log_level: str = "INFO"
    send_rate: float = 30.0  # messages a second to Telegram, all chats together (Telegram's limit)
    reminder_rate: float = 25.0  # reminders a second from this process, below send_rate: replies need room
    reminder_tick_seconds: float = 20.0  # how often the reminder runner looks for due reminders
    # PTB's HTTP layer to Telegram: "httpx" (PTB's own) until bench/load.py has measured "aiohttp" (bot.request)
    http_client: str = "httpx"
    http_pool_size: int | None = None  # connections to Telegram; None: the client's default (HTTP_POOL_SIZES)
    # Group chats the coach answers in (a running club's group, say); all others are ignored.
    group_chats: frozenset[int] = frozenset()
    group_chats_error: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, dotenv: Path | None = Path(".env")) -> Settings:
        """Values from `environ` win over the `.env` file; unset and empty mean the default."""
        values: dict[str, str | None] = {}
        if dotenv is not None and dotenv.is_file():
            values.update(dotenv_values(dotenv))
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = values.get(name)
            return value.strip() if value and value.strip() else None

        def positive(name: str, default: float) -> float:
            value = get(name)
            return float(value) if value and value.replace(".", "", 1).isdigit() and float(value) > 0 else default

        port = get("TELEGRAM_WEBHOOK_PORT")
        pool = get("ARMSWING_HTTP_POOL_SIZE")
        return cls(
            token=get("TELEGRAM_BOT_TOKEN"),
            api_base_url=get("TELEGRAM_API_BASE_URL"),
            api_base_file_url=get("TELEGRAM_API_BASE_FILE_URL"),
            mode=(get("TELEGRAM_BOT_MODE") or "polling").lower(),
            webhook_listen=get("TELEGRAM_WEBHOOK_LISTEN") or cls.webhook_listen,
            webhook_port=int(port) if port and port.isdigit() else cls.webhook_port,
            webhook_path=(get("TELEGRAM_WEBHOOK_PATH") or cls.webhook_path).strip("/"),
            webhook_url=get("TELEGRAM_WEBHOOK_URL"),
            webhook_secret=get("TELEGRAM_WEBHOOK_SECRET"),
            database_url=get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            log_level=(get("ARMSWING_LOG_LEVEL") or "INFO").upper(),
            send_rate=positive("ARMSWING_SEND_RATE", cls.send_rate),
            reminder_rate=positive("ARMSWING_REMINDER_RATE", cls.reminder_rate),
            reminder_tick_seconds=positive("ARMSWING_REMINDER_TICK_SECONDS", cls.reminder_tick_seconds),
            http_client=(get("ARMSWING_HTTP_CLIENT") or cls.http_client).lower(),
            http_pool_size=int(pool) if pool and pool.isdigit() and int(pool) > 0 else None,
            **_group_chats(get("ARMSWING_GROUP_CHATS")),
        )

    @property
    def pool_size(self) -> int:
        return self.http_pool_size or HTTP_POOL_SIZES.get(self.http_client, 8)

    def problems(self) -> list[str]:
        """What is wrong for running the Telegram bot, in words an operator can act on."""
        found = []
        if not self.token:
            found.append("TELEGRAM_BOT_TOKEN is not set")
        elif not TOKEN_PATTERN.match(self.token):
            found.append("TELEGRAM_BOT_TOKEN does not look like a bot token (<digits>:<letters>)")
        if self.group_chats_error:
            found.append(self.group_chats_error)
        if self.http_client not in HTTP_POOL_SIZES:
            found.append(f"ARMSWING_HTTP_CLIENT must be 'aiohttp' or 'httpx', not {self.http_client!r}")
        if self.mode not in ("polling", "webhook"):
            found.append(f"TELEGRAM_BOT_MODE must be 'polling' or 'webhook', not {self.mode!r}")
        if self.mode == "webhook":
            if not self.webhook_url:
                found.append("TELEGRAM_WEBHOOK_URL is required in webhook mode")
            if not self.webhook_secret:
                found.append("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
            elif not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", self.webhook_secret):
                found.append("TELEGRAM_WEBHOOK_SECRET may only use A-Z, a-z, 0-9, _ and - (1 to 256 characters)")
        return found


def _group_chats(value: str | None) -> dict[str, object]:
    """ARMSWING_GROUP_CHATS: group chat ids separated by commas (they are negative numbers)."""
    ids = [part.strip() for part in (value or "").split(",") if part.strip()]
    if not all(re.fullmatch(r"-\d{1,20}", chat) for chat in ids):
        return {
            "group_chats_error": "ARMSWING_GROUP_CHATS must list group chat ids (negative numbers) separated by commas"
        }
    return {"group_chats": frozenset(int(chat) for chat in ids)}
