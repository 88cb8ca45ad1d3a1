"""Conversations through real storage: saved after every event, continued after a restart,
redelivered updates applied once, every user kept apart."""

import asyncio
import json
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.config import Settings
from bot.runtime import Runtime
from bot.storage import sessions
from bot.storage.models import Base, ProcessedUpdate
from bot.storage.store import Who
from dialogs.events import Event

ANN = Who(1001, 1001, "Ann")
BEN = Who(1002, 1002, "Ben")
NOW = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)


def said(text):
    return Event.from_text(text, NOW, "Ann")


async def test_onboarding_survives_a_restart(runtime, database_url, coach):
    await runtime.conversations.handle(ANN, said("/start"), update_id=1)
    await runtime.conversations.handle(ANN, said("kg"), update_id=2)
    await runtime.close()

    restarted = await Runtime.open(Settings(database_url=database_url), coach)
    try:
        result = await restarted.conversations.handle(ANN, said("Berlin"), update_id=3)
        assert "weights in <b>kg</b>" in result.messages[0].text
        assert "Europe/Berlin" in result.messages[0].text
    finally:
        await restarted.close()


async def test_a_redelivered_update_changes_nothing_and_gets_the_same_replies(runtime):
    first = await runtime.conversations.handle(ANN, said("/start"), update_id=7)
    again = await runtime.conversations.handle(ANN, said("/start"), update_id=7)
    assert again.repeated and again.messages == first.messages
    following = await runtime.conversations.handle(ANN, said("/start"), update_id=8)
    assert [m.text for m in following.messages] != [
        m.text for m in first.messages
    ]  # still at units, not welcomed twice
    with runtime.store.transaction(NOW) as tx:
        assert tx.db.scalar(select(func.count()).select_from(ProcessedUpdate)) == 2


async def test_users_are_kept_apart(runtime):
    await runtime.conversations.handle(ANN, said("/start"))
    await runtime.conversations.handle(ANN, said("lb"))
    result = await runtime.conversations.handle(BEN, Event.from_text("/settings", NOW, "Ben"))
    assert "Units: not set" in result.messages[0].text
    with runtime.store.transaction(NOW) as tx:
        assert (sessions.load_session(tx, ANN)).profile.units == "lb"
        assert (sessions.load_session(tx, BEN)).profile.units is None


async def test_many_users_at_once_all_commit(runtime):
    users = [Who(5000 + i, 5000 + i, f"U{i}") for i in range(40)]
    await asyncio.gather(*(runtime.conversations.handle(u, said("/start"), update_id=u.user_id) for u in users))
    with runtime.store.transaction(NOW) as tx:
        states = [(sessions.load_session(tx, u)).state for u in users]
    assert states == ["onboarding:units"] * len(users)


async def test_old_update_ids_are_forgotten(runtime):
    await runtime.conversations.handle(ANN, said("/start"), update_id=11)
    assert await runtime.store.forget_updates_before(datetime(2026, 11, 23, tzinfo=UTC)) == 0
    assert await runtime.store.forget_updates_before(datetime(2026, 11, 25, tzinfo=UTC)) == 1


async def test_models_and_migrations_agree(runtime):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    def differences(connection):
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)

    with runtime.store.engine.connect() as connection:
        assert differences(connection) == []


def test_a_conversation_stored_before_the_dialog_column_was_renamed_survives_the_upgrade(database_url):
    from sqlalchemy import text

    from bot.storage.database import create_engine, upgrade

    engine = create_engine(database_url)
    upgrade(engine, "0010")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO users (id, chat_id, first_name, record, created_at) VALUES (1, 1, 'Ann', '{}', :now)"),
            {"now": datetime.now(UTC)},
        )
        connection.execute(
            text("INSERT INTO conversations (user_id, version, state, updated_at) VALUES (1, 3, :dialog, :now)"),
            {"dialog": '{"flow": "workout", "state": "workout:rest"}', "now": datetime.now(UTC)},
        )
    upgrade(engine)
    with engine.begin() as connection:
        version, dialog = connection.execute(text("SELECT version, dialog FROM conversations")).one()
    engine.dispose()
    assert version == 3
    assert (json.loads(dialog) if isinstance(dialog, str) else dialog)["state"] == "workout:rest"
