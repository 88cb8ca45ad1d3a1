"""The outbox through real storage (SQLite and PostgreSQL): replies written with the event's
transaction, claimed by the process that committed them, taken over by another process once
that claim lapses, deleted once sent, and given up after `MAX_CLAIMS` claims (a crash loop)."""

from datetime import UTC, datetime
from functools import partial

from sqlalchemy import func, select

from bot.message import Message
from bot.storage import outbox, sessions
from bot.storage.models import MessageRef, OutboxEntry
from bot.storage.store import Who
from dialogs.events import Event

START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
ANN = Who(6101, 6101, "Ann")


async def entries(runtime):
    with runtime.store.transaction() as tx:
        return tx.connection.scalar(select(func.count()).select_from(OutboxEntry))


async def test_replies_are_written_with_the_event_and_claimed_by_the_process_that_committed(runtime):
    result = await runtime.conversations.handle(ANN, Event.from_text("/start", START, "Ann"), 1, outbox=True)
    assert result.outbox is not None and await entries(runtime) == 1
    claimed = await runtime.store.run(outbox.claim, START)  # still claimed: nobody else takes it
    assert claimed == outbox.Claimed([], [], [])
    redelivered = await runtime.conversations.handle(ANN, Event.from_text("/start", START, "Ann"), 1, outbox=True)
    assert redelivered.repeated and redelivered.outbox is None  # a repeat adds nothing to send
    assert await entries(runtime) == 1

    later = START + outbox.LEASE * 2  # the process died: its claim lapsed
    claimed = await runtime.store.run(outbox.claim, later)
    [entry] = claimed.taken
    assert entry.id == result.outbox and entry.chat_id == ANN.chat_id
    assert [m["text"] for m in entry.messages] == [m.text for m in result.messages]
    finish = partial(outbox.finish, done=[entry.id], refs=[(ANN.user_id, ANN.chat_id, 77, "entry:x")])
    await runtime.store.run(finish, later)
    assert await entries(runtime) == 0
    with runtime.store.transaction() as tx:
        assert tx.connection.scalar(select(MessageRef.ref).where(MessageRef.user_id == ANN.user_id)) == "entry:x"


async def test_an_entry_is_claimed_at_most_max_claims_times_then_given_up(runtime):
    """A process that dies every time it is about to mark a reply sent (a crash loop) would send
    it again at every start: after MAX_CLAIMS claims the entry is given up instead."""
    result = await runtime.conversations.handle(ANN, Event.from_text("/start", START, "Ann"), 1, outbox=True)
    moment, claims = START, 1  # the first claim: the process that committed it
    while True:
        moment += outbox.LEASE * 2
        claimed = await runtime.store.run(outbox.claim, moment)
        if claimed.given_up:
            break
        assert [entry.id for entry in claimed.taken] == [result.outbox]
        claims += 1
    assert claims == outbox.MAX_CLAIMS and [entry.id for entry in claimed.given_up] == [result.outbox]
    assert await entries(runtime) == 0


async def test_a_lapsed_entry_is_dropped_once_the_runner_moved_on(runtime):
    """Its process may have sent it before dying: sent again after a newer reply, its card would
    come back below the current one with stale buttons. Dropped, unless it is still the newest."""
    first = await runtime.conversations.handle(ANN, Event.from_text("/start", START, "Ann"), 1, outbox=True)
    later = START + outbox.LEASE * 2
    newer = await runtime.conversations.handle(ANN, Event.from_text("kg", later, "Ann"), 2, outbox=True)
    claimed = await runtime.store.run(outbox.claim, later + outbox.LEASE * 2)  # both lapsed
    assert [e.id for e in claimed.superseded] == [first.outbox] and [e.id for e in claimed.taken] == [newer.outbox]
    assert await entries(runtime) == 1  # the superseded one is gone


async def test_a_lapsed_entry_is_dropped_after_a_timer_rang_for_the_runner(runtime):
    """A rest alert rung by another process moves the conversation on without an update."""
    first = await runtime.conversations.handle(ANN, Event.from_text("/start", START, "Ann"), 1, outbox=True)
    with runtime.store.transaction(START + outbox.LEASE) as tx:  # what a ringing timer's save leaves
        sessions.save_session(tx, ANN, sessions.load_session(tx, ANN), before=sessions.load_session(tx, ANN))
    claimed = await runtime.store.run(outbox.claim, START + outbox.LEASE * 2)
    assert [e.id for e in claimed.superseded] == [first.outbox] and claimed.taken == []


async def test_the_reply_to_deletedata_survives_the_deletion_and_refs_of_a_deleted_user_are_dropped(runtime):
    who, now = Who(6102, 6102, "Ben"), START
    for update_id, text in enumerate(("/start", "kg", "Berlin", "/deletedata"), start=1):
        last = await runtime.conversations.handle(who, Event.from_text(text, now, "Ben"), update_id, outbox=True)
    data = next(d for m in last.messages for row in m.buttons for label, d in row if label.startswith("Yes"))
    gone = await runtime.conversations.handle(who, Event.from_button(data, now, "Ben"), 5, outbox=True)
    assert gone.outbox is not None
    with runtime.store.transaction() as tx:
        rows = tx.connection.execute(select(OutboxEntry.id).where(OutboxEntry.user_id == who.user_id)).all()
    assert gone.outbox in {row.id for row in rows}  # the confirmation still goes out
    refs = [(who.user_id, who.chat_id, 5, "entry:y")]
    await runtime.store.run(partial(outbox.finish, done=[r.id for r in rows], refs=refs), now)
    assert await entries(runtime) == 0


async def test_an_entry_keeps_how_to_make_its_file_and_the_file_is_not_made_once_the_log_is_gone(runtime):
    """A reply's file (the /export CSV) is not in the outbox: a process that sends the entry
    after a crash makes it again from the runner's log, and nothing once that log was deleted."""
    who, now = Who(6103, 6103, "Cy"), START
    for update_id, text in enumerate(("/start", "kg", "Berlin", "3x12 shoulder press 8kg", "/export"), start=1):
        last = await runtime.conversations.handle(who, Event.from_text(text, now, "Cy"), update_id, outbox=True)
    claimed = await runtime.store.run(outbox.claim, now + outbox.LEASE * 2)
    [entry] = [e for e in claimed.taken if e.id == last.outbox]
    stored = entry.messages[0]  # then the set-up's days card again
    assert "file" not in stored and stored["recipe"]["file"] == "export"
    recipe = Message.from_json(stored).recipe
    made = await runtime.conversations.file(who.user_id, None, recipe)
    assert made.kind == "document" and made.content.splitlines()[1].endswith(b"Shoulder press,1,12,8,kg,8")

    data = next(
        d
        for m in (await runtime.conversations.handle(who, Event.from_text("/deletedata", now, "Cy"), 6)).messages
        for row in m.buttons
        for label, d in row
        if label.startswith("Yes")
    )
    await runtime.conversations.handle(who, Event.from_button(data, now, "Cy"), 7)
    assert await runtime.conversations.file(who.user_id, None, recipe) is None
