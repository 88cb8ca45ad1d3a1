"""Shared fixtures. The coach's content is loaded once per test run (it is immutable)."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from dialogs.coach import Coach


@pytest.fixture(scope="session")
def coach() -> Coach:
    return Coach.load()


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 24, 8, 30, tzinfo=UTC)


POSTGRES_URL_VARIABLE = "ARMSWING_TEST_POSTGRES_URL"


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

    opened = await Runtime.open(Settings(token="123456:TESTTESTTESTTEST", database_url=database_url), coach)
    yield opened
    await opened.close()
