"""Receipts of processed updates through real storage (SQLite and PostgreSQL): one runner's
receipt never answers another runner or another chat, and a runner's deleted data stays deleted
when Telegram redelivers one of their updates."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.storage.models import Base, ErasedUpdate, ProcessedUpdate
from bot.storage.store import Who
from dialogs.events import Event

START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
ANN = Who(6001, 6001, "Ann")
BEN = Who(6002, 6002, "Ben")


class Runner:
    """One runner's updates with the update ids the test gives them; a minute between messages."""

    def __init__(self, runtime, who):
        self.runtime, self.who, self.now, self.last = runtime, who, START, None

    async def handle(self, event, update_id, who=None):
        self.last = await self.runtime.conversations.handle(who or self.who, event, update_id)
        self.now += timedelta(minutes=1)
        return self.last

    async def say(self, text, update_id, who=None):
        return await self.handle(Event.from_text(text, self.now, self.who.first_name), update_id, who)

    async def tap(self, label, update_id):
        data = next(d for m in self.last.messages for row in m.buttons for text, d in row if text == label)
        return await self.handle(Event.from_button(data, self.now, self.who.first_name), update_id)

    async def start(self, first_update_id):
        for offset, text in enumerate(("/start", "kg", "Berlin")):
            await self.say(text, first_update_id + offset)
        await self.tap("Not now", first_update_id + 3)
        return self


async def rows_of(runtime, user_id):
    """How many rows each table holds about the user (tables without rows left out)."""
    found = {}
    with runtime.store.transaction() as tx:
        for table in Base.metadata.sorted_tables:
            column = table.c.get("user_id") if table.name != "users" else table.c.id
            if column is not None:
                count = tx.connection.scalar(select(func.count()).select_from(table).where(column == user_id))
                if count:
                    found[table.name] = count
    return found


async def test_an_update_reusing_another_runners_update_id_is_handled_for_its_own_runner(runtime):
    ann = await Runner(runtime, ANN).start(1)
    await ann.say("3x12 shoulder press 8kg", 5)
    export = await ann.say("/export", 6)
    assert export.messages[0].file is not None  # Ann's log as CSV

    ben = Runner(runtime, BEN)
    welcome = await ben.say("/start", 1)  # Ann's update ids, one by one
    assert not welcome.repeated and welcome.chat == BEN.chat_id
    assert "Ben" in welcome.messages[0].text and "Ann" not in welcome.messages[0].text
    await ben.say("kg", 2)
    await ben.say("Berlin", 3)
    await ben.tap("Not now", 4)
    theirs = await ben.say("/export", 6)
    assert not theirs.repeated
    assert theirs.messages[0].file is None  # not Ann's CSV: Ben's own, empty log
    assert [m.text for m in theirs.messages] == ["There is nothing to export yet: your log is empty."]
    assert (await rows_of(runtime, BEN.user_id))["processed_updates"] == 5
    assert (await rows_of(runtime, ANN.user_id))["processed_updates"] == 6


async def test_a_receipt_answers_the_chat_its_replies_went_to_only(runtime):
    ann = await Runner(runtime, ANN).start(1)
    await ann.say("3x12 shoulder press 8kg", 5)
    first = await ann.say("/export", 6)
    in_a_group = Who(ANN.user_id, ANN.chat_id, "Ann", group_chat=-100_777)
    again = await ann.say("/export", 6, who=in_a_group)  # the same update id, now as if from a group
    assert again.repeated and [m.text for m in again.messages] == [m.text for m in first.messages]
    assert again.chat == ANN.chat_id  # the CSV goes to Ann's private chat again, never to the group


async def test_a_redelivered_update_after_deletedata_changes_nothing(runtime):
    ann = await Runner(runtime, ANN).start(1)
    logged = await ann.say("3x12 shoulder press 8kg", 5)
    await ann.say("remind me mondays and thursdays at 7pm", 6)
    await ann.tap("Set these reminders", 7)
    await ann.say("/deletedata", 8)
    await ann.tap("Yes, delete everything", 9)
    assert await rows_of(runtime, ANN.user_id) == {}

    for update_id, event in [
        (5, Event.from_text("3x12 shoulder press 8kg", ann.now, "Ann")),
        (1, Event.from_text("/start", ann.now, "Ann")),
        (7, Event.from_button(logged.messages[0].buttons[0][0][1], ann.now, "Ann")),
        (9, Event.from_text("/start", ann.now, "Ann")),
    ]:
        result = await ann.handle(event, update_id)  # Telegram redelivers (a crash, a webhook retry)
        assert result.repeated and result.messages == ()
    assert await rows_of(runtime, ANN.user_id) == {}  # nothing came back, not even the user

    back = await ann.say("/start", 10)  # a new update: Ann comes back and begins fresh
    assert not back.repeated and "Ann" in back.messages[0].text
    assert (await ann.handle(Event.from_text("3x12 shoulder press 8kg", ann.now, "Ann"), 5)).messages == ()
    assert "set_logs" not in await rows_of(runtime, ANN.user_id)

    with runtime.store.transaction() as tx:  # anonymised: a keyed hash and the update id, no content
        erased = tx.connection.execute(select(ErasedUpdate.__table__)).all()
        assert sorted(row.update_id for row in erased) == list(range(1, 10))
        assert {row.user_key for row in erased} == {runtime.store.pseudonym(ANN.user_id)}
        assert str(ANN.user_id) not in runtime.store.pseudonym(ANN.user_id)
        assert tx.connection.scalar(select(func.count()).select_from(ProcessedUpdate)) == 1  # update 10

    # kept as long as Telegram could redeliver, then forgotten with the other receipts
    assert await runtime.store.forget_updates_before(START + timedelta(days=2)) == 10


async def test_an_update_older_than_one_applied_is_late_a_tap_then_does_nothing_a_message_still_counts(runtime):
    """Two replicas may take a runner's updates in the other order. The tap on "Yes, delete
    everything" (update 11) is handled after the set logged by update 12: it does nothing and
    says so. A typed set older still (update 10) is stored: nothing typed is dropped. The newest
    update applied counts only within the redelivery window (Telegram numbers afresh after a
    week without updates)."""
    cy = await Runner(runtime, Who(6003, 6003, "Cy")).start(1)
    card = await cy.say("/deletedata", 9)
    await cy.say("3x12 rows 8kg", 12)
    cy.last = card
    late = await cy.tap("Yes, delete everything", 11)
    assert late.messages == () and "after your newer message" in late.notice
    assert (await cy.say("2x10 curls 6kg", 10)).messages[0].text.startswith("✓ Logged")
    assert (await rows_of(runtime, 6003))["set_logs"] == 5
    cy.last = card
    assert "everything about you is deleted" in (await cy.tap("Yes, delete everything", 13)).messages[0].text

    dan = await Runner(runtime, Who(6004, 6004, "Dan")).start(100)
    dan.now += timedelta(days=8)  # the bot had no updates for a week: ids start again lower
    assert (await dan.say("/deletedata", 5)).messages[0].buttons
    assert not (await dan.tap("Yes, delete everything", 6)).notice
    assert await rows_of(runtime, 6004) == {}
