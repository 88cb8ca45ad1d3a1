"""Connecting to the database and bringing its schema up to date.

The database is reached with SQLAlchemy's synchronous engine, from worker threads (`bot.storage.store`):
a whole event's transaction runs in one call on one thread, instead of one hop between the event
loop and a driver thread per statement.

SQLite (the default, for one runner on a laptop) gets WAL, `synchronous=FULL` (a confirmed set
survives a power cut), a busy timeout (5 s, or `?timeout=` seconds in the URL: a transaction that
waited that long for another process's lock fails as `bot.storage.store.Unavailable`, and its update comes
again), foreign keys and `BEGIN IMMEDIATE`, so a transaction that
reads and then writes never fails half-way because another process wrote first. PostgreSQL is
reached with psycopg 3 and used as it is; a pooled connection is checked before use only when it
sat unused for a while (`_check_when_idle`).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, event, text
from sqlalchemy import create_engine as sqlalchemy_engine
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 7_303_001  # PostgreSQL advisory lock id: replicas starting together migrate one at a time
POOL_SIZE = 4  # PostgreSQL connections, one per database thread: more threads fight over the GIL (10: -25 %)
SQLITE_BUSY_TIMEOUT = 5.0  # seconds a transaction waits for another process's write lock
DRIVERS = {"sqlite": "sqlite+pysqlite", "postgresql": "postgresql+psycopg"}
IDLE_CHECK = 1.0  # seconds a PostgreSQL connection may sit in the pool before it is checked on checkout


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sync_url(url: str) -> str:
    """The URL with the driver Armswing uses. Any driver named in DATABASE_URL is replaced, so
    `postgresql://…` and older settings (`sqlite+aiosqlite://…`, `postgresql+asyncpg://…`) work."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend not in DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return parsed.set(drivername=DRIVERS[backend]).render_as_string(hide_password=False)


def create_engine(url: str) -> Engine:
    """`hide_parameters`: a failing statement's error never quotes the runner's values (`bot.logs`)."""
    url = sync_url(url)
    if not is_sqlite(url):
        engine = sqlalchemy_engine(url, pool_size=POOL_SIZE, max_overflow=0, hide_parameters=True)
        _check_when_idle(engine)
        return engine
    # One connection, used by one database thread: SQLite has one writer at a time anyway, and
    # queueing for the thread is cheaper than retrying on "database is locked".
    timeout = {} if "timeout" in make_url(url).query else {"timeout": SQLITE_BUSY_TIMEOUT}
    engine = sqlalchemy_engine(
        url, pool_size=1, max_overflow=0, connect_args={"check_same_thread": False} | timeout, hide_parameters=True
    )

    @event.listens_for(engine, "connect")
    def _configure(dbapi_connection: Any, _record: object) -> None:
        dbapi_connection.isolation_level = None  # let the "begin" hook below issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def _check_when_idle(engine: Engine) -> None:
    """A connection that sat in the pool longer than `IDLE_CHECK` is pinged (`SELECT 1`) before it
    is handed out, and replaced if the server does not answer (it restarted, or closed the
    connection as idle). SQLAlchemy's `pool_pre_ping` pings at every checkout, and every event is
    one: a round trip per event. A connection in steady use has just shown that it works; if the
    server goes away under it anyway, the event that meets it fails as `bot.storage.store.Unavailable`
    (its update comes again) and SQLAlchemy replaces every connection of the pool, as it would for
    a statement failing in the middle of a transaction."""

    @event.listens_for(engine, "checkin")
    def _idle_since(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection) -> None:
        if time.monotonic() - record.info.get("idle_since", time.monotonic()) < IDLE_CHECK:
            return  # used just now, or connected just now
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError from error  # the pool connects anew and tries again


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply the Alembic migrations up to `revision` (the only way the schema changes)."""
    with engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK})
        command.upgrade(config, revision)
