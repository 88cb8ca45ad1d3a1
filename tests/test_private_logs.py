"""No personal data in the logs, checked under injected faults, with the production formatters
(text and JSON lines) and at DEBUG (the most PTB writes): a statement that fails in the database
(SQLite and PostgreSQL) and an update PTB cannot parse are logged without the runner's id, name
or words."""

import io
import json
import logging

import pytest
from sqlalchemy import text
from support.botapi import chat_payload, message_payload, text_content, user_payload
from support.offline import make_message_update, offline_application

from bot.config import Settings
from bot.logs import configure, formatter
from bot.telegram.application import process

RUNNER, NAME, WORDS = 7_340_918_265, "Zelda Quixotic", "my secret plan for Sunday"
PERSONAL = (str(RUNNER), "Zelda", "Quixotic", "secret plan")


@pytest.fixture(params=["text", "json"])
def lines(request):
    """Every log line, formatted as `bot.logs.configure` formats them with ARMSWING_LOG_FORMAT."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(formatter(request.param, []))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield out
    root.removeHandler(handler)
    root.setLevel(level)
    if request.param == "json":  # one whole object a line, tracebacks included
        objects = [json.loads(line) for line in out.getvalue().splitlines()]
        assert objects and all({"time", "level", "logger", "message"} <= set(o) for o in objects)


@pytest.fixture
async def wired(runtime):
    async with offline_application(runtime) as wired:
        yield wired


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


def test_json_lines_carry_the_traceback_inside_and_mask_the_secrets(capsys):
    token, secret = "123456:TESTjsonTESTjson", "s3cret-Token_value"
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure(Settings(token=token, webhook_secret=secret, log_format="json"))
    try:
        logging.getLogger("bot.test").info("calling https://api.telegram.org/bot%s/getMe", token)
        try:
            raise RuntimeError(f"header {secret} refused")
        except RuntimeError:
            logging.getLogger("bot.test").exception("request failed")
    finally:
        root.handlers[:], root.level = handlers, level
    written = capsys.readouterr().err.splitlines()
    first, second = (json.loads(line) for line in written)
    assert (first["level"], first["logger"]) == ("INFO", "bot.test")
    assert first["message"] == "calling https://api.telegram.org/bot<redacted>/getMe"
    assert second["message"] == "request failed" and second["exc_info"].startswith("Traceback")
    assert "RuntimeError: header <redacted> refused" in second["exc_info"]
    assert token not in "".join(written) and secret not in "".join(written)
