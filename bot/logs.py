"""Logging set-up: lines on stderr, plain text or one JSON object each (`ARMSWING_LOG_FORMAT`), with secrets masked wherever they would appear
(httpx logs request URLs and tracebacks quote them, and a Bot API URL contains the token), and
without the runners' personal data.

What could carry personal data into a line, and what the formatter writes instead:
- a failing SQL statement's parameters (user ids, first names, sets): the engine is created with
  SQLAlchemy's `hide_parameters` (`bot.storage.database`), and the database's own message, which may
  quote the values of a row ("DETAIL: Key (user_id)=(…)", "Failing row contains (…)"), is
  replaced by the statement's name and the error's code (`INSERT INTO users: UniqueViolation 23505`);
- PTB's own lines that quote a whole update or a call's parameters (the raw JSON of an update it
  could not parse, "Processing update …" at DEBUG): every argument that is not a plain scalar is
  written as `<redacted>`.
The coach's own lines name users by pseudonym only (`bot.metrics.Pseudonym`).

A line repeated in a flood (a refused connection, uvicorn's "Exceeded concurrency limit") is
written at most REPEATS_PER_MINUTE times a minute (`Repeats`); the next one written says how many
were left out, so the log stays readable and the disk stays free. A line logged with
`extra=EVERY_ONE` (the line each update ends with) is always written.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import traceback
from collections.abc import Callable
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
REPEATS_PER_MINUTE = 10
EVERY_ONE = {"every_one": True}  # `extra` of a line that is written every time: one per update is no flood


class Repeats(logging.Filter):
    """Lets through at most `most` records of one kind (logger, level, message before its
    arguments) per `seconds`; the first let through after some were held back says how many."""

    def __init__(
        self, most: int = REPEATS_PER_MINUTE, seconds: float = 60.0, clock: Callable[[], float] = time.monotonic
    ):
        super().__init__()
        self.most, self.seconds, self.clock = most, seconds, clock
        self._kinds: dict[tuple[str, int, str], tuple[float, int, int]] = {}  # kind: window start, let, held
        self._lock = threading.Lock()  # records come from the database threads too

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "every_one", False):
            return True
        kind = (record.name, record.levelno, str(record.msg))
        now = self.clock()
        with self._lock:
            start, let, held = self._kinds.get(kind, (now, 0, 0))
            if now - start >= self.seconds:
                start, let = now, 0
            if let >= self.most:
                self._kinds[kind] = (start, let, held + 1)
                return False
            self._kinds[kind] = (start, let + 1, 0)
            if len(self._kinds) > 10_000:  # kinds are few; never let them grow without bound
                self._kinds = {kind: self._kinds[kind]}
        if held:  # in place: Python 3.11's filters cannot hand on a changed copy
            record.msg = f"{record.msg} (and {held} more like it, not written)"
        return True


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
    handler.addFilter(Repeats())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level)
    for noisy in ("httpx", "httpcore", "apscheduler", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
