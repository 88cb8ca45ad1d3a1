"""Settings from the environment: every malformed value stops the start with one line naming the
variable, secrets may come from files, and database URLs are read as operators write them."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.storage.database import sync_url

TOKEN = "123456:TESTTESTTESTTEST"


@pytest.fixture
def environment(monkeypatch):
    """The process environment without any Armswing variable; returns a setter."""
    for name in Settings.variables():
        monkeypatch.delenv(name, raising=False)

    def set_(**values: str) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_


# (variables, the variable the error must name, a phrase of the error)
MALFORMED = [
    ({"TELEGRAM_WEBHOOK_PORT": "80a"}, "TELEGRAM_WEBHOOK_PORT", "valid integer"),
    ({"TELEGRAM_WEBHOOK_PORT": "0"}, "TELEGRAM_WEBHOOK_PORT", "greater than or equal to 1"),
    ({"TELEGRAM_WEBHOOK_PORT": "70000"}, "TELEGRAM_WEBHOOK_PORT", "less than or equal to 65535"),
    ({"TELEGRAM_WEBHOOK_PORT": "-1"}, "TELEGRAM_WEBHOOK_PORT", "greater than or equal to 1"),
    ({"TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "0"}, "TELEGRAM_WEBHOOK_MAX_CONNECTIONS", "greater than or equal to 1"),
    ({"TELEGRAM_WEBHOOK_MAX_CONNECTIONS": "101"}, "TELEGRAM_WEBHOOK_MAX_CONNECTIONS", "less than or equal to 100"),
    ({"ARMSWING_SEND_RATE": "abc"}, "ARMSWING_SEND_RATE", "valid number"),
    ({"ARMSWING_SEND_RATE": "0"}, "ARMSWING_SEND_RATE", "greater than 0"),
    ({"ARMSWING_SEND_RATE": "inf"}, "ARMSWING_SEND_RATE", "finite number"),
    ({"ARMSWING_SEND_RATE": "nan"}, "ARMSWING_SEND_RATE", "finite number"),
    ({"ARMSWING_REMINDER_RATE": "-3"}, "ARMSWING_REMINDER_RATE", "greater than 0"),
    ({"ARMSWING_REMINDER_RATE": "40"}, "ARMSWING_REMINDER_RATE", "must not exceed ARMSWING_SEND_RATE"),
    ({"ARMSWING_SEND_RATE": "10", "ARMSWING_REMINDER_RATE": "12"}, "ARMSWING_REMINDER_RATE", "must not exceed"),
    ({"ARMSWING_REMINDER_TICK_SECONDS": "-20"}, "ARMSWING_REMINDER_TICK_SECONDS", "greater than 0"),
    ({"ARMSWING_REMINDER_TICK_SECONDS": "20s"}, "ARMSWING_REMINDER_TICK_SECONDS", "valid number"),
    ({"ARMSWING_LOG_LEVEL": "verbose"}, "ARMSWING_LOG_LEVEL", "'DEBUG', 'INFO'"),
    ({"ARMSWING_LOG_FORMAT": "xml"}, "ARMSWING_LOG_FORMAT", "'text' or 'json'"),
    ({"ARMSWING_HEALTH_PORT": "8081x"}, "ARMSWING_HEALTH_PORT", "valid integer"),
    ({"ARMSWING_HEALTH_PORT": "-1"}, "ARMSWING_HEALTH_PORT", "greater than or equal to 0"),
    ({"TELEGRAM_BOT_MODE": "push"}, "TELEGRAM_BOT_MODE", "'polling' or 'webhook'"),
    ({"ARMSWING_HTTP_CLIENT": "requests"}, "ARMSWING_HTTP_CLIENT", "'aiohttp' or 'httpx'"),
    ({"ARMSWING_HTTP_POOL_SIZE": "0"}, "ARMSWING_HTTP_POOL_SIZE", "greater than 0"),
    ({"ARMSWING_HTTP_POOL_SIZE": "8.5"}, "ARMSWING_HTTP_POOL_SIZE", "valid integer"),
    ({"ARMSWING_GROUP_CHATS": "12345"}, "ARMSWING_GROUP_CHATS", "negative numbers"),
    ({"ARMSWING_GROUP_CHATS": "-100abc"}, "ARMSWING_GROUP_CHATS", "negative numbers"),
    ({"ARMSWING_GROUP_CHATS": "-1;-2"}, "ARMSWING_GROUP_CHATS", "negative numbers"),
    ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN", "does not look like a bot token"),
    ({"TELEGRAM_WEBHOOK_SECRET": "has spaces in it"}, "TELEGRAM_WEBHOOK_SECRET", "A-Z, a-z, 0-9, _ and -"),
    ({"TELEGRAM_WEBHOOK_URL": "bot.example.com/telegram"}, "TELEGRAM_WEBHOOK_URL", "must be a URL"),
    ({"TELEGRAM_BOT_TOKEN_FILE": "/nonexistent/token"}, "TELEGRAM_BOT_TOKEN_FILE", "cannot read /nonexistent"),
    ({"DATABASE_URL_FILE": "/nonexistent/url"}, "DATABASE_URL_FILE", "cannot read"),
    (
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_BOT_TOKEN_FILE": __file__},
        "TELEGRAM_BOT_TOKEN and TELEGRAM_BOT_TOKEN_FILE",
        "set one",
    ),
]


@pytest.mark.parametrize(("values", "name", "phrase"), MALFORMED, ids=[" ".join(case[0]) for case in MALFORMED])
def test_every_malformed_setting_stops_the_start_naming_the_variable(environment, values, name, phrase):
    environment(**values)
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(dotenv=None)
    message = str(raised.value)
    assert name in message and phrase in message
    assert "\n" not in message


def test_secrets_are_never_quoted_in_errors(environment):
    environment(TELEGRAM_BOT_TOKEN="123456:short", TELEGRAM_WEBHOOK_SECRET="bad secret!")
    with pytest.raises(ConfigError) as raised:
        Settings.from_env(dotenv=None)
    assert "123456:short" not in str(raised.value) and "bad secret!" not in str(raised.value)
    assert "TELEGRAM_BOT_TOKEN" in str(raised.value) and "TELEGRAM_WEBHOOK_SECRET" in str(raised.value)


@pytest.mark.parametrize(
    ("values", "name", "command"),
    [
        ({"TELEGRAM_WEBHOOK_PORT": "80a"}, "TELEGRAM_WEBHOOK_PORT", ["run"]),
        ({"ARMSWING_LOG_LEVEL": "verbose"}, "ARMSWING_LOG_LEVEL", []),
        ({"ARMSWING_SEND_RATE": "abc"}, "ARMSWING_SEND_RATE", ["chat"]),
        ({"ARMSWING_REMINDER_RATE": "31"}, "ARMSWING_REMINDER_RATE", ["run"]),
        ({"TELEGRAM_WEBHOOK_SECRET_FILE": "/nonexistent/secret"}, "TELEGRAM_WEBHOOK_SECRET_FILE", ["db", "upgrade"]),
    ],
)
def test_the_real_entry_point_says_one_line_and_exits_without_a_traceback(tmp_path, values, name, command):
    env = {key: value for key, value in os.environ.items() if key not in Settings.variables()}
    env.update(values, TELEGRAM_BOT_TOKEN=TOKEN, DATABASE_URL=f"sqlite:///{tmp_path / 'a.sqlite3'}")
    done = subprocess.run(
        [str(Path(sys.executable).with_name("armswing")), *command],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"armswing: {name}") and done.stderr.count("\n") == 1, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert not (tmp_path / "a.sqlite3").exists()  # stopped before anything was opened


def test_valid_values_are_read_with_their_types(environment):
    environment(
        TELEGRAM_BOT_MODE=" Webhook ",
        TELEGRAM_WEBHOOK_PORT="8443",
        TELEGRAM_WEBHOOK_PATH="/hook/",
        TELEGRAM_WEBHOOK_MAX_CONNECTIONS="1",
        ARMSWING_LOG_LEVEL="debug",
        ARMSWING_SEND_RATE="10",
        ARMSWING_REMINDER_RATE="10",
        ARMSWING_REMINDER_TICK_SECONDS="0.5",
        ARMSWING_HTTP_CLIENT="AIOHTTP",
        ARMSWING_GROUP_CHATS="-100123, -4567",
        ARMSWING_HTTP_POOL_SIZE="",  # empty means the default
    )
    settings = Settings.from_env(dotenv=None)
    assert (settings.mode, settings.webhook_port, settings.webhook_path, settings.log_level) == (
        "webhook",
        8443,
        "hook",
        "DEBUG",
    )
    assert settings.webhook_max_connections == 1
    assert (settings.send_rate, settings.reminder_rate, settings.reminder_tick_seconds) == (10.0, 10.0, 0.5)
    assert (settings.http_client, settings.pool_size) == ("aiohttp", 128)
    assert settings.group_chats == frozenset({-100123, -4567})
    assert settings.problems() == [
        "TELEGRAM_BOT_TOKEN is not set",
        "TELEGRAM_WEBHOOK_URL is required in webhook mode",
        "TELEGRAM_WEBHOOK_SECRET is required in webhook mode",
    ]


def test_the_environment_wins_over_the_dotenv_file(environment, tmp_path):
    dotenv = tmp_path / ".env"
    dotenv.write_text("ARMSWING_SEND_RATE=12\nARMSWING_REMINDER_RATE=5\n")
    environment(ARMSWING_SEND_RATE="20")
    settings = Settings.from_env(dotenv=dotenv)
    assert (settings.send_rate, settings.reminder_rate) == (20.0, 5.0)
    dotenv.write_text("TELEGRAM_WEBHOOK_PORT=80a\n")  # the file is checked as strictly
    with pytest.raises(ConfigError, match="TELEGRAM_WEBHOOK_PORT"):
        Settings.from_env(dotenv=dotenv)


def test_secrets_come_from_files_as_compose_secrets_and_systemd_credentials_provide_them(environment, tmp_path):
    for name, value in [("token", TOKEN), ("secret", "s3cret-Token_value"), ("url", "postgresql://u:p@db/a")]:
        (tmp_path / name).write_text(value + "\n")  # the trailing newline of `echo … > file` is dropped
    environment(
        TELEGRAM_BOT_TOKEN_FILE=str(tmp_path / "token"),
        TELEGRAM_WEBHOOK_SECRET_FILE=str(tmp_path / "secret"),
        DATABASE_URL_FILE=str(tmp_path / "url"),
    )
    settings = Settings.from_env(dotenv=None)
    assert (settings.token, settings.webhook_secret, settings.database_url) == (
        TOKEN,
        "s3cret-Token_value",
        "postgresql://u:p@db/a",
    )
    assert TOKEN not in repr(settings) and "s3cret" not in repr(settings) and "u:p@" not in repr(settings)


def test_a_secret_file_is_checked_like_the_variable(environment, tmp_path):
    (tmp_path / "token").write_text("hello\n")
    environment(TELEGRAM_BOT_TOKEN_FILE=str(tmp_path / "token"))
    with pytest.raises(ConfigError, match="TELEGRAM_BOT_TOKEN: does not look like a bot token"):
        Settings.from_env(dotenv=None)


def test_no_group_chat_without_the_setting(environment):
    assert Settings.from_env(dotenv=None).group_chats == frozenset()


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
