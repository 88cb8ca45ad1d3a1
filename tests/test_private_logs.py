"""No personal data in the logs, checked under injected faults, with the production formatter and
at DEBUG (the most PTB writes): a statement that fails in the database (SQLite and PostgreSQL)
and an update PTB cannot parse are logged without the runner's id, name or words."""

import io
import logging

import pytest
from sqlalchemy import text
from support.botapi import FakeTelegram, chat_payload, message_payload, text_content, user_payload
from support.offline import OfflineRequest, make_message_update

from bot.application import build_application, process
from bot.logs import RedactingFormatter

RUNNER, NAME, WORDS = 7_340_918_265, "Zelda Quixotic", "my secret plan for Sunday"
PERSONAL = (str(RUNNER), "Zelda", "Quixotic", "secret plan")


@pytest.fixture
def lines():
    """Every log line, formatted as `bot.logs.configure` formats them."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(RedactingFormatter("%(levelname)s %(name)s: %(message)s", []))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture
async def wired(runtime):
    telegram = FakeTelegram()
    application = build_application(runtime, OfflineRequest(telegram), OfflineRequest(telegram))
    async with application:
        yield application, telegram


def fail_new_users(runtime):
    """A fault in the database: creating a user fails, with a message quoting the row (as a
    constraint's "Failing row contains (…)" does on PostgreSQL)."""
    with runtime.store.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.execute(
                text("CREATE TRIGGER fault BEFORE INSERT ON users BEGIN SELECT RAISE(ABORT, 'injected fault'); END")
            )
            return
        connection.execute(
            text(
                "CREATE FUNCTION fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'injected fault' USING DETAIL = 'Failing row contains (' || NEW.id || ', ' "
                "|| NEW.first_name || ')'; END $$"
            )
        )
        connection.execute(text("CREATE TRIGGER fault BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION fault()"))


async def test_a_failing_statement_is_logged_by_its_name_without_the_runners_data(wired, runtime, lines):
    application, telegram = wired
    fail_new_users(runtime)
    await process(application, make_message_update(501, RUNNER, WORDS, NAME, bot=application.bot))
    logged = lines.getvalue()
    assert telegram.messages(RUNNER)[-1]["text"].startswith("Sorry")  # the fault did happen
    assert not [word for word in PERSONAL if word in logged], logged
    assert "update 501 failed" in logged and "INSERT USERS: " in logged  # still says what failed


async def test_an_update_ptb_cannot_parse_is_logged_without_its_content(wired, lines):
    application, telegram = wired
    user = user_payload(RUNNER, NAME)
    message = message_payload(1, user, chat_payload(RUNNER, user), **text_content(WORDS)) | {"date": 10**12}
    telegram.send_update({"message": message})
    with pytest.raises(ValueError, match="out of range"):
        await application.bot.get_updates(timeout=0)
    logged = lines.getvalue()
    assert "Error while parsing updates" in logged
    assert not [word for word in PERSONAL if word in logged], logged
