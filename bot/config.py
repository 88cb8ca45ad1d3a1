"""Configuration, read in one place and checked strictly (pydantic-settings): the environment, an
optional `.env` file beside it (the environment wins), and secrets from files.

A malformed value stops the start: `Settings.from_env` raises `ConfigError`, one line naming each
wrong variable; nothing falls back to a default silently. A secret can come from a file named by
`<NAME>_FILE` (Compose `secrets:`, systemd `LoadCredential=`). Secrets are kept out of `repr`, so
they never reach a log, and out of error messages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///armswing.sqlite3"
# Connections to Telegram by HTTP client. At a 50 ms round trip each carries about 20 calls a
# second, so 8 cap the bot near 60 updates a second; aiohttp keeps many cheaply, while httpcore
# checks every pooled connection on each call (more than 8 cost CPU).
HTTP_POOL_SIZES = {"aiohttp": 128, "httpx": 8}
TOKEN_PATTERN = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,}$")
# The variables that may name a file holding their value instead: `TELEGRAM_BOT_TOKEN_FILE=/run/secrets/token`.
SECRET_VARIABLES = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_WEBHOOK_SECRET", "DATABASE_URL")


class ConfigError(ValueError):
    """A setting the bot cannot start with; the message is one line an operator can act on."""


class Settings(BaseSettings):
    """Every setting by its environment variable (the alias); code and tests may also pass field names."""

    model_config = SettingsConfigDict(
        frozen=True,
        validate_by_name=True,
        validate_by_alias=True,
        extra="ignore",
        env_ignore_empty=True,  # unset and empty both mean the default
        str_strip_whitespace=True,
    )

    token: str | None = Field(None, alias="TELEGRAM_BOT_TOKEN", repr=False, pattern=TOKEN_PATTERN.pattern)
    api_base_url: str | None = Field(None, alias="TELEGRAM_API_BASE_URL")
    api_base_file_url: str | None = Field(None, alias="TELEGRAM_API_BASE_FILE_URL")
    mode: Literal["polling", "webhook"] = Field("polling", alias="TELEGRAM_BOT_MODE")
    webhook_listen: str = Field("127.0.0.1", alias="TELEGRAM_WEBHOOK_LISTEN")
    webhook_port: int = Field(8080, alias="TELEGRAM_WEBHOOK_PORT", ge=1, le=65535)
    webhook_path: str = Field("telegram", alias="TELEGRAM_WEBHOOK_PATH")
    webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL", pattern=r"^https?://\S+$")
    webhook_secret: str | None = Field(
        None, alias="TELEGRAM_WEBHOOK_SECRET", repr=False, pattern=r"^[A-Za-z0-9_-]{1,256}$"
    )
    # updates Telegram posts at once (setWebhook's max_connections); 1: one at a time, so every
    # replica applies them in update_id order (README, "Order")
    webhook_max_connections: int = Field(40, alias="TELEGRAM_WEBHOOK_MAX_CONNECTIONS", ge=1, le=100)
    # /healthz and /metrics in polling mode (webhook mode serves them beside the webhook); port 0: none
    health_listen: str = Field("127.0.0.1", alias="ARMSWING_HEALTH_LISTEN")
    health_port: int = Field(8081, alias="ARMSWING_HEALTH_PORT", ge=0, le=65535)
    database_url: str = Field(DEFAULT_DATABASE_URL, alias="DATABASE_URL", repr=False)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = Field("INFO", alias="ARMSWING_LOG_LEVEL")
    # stderr lines: "text" (for people) or "json" (one object a line, for log collectors)
    log_format: Literal["text", "json"] = Field("text", alias="ARMSWING_LOG_FORMAT")
    # messages a second to Telegram, all chats together (Telegram's limit)
    send_rate: float = Field(30.0, alias="ARMSWING_SEND_RATE", gt=0, allow_inf_nan=False)
    # reminders a second from this process, at most send_rate: replies need room
    reminder_rate: float = Field(25.0, alias="ARMSWING_REMINDER_RATE", gt=0, allow_inf_nan=False)
    # how often the reminder runner looks for due reminders
    reminder_tick_seconds: float = Field(20.0, alias="ARMSWING_REMINDER_TICK_SECONDS", gt=0, allow_inf_nan=False)
    # how often the rest-timer runner looks for timers a restart or another replica left
    timer_tick_seconds: float = Field(5.0, alias="ARMSWING_TIMER_TICK_SECONDS", gt=0, allow_inf_nan=False)
    # PTB's HTTP layer to Telegram: "aiohttp" (bot.telegram.request; bench/load.py: well under httpx's CPU
    # per update) or "httpx" (PTB's own HTTPXRequest)
    http_client: Literal["aiohttp", "httpx"] = Field("aiohttp", alias="ARMSWING_HTTP_CLIENT")
    # connections to Telegram; None: the client's default (HTTP_POOL_SIZES)
    http_pool_size: int | None = Field(None, alias="ARMSWING_HTTP_POOL_SIZE", gt=0)
    # Group chats the coach answers in (a running club's group, say); all others are ignored.
    group_chats: Annotated[frozenset[int], NoDecode] = Field(frozenset(), alias="ARMSWING_GROUP_CHATS")
    # Files holding a secret instead of the variable itself (read, then forgotten: the value is what counts).
    token_file: Path | None = Field(None, alias="TELEGRAM_BOT_TOKEN_FILE", exclude=True, repr=False)
    webhook_secret_file: Path | None = Field(None, alias="TELEGRAM_WEBHOOK_SECRET_FILE", exclude=True, repr=False)
    database_url_file: Path | None = Field(None, alias="DATABASE_URL_FILE", exclude=True, repr=False)

    @classmethod
    def from_env(cls, dotenv: Path | None = Path(".env")) -> Settings:
        """The process environment over the `.env` file; `ConfigError` when a value is malformed."""
        try:
            return cls(_env_file=dotenv if dotenv is not None and dotenv.is_file() else None)  # type: ignore[call-arg]  # pydantic-settings' init keyword
        except ValidationError as error:
            raise ConfigError(describe(error)) from None

    @model_validator(mode="before")
    @classmethod
    def _secrets_from_files(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        for name in SECRET_VARIABLES:
            path = str(data.pop(f"{name}_FILE", None) or "").strip()
            if not path:
                continue
            if data.get(name):
                raise ValueError(f"{name} and {name}_FILE are both set; set one of them")
            try:
                data[name] = Path(path).read_text().strip()
            except OSError as error:
                raise ValueError(f"{name}_FILE: cannot read {path} ({error.strerror or error})") from None
        return data

    @field_validator("mode", "http_client", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("webhook_path", mode="after")
    @classmethod
    def _path(cls, value: str) -> str:
        return value.strip("/")

    @field_validator("group_chats", mode="before")
    @classmethod
    def _group_chats(cls, value: Any) -> Any:
        """Group chat ids separated by commas (they are negative numbers)."""
        if not isinstance(value, str):
            return value
        ids = [part.strip() for part in value.split(",") if part.strip()]
        if not all(re.fullmatch(r"-\d{1,20}", chat) for chat in ids):
            raise ValueError("must list group chat ids (negative numbers) separated by commas")
        return frozenset(int(chat) for chat in ids)

    @model_validator(mode="after")
    def _reminders_leave_room_for_replies(self) -> Settings:
        if self.reminder_rate > self.send_rate:
            raise ValueError(
                f"ARMSWING_REMINDER_RATE ({self.reminder_rate:g}) must not exceed ARMSWING_SEND_RATE "
                f"({self.send_rate:g}): replies need room"
            )
        return self

    @classmethod
    def variables(cls) -> set[str]:
        """Every environment variable the bot reads."""
        return {str(field.alias) for field in cls.model_fields.values()}

    @property
    def pool_size(self) -> int:
        return self.http_pool_size or HTTP_POOL_SIZES[self.http_client]

    def problems(self) -> list[str]:
        """What is missing for running the Telegram bot, in words an operator can act on."""
        found = []
        if not self.token:
            found.append("TELEGRAM_BOT_TOKEN is not set")
        if self.mode == "webhook":
            if not self.webhook_url:
                found.append("TELEGRAM_WEBHOOK_URL is required in webhook mode")
            if not self.webhook_secret:
                found.append("TELEGRAM_WEBHOOK_SECRET is required in webhook mode")
        return found


HINTS = {
    "TELEGRAM_BOT_TOKEN": "does not look like a bot token (<digits>:<letters>)",
    "TELEGRAM_WEBHOOK_SECRET": "may only use A-Z, a-z, 0-9, _ and - (1 to 256 characters)",
    "TELEGRAM_WEBHOOK_URL": "must be a URL (https://...)",
}


def describe(error: ValidationError) -> str:
    """pydantic's errors as one line, `NAME: what is wrong (got 'value')`, secrets never quoted."""
    parts = []
    for problem in error.errors(include_url=False):
        name = ".".join(str(part) for part in problem["loc"])
        message = problem["msg"].removeprefix("Value error, ")
        if not name:
            parts.append(message)
            continue
        got = "" if name in SECRET_VARIABLES else f" (got {problem['input']!r})"
        parts.append(f"{name}: {HINTS.get(name, message)}{got}")
    return "; ".join(parts)
