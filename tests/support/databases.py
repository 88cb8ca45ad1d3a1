"""Throw-away databases for tests and benchmarks."""

from __future__ import annotations

from sqlalchemy import text

from bot.database import create_engine


def empty_postgres(url: str) -> str:
    """Drop everything in the database's public schema (it is the tests'), and give the URL back."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url
