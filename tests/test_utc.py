"""One rule for making a time UTC: `scheduler.policy.utc` in code, `bot.storage.models.UTCDateTime` at
the database, whichever database and whatever its session's time zone."""

from datetime import UTC, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select
from sqlalchemy.exc import StatementError

from bot.storage.database import create_engine, is_sqlite
from bot.storage.models import UTCDateTime
from scheduler.policy import utc, wall_to_utc

TOKYO = timezone(timedelta(hours=9))


def test_an_aware_time_is_converted_and_a_naive_one_refused():
    assert utc(datetime(2026, 12, 3, 18, 0, tzinfo=TOKYO)) == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    assert utc(datetime(2026, 12, 3, 18, 0, tzinfo=TOKYO)).tzinfo is UTC
    with pytest.raises(ValueError, match="aware"):
        utc(datetime(2026, 12, 3, 18, 0))  # astimezone would read it as the server's local time


def test_a_wall_time_in_a_spring_forward_gap_is_the_first_minute_after_it():
    berlin = ZoneInfo("Europe/Berlin")
    assert wall_to_utc(datetime(2026, 3, 29).date(), time(2, 30), berlin) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_the_database_gives_every_moment_back_in_utc(database_url):
    engine = create_engine(database_url)
    table = Table("moments", MetaData(), Column("id", Integer, primary_key=True), Column("at", UTCDateTime()))
    table.metadata.create_all(engine)
    written = datetime(2026, 12, 3, 18, 30, tzinfo=TOKYO)
    try:
        with engine.begin() as connection:
            if not is_sqlite(database_url):
                connection.exec_driver_sql("SET TIME ZONE 'America/Los_Angeles'")  # the server's, not ours
            connection.execute(insert(table).values(id=1, at=written))
            read = connection.execute(select(table.c.at).where(table.c.at == written)).scalar_one()
        assert read == written and read.tzinfo is UTC
        with pytest.raises(StatementError, match="aware"), engine.begin() as connection:
            connection.execute(insert(table).values(id=2, at=datetime(2026, 12, 3, 18, 30)))
    finally:
        table.metadata.drop_all(engine)
        engine.dispose()
