"""The logbook through the real PTB `Application`: /export sends a CSV document, /progress a
photo with its summary as the caption, a Telegram reply to a log's card corrects that entry, and
so does an edit of the message that logged it; a log that names a day is stored on that day."""

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from support.botapi import chat_payload, message_payload, user_payload
from support.offline import make_edited_message_update, make_message_update
from telegram import Update
from test_wiring import Chat, handled, wired  # noqa: F401 — `wired` is the fixture

from bot.storage.store import Who
from dialogs.events import Event


async def _set_up(chat):
    for text in ("/start", "kg", "Berlin"):
        await chat.send(text)
    await chat.tap("Not now")


async def test_a_slow_export_keeps_saying_a_file_is_on_its_way_until_it_is_sent(wired, runtime, monkeypatch):  # noqa: F811
    from bot.telegram import replies

    application, telegram = wired
    chat = Chat(application, telegram, user_id=4802)
    await _set_up(chat)
    await chat.send("3x12 shoulder press 8kg")
    files = runtime.conversations.files
    make = files.make

    async def slow(*args, **kwargs):  # a worker that takes its time (a long log, a busy machine)
        made = await make(*args, **kwargs)
        await asyncio.sleep(0.5)
        return made

    monkeypatch.setattr(files, "make", slow)
    monkeypatch.setattr(replies, "PREPARING_EVERY", 0.1)
    await chat.send("/export")
    actions = [c for c in telegram.calls() if c["method"] in ("sendChatAction", "sendDocument")]
    assert [c["method"] for c in actions][-1] == "sendDocument"
    said = [c["params"]["action"] for c in actions[:-1]]
    assert len(said) >= 4 and set(said) == {"upload_document"}
    assert {c["params"]["chat_id"] for c in actions} == {4802}


async def test_export_sends_a_csv_document_and_progress_a_photo(wired, runtime):  # noqa: F811
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4801)
    await _set_up(chat)
    await chat.send("3x12 shoulder press 8kg")
    await chat.send("rows 3 sets of 15 with 10 lb")

    await chat.send("/export")
    [call] = telegram.calls("sendDocument")
    assert call["params"]["parse_mode"] == "HTML"
    [document] = telegram.uploads(4801)
    assert document.filename.startswith("armswing-log-") and document.filename.endswith(".csv")
    assert document.content_type == "text/csv"
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8"), newline="")))
    assert rows[0] == ["date", "timezone", "workout_id", "exercise", "set", "reps", "weight", "unit", "weight_kg"]
    assert [row[3:] for row in rows[1:]] == [["Shoulder press", str(n), "12", "8", "kg", "8"] for n in (1, 2, 3)] + [
        ["Bent-over row", str(n), "15", "4.54", "kg", "4.54"] for n in (1, 2, 3)
    ]
    assert {row[1] for row in rows[1:]} == {"Europe/Berlin"}
    assert telegram.messages(4801)[-1]["caption"].startswith("Your log: 6 sets")
    assert {c["params"]["action"] for c in telegram.calls("sendChatAction")} == {"upload_document"}

    await chat.send("/progress")  # one session: no chart yet, but what it will show and when
    assert not telegram.calls("sendPhoto")
    assert "Your chart comes with your next session" in telegram.messages(4801)[-1]["text"]

    earlier = datetime.now(UTC) - timedelta(days=3)  # a session three days ago
    await runtime.conversations.handle(Who(4801, 4801, "Ann"), Event.from_text("3x12 shoulder press 7kg", earlier))
    await chat.send("/progress")
    [call] = telegram.calls("sendPhoto")
    actions = [c["params"]["action"] for c in telegram.calls("sendChatAction")]
    assert list(dict.fromkeys(actions)) == ["upload_document", "upload_photo"]  # again every 4 s if slow
    assert telegram.calls("sendChatAction")[-1]["params"]["chat_id"] == 4801
    photo = telegram.uploads(4801)[-1]
    assert photo.content.startswith(b"\x89PNG")
    sent = telegram.messages(4801)[-1]
    assert sent["photo"][0]["width"] >= 1000
    assert sent["caption"].startswith("Your progress · last 12 weeks\n• Shoulder press — 12 @ 8 kg · ↑ 1 kg")


async def test_a_reply_to_a_card_corrects_that_entry(wired):  # noqa: F811
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4802)
    await _set_up(chat)
    await chat.send("3x12 shoulder press 8kg")
    card = telegram.messages(4802)[-1]
    await chat.send("lateral raises 15")
    assert card["text"].startswith("✓ Logged Shoulder press — 3 × 12 @ 8 kg")

    user = user_payload(4802, "Ann")
    reply = message_payload(Chat.next_update, user, chat_payload(4802, user), text="3x10 @ 9", reply_to_message=card)
    Chat.next_update += 1
    await handled(application, Update.de_json({"update_id": Chat.next_update, "message": reply}, application.bot))
    assert chat.texts()[-1].startswith("✓ Corrected: Shoulder press — 3 × 10 @ 9 kg")

    await chat.send("/history")
    assert "• Lateral raise — 1 × 15\n• Shoulder press — 3 × 10 @ 9 kg" in chat.texts()[-1]  # newest first


def _berlin_days():
    """Today and yesterday on a Berlin calendar, as /history and the card name them."""
    today = datetime.now(ZoneInfo("Europe/Berlin")).date()
    return today, today - timedelta(days=1)


async def test_a_log_that_names_a_day_is_stored_on_that_day_and_the_card_says_which(wired):  # noqa: F811
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4803)
    await _set_up(chat)  # Europe/Berlin
    before = _berlin_days()
    await chat.send("yesterday 3x12 rows 8kg")
    card = chat.texts()[-1]
    await chat.send("3x12 shoulder press 8kg")
    if _berlin_days() != before:
        pytest.skip("midnight in Berlin passed during the test")
    today, yesterday = before
    assert card.startswith(
        f"✓ Logged Bent-over row — 3 × 12 @ 8 kg for yesterday, {yesterday:%a} {yesterday.day} {yesterday:%b}"
    )
    assert chat.texts()[-1].startswith("✓ Logged Shoulder press — 3 × 12 @ 8 kg\n")  # today: no day named

    await chat.send("tomorrow 3x12 rows 8kg")
    assert chat.texts()[-1].startswith("That day hasn't happened yet") and "Nothing was stored" in chat.texts()[-1]
    await chat.send("45 days ago 3x12 rows 8kg")
    assert chat.texts()[-1].startswith("That is more than 31 days ago")

    await chat.send("/history")
    day = f"{today:%a} {today.day} {today:%b %Y}"
    earlier = f"{yesterday:%a} {yesterday.day} {yesterday:%b %Y}"
    assert f"{day}\n• Shoulder press — 3 × 12 @ 8 kg\n\n{earlier}\n• Bent-over row — 3 × 12 @ 8 kg" in chat.texts()[-1]


async def test_numbers_said_in_passing_are_a_question_not_a_refused_log(wired):  # noqa: F811
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4804)
    await _set_up(chat)
    await chat.send("i only have 5 lb dumbbells is that enough")
    answer = chat.texts()[-1]
    assert "I don't know the exercise" not in answer and "Nothing was stored" not in answer
    await chat.send("/history")
    assert chat.texts()[-1].startswith("Nothing logged yet")


async def test_an_edited_message_corrects_the_entry_it_logged_once(wired):  # noqa: F811
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4805)
    await _set_up(chat)
    bot = application.bot

    async def say(text, message_id):
        Chat.next_update += 1
        await handled(application, make_message_update(Chat.next_update, 4805, text, bot=bot, message_id=message_id))

    async def edit(text, message_id, update_id=None):
        if update_id is None:
            Chat.next_update += 1
            update_id = Chat.next_update
        await handled(application, make_edited_message_update(update_id, 4805, message_id, text, bot=bot))
        return update_id

    await say("3x12 shoulder press 8kg", 9001)
    await say("lateral raises 15", 9003)
    sent = len(chat.texts())
    update_id = await edit("3x10 shoulder press 9kg", 9001)
    assert chat.texts()[sent:] == [
        "✎ You edited your message, so I corrected that entry: Shoulder press — 3 × 10 @ 9 kg"
    ]
    await edit("3 x 10 @ 9.5", 9001)  # edited twice; the exercise may be left out
    assert chat.texts()[-1].endswith("Shoulder press — 3 × 10 @ 9.5 kg")
    before = chat.texts()
    await edit("3x10 shoulder press 9kg", 9001, update_id)  # Telegram delivers the first edit again
    assert chat.texts() == before  # nothing changes, and its answer (sent already) is not sent again

    await edit("3x15 curls", 9003)  # another exercise
    assert chat.texts()[-1].endswith("Curl to press — 3 × 15")
    await edit("3x14", 9003)  # and again without a name: still the curls
    assert chat.texts()[-1].endswith("Curl to press — 3 × 14")
    await edit("lateral raises 150", 9003)  # a slip: why, and the entry is kept
    assert chat.texts()[-2:] == [
        "That's more than 100 reps in one set — did a number slip?\nNothing was stored.",
        "So the entry your message logged stays as it was.",  # it said "no longer reads as sets"
    ]
    await edit("lateral raises 15", 9003)
    await edit("never mind", 9003)  # no longer a log: the entry is kept
    assert chat.texts()[-1].startswith("Your edited message no longer reads as sets")
    await say("how heavy should my dumbbells be?", 9005)
    await edit("how heavy should my dumbbells be for rows?", 9005)  # an edit of a message that logged nothing
    assert chat.texts()[-1].startswith("I saw your edit, but that message logged no sets")

    await chat.send("/history")
    history = chat.texts()[-1]
    assert "• Lateral raise — 1 × 15\n• Shoulder press — 3 × 10 @ 9.5 kg" in history and history.count("•") == 2


async def test_a_comment_beside_the_sets_is_ignored_and_the_sets_are_taken(wired):  # noqa: F811
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4806)
    await _set_up(chat)
    await chat.send("rows 3x12 8kg, that was tough but good")
    assert chat.texts()[-1].startswith("✓ Logged Bent-over row — 3 × 12 @ 8 kg\n")

    await chat.send("/today")  # the plan: its dumbbells are known from the log
    await chat.tap("Start ▶")
    await chat.tap("Start set 1 ▶")
    sent = len(chat.texts())
    await chat.send("12 reps, that was hard")  # inside the workout: the set of the exercise on screen
    assert chat.texts()[sent:][0].startswith("✓ Logged Shoulder press — 1 × 12\n\n")  # above the rest's card
    await chat.send("/history")  # the page, then the workout's card again
    assert "• Shoulder press — 1 × 12\n• Bent-over row — 3 × 12 @ 8 kg" in chat.texts()[-2]


async def test_a_file_made_again_for_an_outbox_entry_waits_for_the_database(wired, runtime, monkeypatch):  # noqa: F811
    """An /export left in the outbox by a process that died is sent by another, its CSV made
    again from the runner's log; while the database cannot be read, the words wait for the file
    rather than going alone."""
    from bot.storage import outbox
    from bot.storage.store import Unavailable
    from bot.telegram import replies
    from bot.telegram.replies import Job

    application, telegram = wired
    chat = Chat(application, telegram, user_id=4804)
    await _set_up(chat)
    await chat.send("3x12 shoulder press 8kg")
    now = datetime.now(UTC)
    left = await runtime.conversations.handle(
        Who(4804, 4804, "Ann"), Event.from_text("/export", now), 9_000, outbox=True
    )
    claimed = await runtime.store.run(outbox.claim, now + outbox.LEASE * 2)  # its process died: the claim lapsed
    [entry] = [e for e in claimed.taken if e.id == left.outbox]

    remade, failures = runtime.conversations._remade, []

    def database_away_once(*args):
        if not failures:
            failures.append(args)
            raise Unavailable("connection refused")
        return remade(*args)

    monkeypatch.setattr(runtime.conversations, "_remade", database_away_once)
    monkeypatch.setattr(replies, "RETRY_PAUSES", (0.1,))
    application.bot_data.replies.send(Job.of(entry))
    await application.bot_data.replies.idle()
    assert failures
    [document] = telegram.uploads(4804)
    rows = list(csv.reader(io.StringIO(document.content.decode("utf-8"), newline="")))
    assert [row[3:6] for row in rows[1:]] == [["Shoulder press", str(n), "12"] for n in (1, 2, 3)]
    assert telegram.messages(4804)[-1]["caption"].startswith("Your log: 3 sets")


async def test_deletedata_forgets_the_chart_kept_in_memory(wired, runtime):  # noqa: F811
    """The chart /progress keeps per runner goes with their data: a runner who logs the same
    sets again after /deletedata gets a chart drawn from the new log, not the deleted one."""
    application, telegram = wired
    chat = Chat(application, telegram, user_id=4810)
    files = runtime.conversations.files
    earlier = datetime.now(UTC) - timedelta(days=3)

    async def log_two_sessions():
        await _set_up(chat)
        await runtime.conversations.handle(Who(4810, 4810, "Ann"), Event.from_text("3x12 shoulder press 7kg", earlier))
        await chat.send("3x12 shoulder press 8kg")
        await chat.send("/progress")

    await log_two_sessions()
    await chat.send("/progress")  # unchanged: the chart kept is sent again
    assert files.made == 1 and len(telegram.calls("sendPhoto")) == 2

    await chat.send("/deletedata")
    await chat.tap("Yes, delete everything")
    await log_two_sessions()  # what the chart shows is the same as before the deletion
    assert files.made == 2 and len(telegram.calls("sendPhoto")) == 3
