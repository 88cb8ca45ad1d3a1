"""Logging set-up: plain lines on stderr, with secrets masked wherever they would appear
(httpx logs request URLs and tracebacks quote them, and a Bot API URL contains the token)."""

from __future__ import annotations

import logging

from bot.config import Settings


class RedactingFormatter(logging.Formatter):
    """Formats as usual, then masks every secret in the whole line, traceback included."""

    def __init__(self, fmt: str, secrets: list[str]):
        super().__init__(fmt)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, "<redacted>")
        return line


def configure(settings: Settings) -> None:
    handler = logging.StreamHandler()
    secrets = [settings.token or "", settings.webhook_secret or ""]
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
