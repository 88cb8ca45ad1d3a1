"""Shared fixtures. The coach's content is loaded once per test run (it is immutable)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from dialogs.coach import Coach

TEST_TOKEN = "123456:TESTTESTTESTTEST"
# Every token and webhook secret the tests give the bot (the e2e tests check their processes' logs).
SECRETS = (TEST_TOKEN, "123456:TEST-armswing", "s3cret-Token_value")


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))  # raw: no redaction to hide behind
        self.leaks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        line = self.format(record)
        if any(secret in line for secret in SECRETS):
            self.leaks.append(line)


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_any_log_line():
    """Every log line of the in-process tests, at the production levels (INFO; httpx at
    WARNING), formatted without the redacting formatter: none may carry a token or secret."""
    lines, root = _Lines(), logging.getLogger()
    level = root.level
    root.addHandler(lines)
    root.setLevel(logging.INFO)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    yield
    root.removeHandler(lines)
    root.setLevel(level)
    assert not lines.leaks, f"a secret reached the log: {lines.leaks[:3]}"


@pytest.fixture(scope="session")
def coach() -> Coach:
    return Coach.load()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 24, 8, 30, tzinfo=UTC)


POSTGRES_URL_VARIABLE = "ARMSWING_TEST_POSTGRES_URL"


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist every worker gets a PostgreSQL database of its own (`<db>_gw0`, …),
    created on first use, so that workers emptying "their" database do not empty each other's."""
    import os

    worker, url = os.environ.get("PYTEST_XDIST_WORKER"), os.environ.get(POSTGRES_URL_VARIABLE)
    if worker and url:
        from support.databases import database_of_its_own

        os.environ[POSTGRES_URL_VARIABLE] = database_of_its_own(url, worker)


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, and PostgreSQL when ARMSWING_TEST_POSTGRES_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'armswing.sqlite3'}"
        return
    import os

    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if not url:
        pytest.skip(f"{POSTGRES_URL_VARIABLE} is not set")
    from support.databases import empty_postgres

    yield empty_postgres(url)


@pytest.fixture
async def runtime(database_url, coach):
    from bot.config import Settings
    from bot.runtime import Runtime

    opened = await Runtime.open(Settings(token=TEST_TOKEN, database_url=database_url), coach)
    yield opened
    await opened.close()
