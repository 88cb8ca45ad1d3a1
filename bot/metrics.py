"""Prometheus metrics of one process, served at `GET /metrics` (`bot.monitoring`) in every mode.

deploy/prometheus/ holds the alert rules and the dashboard built on them; tests/test_monitoring.py
checks that every metric they name is exposed here.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Coroutine
from typing import Any

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    Info,
    generate_latest,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import AIORateLimiter

from bot import __version__

REGISTRY = CollectorRegistry()
for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):  # CPU, memory, open fds, Python, GC
    REGISTRY.register(collector)
Info("armswing_build", "The running version of Armswing.", registry=REGISTRY).info({"version": __version__})
UPDATES = Counter(
    "armswing_updates",
    "Events handled (updates, and rest timers as kind timer), by kind and outcome.",
    ["kind", "outcome"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "armswing_update_seconds",
    "Time to handle one event (an update or a rest timer) until its transaction committed (the replies go after).",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
ERRORS = Counter("armswing_errors", "Updates whose handling raised an error.", registry=REGISTRY)
UNREADABLE = Counter(
    "armswing_unreadable_updates", "Updates PTB could not read: logged by id, skipped.", registry=REGISTRY
)
REPLIES = Counter(
    "armswing_replies",
    "Reply sends after the commit by result (sent, retried, refused, blocked, superseded, given_up).",
    ["result"],
    registry=REGISTRY,
)
REMINDERS = Counter(
    "armswing_reminders",
    "Reminders by result (sent, skipped, blocked, retried, failed, taken).",
    ["result"],
    registry=REGISTRY,
)
RATE_LIMIT_WAIT = Histogram(
    "armswing_rate_limiter_wait_seconds",
    "How long Bot API calls waited in the rate limiter before being sent.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30),
    registry=REGISTRY,
)


REMINDER_LAG = Histogram(
    "armswing_reminder_lag_seconds",
    "From a reminder's due time to its sending.",
    buckets=(1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600),
    registry=REGISTRY,
)
REMINDERS_DUE = Gauge(
    "armswing_reminders_due",
    "Reminders due but not yet sent, counted after each run of the reminder runner.",
    registry=REGISTRY,
)
BOT_API_ERRORS = Counter(
    "armswing_bot_api_errors",
    "Bot API calls that failed, by method and code (HTTP status, or timeout/network).",
    ["method", "code"],
    registry=REGISTRY,
)
WEBHOOK_REQUESTS = Counter(
    "armswing_webhook_requests",
    "Requests to the webhook by HTTP status answered (200, 400, 403, 408, 413, 503).",
    ["code"],
    registry=REGISTRY,
)
TELEGRAM_PENDING = Gauge(
    "armswing_telegram_pending_updates",
    "Updates Telegram holds for the bot, not yet delivered or confirmed (getWebhookInfo, every minute).",
    registry=REGISTRY,
)
TELEGRAM_LAST_ERROR = Gauge(
    "armswing_telegram_last_error_timestamp_seconds",
    "When Telegram last failed to deliver to the webhook (getWebhookInfo; 0: never).",
    registry=REGISTRY,
)
HEALTH = Gauge(
    "armswing_health",
    "The checks of /healthz (database, scheduler): 1 passing, 0 failing; refreshed at every scrape.",
    ["check"],
    registry=REGISTRY,
)
# PTB's errors by the Bot API code behind them; most specific first (BadRequest and TimedOut are NetworkErrors).
ERROR_CODES: tuple[tuple[type[TelegramError], str], ...] = (
    (RetryAfter, "429"),
    (Forbidden, "403"),
    (InvalidToken, "401"),
    (EndPointNotFound, "404"),
    (Conflict, "409"),
    (BadRequest, "400"),
    (ChatMigrated, "400"),
    (TimedOut, "timeout"),
    (NetworkError, "network"),  # no answer, or a 5xx from Telegram
)


def exposition() -> bytes:
    return generate_latest(REGISTRY)


def not_modified(error: TelegramError) -> bool:
    """Telegram's 400 for an edit that changes nothing: the message shows this already (a replayed
    edit, buttons taken away twice), so the edit is done, not failed."""
    return isinstance(error, BadRequest) and "not modified" in error.message.lower()


def bot_api_error(method: str, error: TelegramError) -> None:
    if not_modified(error):
        return
    code = next((code for kind, code in ERROR_CODES if isinstance(error, kind)), "other")
    BOT_API_ERRORS.labels(method, code).inc()


class MeasuredRateLimiter(AIORateLimiter):
    """PTB's rate limiter (every Bot API call but getUpdates passes it), recording how long each
    call waited for its turn and which calls failed."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, Any]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: Any,
    ) -> Any:
        queued = time.perf_counter()

        async def measured(*call_args: Any, **call_kwargs: Any) -> Any:
            RATE_LIMIT_WAIT.observe(time.perf_counter() - queued)
            try:
                return await callback(*call_args, **call_kwargs)
            except TelegramError as error:  # every attempt, retries included
                bot_api_error(endpoint, error)
                raise

        return await super().process_request(measured, args, kwargs, endpoint, data, rate_limit_args)


class Pseudonym:
    """A stable stand-in for a user id in logs: the same user reads the same across replicas,
    but the id cannot be recovered by trying every number without the bot's secret."""

    def __init__(self, secret: str):
        self._key = hashlib.sha256(secret.encode()).digest()[:32]

    def __call__(self, user_id: int) -> str:
        return hashlib.blake2b(str(user_id).encode(), key=self._key, digest_size=6).hexdigest()
