"""Prometheus metrics of one process, served at `GET /metrics` in webhook mode."""

from __future__ import annotations

import hashlib
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from telegram.ext import AIORateLimiter

REGISTRY = CollectorRegistry()
UPDATES = Counter(
    "armswing_updates", "Updates handled, by event kind and outcome.", ["kind", "outcome"], registry=REGISTRY
)
LATENCY = Histogram(
    "armswing_update_seconds",
    "Time to handle one update: the transaction and the replies sent.",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
ERRORS = Counter("armswing_errors", "Updates whose handling raised an error.", registry=REGISTRY)
REMINDERS = Counter(
    "armswing_reminders", "Reminders by result (sent, failed, blocked, skipped).", ["result"], registry=REGISTRY
)
RATE_LIMIT_WAIT = Histogram(
    "armswing_rate_limiter_wait_seconds",
    "How long Bot API calls waited in the rate limiter before being sent.",
    buckets=(0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30),
    registry=REGISTRY,
)


def exposition() -> bytes:
    return generate_latest(REGISTRY)


class MeasuredRateLimiter(AIORateLimiter):
    """PTB's rate limiter, recording how long each call waited for its turn."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args) -> Any:
        queued = time.perf_counter()

        async def measured(*call_args: Any, **call_kwargs: Any) -> Any:
            RATE_LIMIT_WAIT.observe(time.perf_counter() - queued)
            return await callback(*call_args, **call_kwargs)

        return await super().process_request(measured, args, kwargs, endpoint, data, rate_limit_args)


class Pseudonym:
    """A stable stand-in for a user id in logs: the same user reads the same across replicas,
    but the id cannot be recovered by trying every number without the bot's secret."""

    def __init__(self, secret: str):
        self._key = hashlib.sha256(secret.encode()).digest()[:32]

    def __call__(self, user_id: int) -> str:
        return hashlib.blake2b(str(user_id).encode(), key=self._key, digest_size=6).hexdigest()
