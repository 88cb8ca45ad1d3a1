"""Settings from the environment, and database URLs as operators write them."""

import pytest

from bot.config import Settings
from bot.database import sync_url


def test_group_chats_are_read_from_a_comma_separated_list():
    settings = Settings.from_env(environ={"ARMSWING_GROUP_CHATS": "-100123, -4567"}, dotenv=None)
    assert settings.group_chats == frozenset({-100123, -4567}) and settings.problems() == [
        "TELEGRAM_BOT_TOKEN is not set"
    ]
    assert Settings.from_env(environ={}, dotenv=None).group_chats == frozenset()


@pytest.mark.parametrize("value", ["12345", "-100abc", "all", "-1;-2"])
def test_a_wrong_group_chat_list_is_reported_and_allows_no_group(value):
    settings = Settings.from_env(environ={"ARMSWING_GROUP_CHATS": value}, dotenv=None)
    assert settings.group_chats == frozenset()
    assert any("ARMSWING_GROUP_CHATS" in problem for problem in settings.problems())


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///armswing.sqlite3", "sqlite+pysqlite:///armswing.sqlite3"),
        ("sqlite+aiosqlite:////data/a.sqlite3", "sqlite+pysqlite:////data/a.sqlite3"),
        ("postgresql://u:p%40ss@db:5432/armswing", "postgresql+psycopg://u:p%40ss@db:5432/armswing"),
        ("postgresql+asyncpg://u:p@db/armswing", "postgresql+psycopg://u:p@db/armswing"),
    ],
)
def test_database_urls_get_the_driver_armswing_uses(url, expected):
    assert sync_url(url) == expected


def test_an_unsupported_database_is_refused():
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        sync_url("mysql://u:p@db/armswing")
