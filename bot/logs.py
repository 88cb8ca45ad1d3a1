"""Logging set-up: lines on stderr, plain text or one JSON object each (`ARMSWING_LOG_FORMAT`), with secrets masked wherever they would appear
(httpx logs request URLs and tracebacks quote them, and a Bot API URL contains the token), and
without the runners' personal data.

What could carry personal data into a line, and what the formatter writes instead:
- a failing SQL statement's parameters (user ids, first names, sets): the engine is created with
  SQLAlchemy's `hide_parameters` (`bot.database`), and the database's own message, which may
  quote the values of a row ("DETAIL: Key (user_id)=(…)", "Failing row contains (…)"), is
  replaced by the statement's name and the error's code (`INSERT INTO users: UniqueViolation 23505`);
- PTB's own lines that quote a whole update or a call's parameters (the raw JSON of an update it
  could not parse, "Processing update …" at DEBUG): every argument that is not a plain scalar is
  written as `<redacted>`.
The coach's own lines name users by pseudonym only (`bot.metrics.Pseudonym`).
"""

from __future__ import annotations

import logging
import re
import traceback
from types import TracebackType
from typing import Any

from pythonjsonlogger.json import JsonFormatter
from sqlalchemy.exc import StatementError

from bot.config import Settings

REDACTED = "<redacted>"
_SCALARS = (str, int, float, bool, type(None), BaseException)
_TABLE = re.compile(r"\b(?:INTO|UPDATE|FROM)\s+\"?(\w+)", re.IGNORECASE)
_DRIVERS = ("psycopg", "sqlite3")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class RedactingFormatter(logging.Formatter):
    """Formats as usual without personal data (see above), then masks every secret in the whole
    line, traceback included."""

    def __init__(self, fmt: str, secrets: list[str], **options: Any):
        super().__init__(fmt, **options)
        self.secrets = [secret for secret in secrets if secret]

    def format(self, record: logging.LogRecord) -> str:
        record = logging.makeLogRecord(record.__dict__)  # other handlers see the record as it was
        record.exc_text = None
        if record.name.startswith("telegram") and record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(arg if isinstance(arg, _SCALARS) else REDACTED for arg in args)
        line = super().format(record)
        for secret in self.secrets:
            line = line.replace(secret, REDACTED)
        return line

    def formatException(self, ei: ExcInfo) -> str:
        if ei[1] is None:
            return super().formatException(ei)
        summary = traceback.TracebackException(*ei, compact=True)
        node: traceback.TracebackException | None = summary
        error: BaseException | None = ei[1]
        while node is not None and error is not None:  # the chain as `summary` follows it
            words = database_error(error)
            if words is not None:
                node._str = words  # type: ignore[attr-defined]  # the message traceback prints
            if error.__cause__ is not None:
                node, error = node.__cause__, error.__cause__
            elif not error.__suppress_context__:
                node, error = node.__context__, error.__context__
            else:
                node = error = None
        return "".join(summary.format()).rstrip("\n")


class JsonLinesFormatter(RedactingFormatter, JsonFormatter):
    """One JSON object a line, `{"time", "level", "logger", "message"[, "exc_info"]}`, with the same
    redaction as the text lines: the traceback is a string inside the object, never a line of its own."""

    def __init__(self, secrets: list[str]):
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            secrets,
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
        )


def formatter(kind: str, secrets: list[str]) -> logging.Formatter:
    """The production formatter for `ARMSWING_LOG_FORMAT` (`text` or `json`)."""
    return JsonLinesFormatter(secrets) if kind == "json" else RedactingFormatter(TEXT_FORMAT, secrets)


def database_error(error: BaseException) -> str | None:
    """What may be logged of a database error (its statement's name, its code), or None if
    `error` is not one."""
    if isinstance(error, StatementError):
        statement = error.statement or ""
        table = _TABLE.search(statement)
        name = " ".join(statement.split()[:1] + ([table.group(1)] if table else [])).upper()
        return f"{name or 'statement'}: {_code(error.orig)}"
    if type(error).__module__.split(".")[0] in _DRIVERS:
        return _code(error)
    return None


def _code(error: BaseException | None) -> str:
    code = getattr(error, "sqlstate", None) or getattr(error, "sqlite_errorname", None) or ""
    return f"{type(error).__name__} {code}".strip()


def configure(settings: Settings) -> None:
    handler = logging.StreamHandler()
    secrets = [settings.token or "", settings.webhook_secret or ""]
    handler.setFormatter(formatter(settings.log_format, secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
