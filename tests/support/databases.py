"""Throw-away databases for tests and benchmarks."""

from __future__ import annotations

from sqlalchemy import make_url, text

from bot.storage.database import create_engine


def empty_postgres(url: str) -> str:
    """Drop everything in the database's public schema (it is the tests'), and give the URL back."""
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url


def database_of_its_own(url: str, suffix: str) -> str:
    """The URL of database `<db>_<suffix>` on the same server, created when it does not exist."""
    original = make_url(url)
    name = f"{original.database or 'postgres'}_{suffix}"
    engine = create_engine(url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).first()
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return original.set(database=name).render_as_string(hide_password=False)
