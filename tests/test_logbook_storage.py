"""Logging by chat through real storage (SQLite and PostgreSQL): the card and what is stored,
undo once, edit by button and by a reply to the card, history pages, progress, export, deletion,
and that no runner can see or change another runner's data."""

import csv
import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial

from sqlalchemy import func, select

from bot.storage import logbook, outbox, sessions
from bot.storage.models import Base, MessageRef, SetLog, User
from bot.storage.store import Who
from dialogs.events import Event

START = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # 18:00 in Berlin


class Chat:
    """One runner talking to the coach through storage; the clock moves a minute a message."""

    def __init__(self, runtime, user_id, units="kg", zone="Berlin"):
        self.runtime, self.who = runtime, Who(user_id, user_id, "Ann")
        self.now, self.last, self.sent = START, None, 0
        self.setup = ["/start", units, zone, "Not now"] if zone else []

    async def start(self):
        for text in self.setup[:3]:
            await self.say(text)
        await self.tap(self.setup[3])
        return self

    async def handle(self, event, replying_to=None):
        self.last = await self.runtime.conversations.handle(self.who, event, replying_to=replying_to)
        refs = []
        for message in self.last.messages:  # as Telegram would number the messages sent
            if message.edit:  # an edit of a message already there
                continue
            self.sent += 1
            if message.ref:
                refs.append((self.who.user_id, self.who.chat_id, self.who.user_id * 1000 + self.sent, message.ref))
        await self.runtime.store.run(
            partial(outbox.finish, done=[], refs=refs), self.now
        )  # as bot.telegram.replies does
        self.now += timedelta(minutes=1)
        return self.last

    async def say(self, text, replying_to=None):
        return await self.handle(Event.from_text(text, self.now, "Ann"), replying_to)

    async def tap(self, label, result=None):
        data = next(d for m in (result or self.last).messages for row in m.buttons for text, d in row if text == label)
        return await self.handle(Event.from_button(data, self.now, "Ann"))

    async def press(self, data):
        """A button with any callback data, as a forged update could carry."""
        return await self.handle(Event.from_button(data, self.now, "Ann"))

    def texts(self, result=None):
        return [m.text for m in (result or self.last).messages if not m.edit]  # the new messages

    def message_id(self):
        """The Telegram id of the newest message that had a ref (a log's card)."""
        return self.who.user_id * 1000 + self.sent


async def stored(runtime, user_id):
    with runtime.store.transaction(START) as tx:
        rows = tx.db.scalars(
            select(SetLog)
            .where(SetLog.user_id == user_id)
            .order_by(SetLog.logged_at, SetLog.entry_id, SetLog.set_number)
        )
        return [(r.exercise_id, r.set_number, r.reps, _plain(r.weight), r.unit, _plain(r.weight_kg, 2)) for r in rows]


def _plain(number, places=None):
    if number is None:
        return None
    return format((number.quantize(Decimal(1).scaleb(-places)) if places else number).normalize(), "f")


async def record_of(runtime, user_id):
    with runtime.store.transaction(START) as tx:
        return (tx.db.get(User, user_id)).record


async def test_a_log_is_stored_as_typed_with_kg_beside_and_undone_once(runtime):
    ann = await Chat(runtime, 4001).start()
    card = await ann.say("rows 3 sets of 15 with 10 lb")
    assert ann.texts() == [
        "✓ Logged <b>Bent-over row — 3 × 15 @ 10 lb</b>\n<i>Wrong? Tap Edit, or reply to this message with the right line.</i>"
    ]
    assert [label for row in card.messages[0].buttons for label, _ in row] == ["↩ Undo", "✎ Edit"]
    assert await stored(runtime, 4001) == [("bent_over_row", n, 15, "10", "lb", "4.54") for n in (1, 2, 3)]
    assert (await record_of(runtime, 4001))["exercises"]["bent_over_row"]["sets"][0] == {
        "reps": 15,
        "weight": "10",
        "unit": "lb",
    }
    await ann.say("lateral raises 15")
    assert await stored(runtime, 4001) == [("bent_over_row", n, 15, "10", "lb", "4.54") for n in (1, 2, 3)] + [
        ("lateral_raise", 1, 15, None, None, None)
    ]

    await ann.tap("↩ Undo", card)
    assert ann.texts() == ["↩ Undone: Bent-over row — 3 × 15 @ 10 lb is no longer in your log."]
    await ann.tap("↩ Undo", card)
    assert ann.texts() == ["That entry is no longer in your log (undone already, or deleted) — nothing changed."]
    assert await stored(runtime, 4001) == [("lateral_raise", 1, 15, None, None, None)]
    assert "bent_over_row" not in (await record_of(runtime, 4001))["exercises"]


async def test_the_preferred_unit_is_used_when_none_is_typed_and_nothing_is_stored_for_invalid_or_unclear(runtime):
    bob = await Chat(runtime, 4002, units="lb", zone="New York").start()
    await bob.say("12 reps chest press @ 25")
    assert "Chest press — 12 @ 25 lb" in bob.texts()[0]
    await bob.say("ohp 3x12 250kg")
    assert bob.texts()[0].startswith("That weight is above 200 kg")
    await bob.say("ohp 4x10x12")
    assert "Tap the one you meant" in bob.texts()[0]
    assert len(await stored(runtime, 4002)) == 1
    await bob.tap("Shoulder press — 12 × 10 @ 4 lb")
    assert bob.texts()[0].startswith("✓ Logged <b>Shoulder press — 12 × 10 @ 4 lb</b>")
    assert len(await stored(runtime, 4002)) == 13


async def test_edit_and_a_reply_to_the_card_replace_that_entry_and_keep_its_time(runtime):
    ann = await Chat(runtime, 4003).start()
    card = await ann.say("3x12 shoulder press 8kg")
    card_id = ann.message_id()
    await ann.say("chest press: 12 reps 10kg, 10 reps 12kg")
    await ann.tap("✎ Edit", card)
    assert ann.texts() == [
        "Type the corrected line for Shoulder press, for example <i>3x12</i> or <i>3x12 @ 8</i>. It replaces the entry."
    ]  # no other exercise in the example: a row's card said "for Bent-over row, for example 3x12 shoulder press 8kg"
    await ann.say("3x10 @ 9")
    assert ann.texts()[0].startswith("✓ Corrected: <b>Shoulder press — 3 × 10 @ 9 kg</b>")
    assert await stored(runtime, 4003) == [("shoulder_press", n, 10, "9", "kg", "9") for n in (1, 2, 3)] + [
        ("chest_press", 1, 12, "10", "kg", "10"),
        ("chest_press", 2, 10, "12", "kg", "12"),
    ]

    await ann.say("2x12 @ 8 and 11 @ 8", replying_to=card_id)  # Telegram: a reply to the first card
    assert ann.texts()[0].startswith("✓ Corrected: <b>Shoulder press — 2 × 12 @ 8 kg, 11 @ 8 kg</b>")
    assert (await stored(runtime, 4003))[:3] == [
        ("shoulder_press", 1, 12, "8", "kg", "8"),
        ("shoulder_press", 2, 12, "8", "kg", "8"),
        ("shoulder_press", 3, 11, "8", "kg", "8"),
    ]
    assert (await record_of(runtime, 4003))["exercises"]["shoulder_press"]["sets"][2] == {
        "reps": 11,
        "weight": "8",
        "unit": "kg",
    }
    await ann.say("thanks, perfect", replying_to=card_id)  # not a log: the matcher, nothing changes
    assert len(await stored(runtime, 4003)) == 5

    await ann.tap("↩ Undo", card)
    await ann.say("3x12 @ 8", replying_to=card_id)
    assert ann.texts() == [
        "That entry is no longer in your log (undone, or deleted), so there is nothing to correct. Nothing was stored."
    ]
    assert [row[0] for row in await stored(runtime, 4003)] == ["chest_press", "chest_press"]


async def test_no_one_can_see_or_change_another_runners_entries(runtime):
    ann = await Chat(runtime, 4004).start()
    ann_card = await ann.say("3x12 shoulder press 8kg")
    ann_card_id = ann.message_id()
    undo = next(d for row in ann_card.messages[0].buttons for label, d in row if label == "↩ Undo")
    edit = next(d for row in ann_card.messages[0].buttons for label, d in row if label == "✎ Edit")
    before = await stored(runtime, 4004)

    eve = await Chat(runtime, 4005).start()
    await eve.press(undo)  # Ann's button data, forged into Eve's chat
    assert eve.texts() == ["That entry is no longer in your log (undone already, or deleted) — nothing changed."]
    await eve.press(edit)
    await eve.say("1x1 @ 1")
    assert eve.texts()[0].startswith("That entry is no longer in your log")
    await eve.press("g|undo:../../etc")  # garbage ids do nothing either
    await eve.say("1x1 ohp 1kg", replying_to=ann_card_id)  # Ann's message id: not Eve's card, a new log of Eve's
    assert eve.texts()[0].startswith("✓ Logged")
    assert await stored(runtime, 4004) == before

    await eve.say("/export")
    rows = list(csv.reader(io.StringIO(eve.last.messages[0].file.content.decode(), newline="")))
    assert [row[3:] for row in rows[1:]] == [
        ["Shoulder press", "1", "1", "1", "kg", "1"]
    ]  # Eve's one set, none of Ann's
    await eve.say("/history")
    assert eve.texts()[0].count("•") == 1


async def test_export_of_kg_and_lb_opens_as_a_spreadsheet_would(runtime):
    ann = await Chat(runtime, 4006).start()
    await ann.say("shoulder press 12, 12, 10 with 8kg")
    await ann.say("rows 3 sets of 15 with 10 lb")
    await ann.say("sholder pres 3x12 7,5 kg")
    await ann.say("lateral raises 15")
    other = await Chat(runtime, 4007, units="lb", zone="New York").start()
    await other.say("curl to press 15 15 12 @ 20")

    result = await ann.say("/export")
    message = result.messages[0]
    assert message.text.startswith("Your log: 10 sets, one per row (CSV: dates and numbers a spreadsheet reads")
    assert [label for row in message.buttons for label, _ in row] == ["Strong format"]
    assert message.file.kind == "document" and message.file.filename == "armswing-log-2026-11-24.csv"
    content = message.file.content
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"), newline="")))
    assert rows[0] == ["date", "timezone", "workout_id", "exercise", "set", "reps", "weight", "unit", "weight_kg"]
    day = ["Europe/Berlin", "chat-2026-11-24"]
    assert rows[1:] == [
        ["2026-11-24 18:04:00", *day, "Shoulder press", "1", "12", "8", "kg", "8"],
        ["2026-11-24 18:04:00", *day, "Shoulder press", "2", "12", "8", "kg", "8"],
        ["2026-11-24 18:04:00", *day, "Shoulder press", "3", "10", "8", "kg", "8"],
        ["2026-11-24 18:05:00", *day, "Bent-over row", "1", "15", "4.54", "kg", "4.54"],  # 10 lb, in the runner's kg
        ["2026-11-24 18:05:00", *day, "Bent-over row", "2", "15", "4.54", "kg", "4.54"],
        ["2026-11-24 18:05:00", *day, "Bent-over row", "3", "15", "4.54", "kg", "4.54"],
        ["2026-11-24 18:06:00", *day, "Shoulder press", "1", "12", "7.5", "kg", "7.5"],
        ["2026-11-24 18:06:00", *day, "Shoulder press", "2", "12", "7.5", "kg", "7.5"],
        ["2026-11-24 18:06:00", *day, "Shoulder press", "3", "12", "7.5", "kg", "7.5"],
        ["2026-11-24 18:07:00", *day, "Lateral raise", "1", "15", "", "", ""],
    ]
    for row in rows[1:]:  # what a spreadsheet reads: a date and time, numbers
        datetime.strptime(row[0], "%Y-%m-%d %H:%M:%S")
        assert row[6] == "" or Decimal(row[6]) > 0
    assert "Curl to press" not in content.decode()

    strong = (await ann.tap("Strong format")).messages[0]
    assert strong.file.filename == "armswing-strong-2026-11-24.csv" and not strong.buttons
    rows = list(csv.reader(io.StringIO(strong.file.content.decode("utf-8"), newline="")))
    assert rows[0][:7] == ["Date", "Workout Name", "Duration", "Exercise Name", "Set Order", "Weight", "Reps"]
    assert rows[4][:7] == ["2026-11-24 18:04:00", "Armswing log", "", "Bent-over row", "1", "4.54", "15"]
    bob = await Chat(runtime, 4009).start()  # Strong's layout imports back as the same sets, in kg
    await bob.handle(Event("document", bob.now, payload="strong.csv", document=strong.file.content))
    assert bob.texts()[0].startswith("✓ Imported from Strong: <b>10 sets</b> in 3 entries")  # one workout, 3 exercises

    def sets(who):
        with runtime.store.transaction(START) as tx:
            found = [
                (item.entry.exercise_id, s.reps, s.weight_kg and s.weight_kg.quantize(Decimal("0.01")))
                for item in logbook.entries(tx, who)
                for s in item.entry.sets
            ]
        return sorted(found, key=str)

    assert sets(bob.who) == sets(ann.who)

    empty = await Chat(runtime, 4008).start()
    assert (await empty.say("/export")).messages[0].file is None
    assert empty.texts() == ["There is nothing to export yet: your log is empty."]


async def test_history_is_paged_newest_first_and_filtered_by_exercise(runtime):
    ann = await Chat(runtime, 4009).start()
    await ann.say("/history")
    assert ann.texts()[0].startswith("Nothing logged yet.")
    for reps in range(1, 11):
        await ann.say(f"ohp {reps} reps 8kg")
    await ann.say("rows 12 @ 10kg")
    first = await ann.say("/history")
    text = ann.texts()[0]
    assert text.startswith(
        "<b>Your log</b> · page 1 of 2\n\n<b>Tue 24 Nov 2026</b>\n• Bent-over row — 12 @ 10 kg\n• Shoulder press — 10 @ 8 kg"
    )
    assert text.count("•") == 8
    labels = [label for row in first.messages[0].buttons for label, _ in row]
    assert labels == ["✓ All", "Shoulder press", "Bent-over row", "Next ▶"]
    await ann.tap("Next ▶")
    assert ann.texts()[0].count("•") == 3 and "page 2 of 2" in ann.texts()[0]
    assert [label for row in ann.last.messages[0].buttons for label, _ in row][-1] == "◀ Prev"
    await ann.tap("Bent-over row", first)  # an older page's buttons still work
    assert ann.texts()[0].startswith("<b>Your log</b> · Bent-over row\n")
    assert ann.texts()[0].count("•") == 1
    await ann.press("g|hist:all:99")  # past the end: the last page
    assert "page 2 of 2" in ann.texts()[0]


async def test_progress_is_a_chart_with_a_summary(runtime):
    ann = await Chat(runtime, 4010).start()
    await ann.say("/progress")
    assert ann.texts()[0].startswith("No progress to show yet")
    await ann.say("3x12 shoulder press 8kg")
    [first] = (await ann.say("/progress")).messages
    assert first.file is None  # a 12-week chart with one dot per panel would say nothing
    assert "your first session" in first.text and "Your chart comes with your next session" in first.text
    ann.now += timedelta(days=3)
    await ann.say("3x12 shoulder press 9kg")
    await ann.say("rows 3x12 20 lb")
    message = (await ann.say("/progress")).messages[0]
    assert message.file.kind == "photo" and message.file.content.startswith(b"\x89PNG")
    assert "• Shoulder press — 12 @ 9 kg · ↑ 1 kg" in message.text
    assert "• Bent-over row — 12 @ 20 lb\n" in message.text
    assert "This week: 2 of 2 sessions ✓." in message.text
    assert "1 week in a row on target" in message.text

    files = runtime.conversations.files
    drawn = files.made
    again = (await ann.say("/progress")).messages[0]  # nothing changed: the same picture, not drawn again
    assert again.file.content == message.file.content and files.made == drawn
    await ann.say("lateral raises 15 with 4kg")  # the log changed: drawn again, with a new panel
    assert (await ann.say("/progress")).messages[0].file.content != message.file.content
    assert files.made == drawn + 1


def _corner(png):
    from matplotlib.image import imread

    return tuple(round(float(channel) * 255) for channel in imread(io.BytesIO(png))[2, 2, :3])


async def test_dark_chart_colours_are_kept_per_runner(runtime):
    ann, bob = await Chat(runtime, 4014).start(), await Chat(runtime, 4015).start()
    for chat in (ann, bob):
        await chat.say("3x12 shoulder press 8kg")
        chat.now += timedelta(days=2)
        await chat.say("3x12 shoulder press 9kg")
    await ann.say("/settings")
    await ann.tap("Chart colours")
    await ann.tap("Dark")
    assert "Progress chart: dark colours" in ann.texts()[-1]
    await ann.tap("Done")
    with runtime.store.transaction(START) as tx:
        assert (
            sessions.load_session(tx, ann.who).profile.chart == "dark"
            and sessions.load_session(tx, bob.who).profile.chart == "light"
        )
    dark = (await ann.say("/progress")).messages[0].file.content
    light = (await bob.say("/progress")).messages[0].file.content
    assert _corner(dark) == (0x17, 0x21, 0x2B)  # Telegram's dark chat background
    assert _corner(light) == (255, 255, 255)


async def test_last_time_in_the_workout_includes_sets_logged_by_chat(runtime):
    ann = await Chat(runtime, 4011).start()
    await ann.say("3x12 shoulder press 8kg")
    await ann.say("/today")
    intro = await ann.tap("Start ▶")
    assert "<i>Last time:</i> 12 @ 8 kg, 12 @ 8 kg, 12 @ 8 kg" in ann.texts(intro)[0]


async def test_deletedata_removes_everything_about_the_runner_and_start_begins_fresh(runtime):
    ann = await Chat(runtime, 4012).start()
    await ann.say("3x12 shoulder press 8kg")
    await ann.say("remind me mondays and thursdays at 7pm")
    await ann.tap("Set these reminders")
    await runtime.conversations.handle(ann.who, Event.from_text("/help", ann.now, "Ann"), update_id=77_001)
    bob = await Chat(runtime, 4013).start()
    await bob.say("3x12 shoulder press 8kg")
    assert await counts(runtime, 4012) == {
        "conversations": 1,
        "live_cards": 1,
        "message_refs": 2,  # the log's card, and the offer of reminders (its button acts at its step only)
        "processed_updates": 1,
        "reminders": 1,
        "set_logs": 3,
        "users": 1,
    }

    await ann.say("/deletedata")
    await ann.tap("No, keep it")
    assert await counts(runtime, 4012) != {}
    await ann.say("/deletedata")
    await ann.tap("Yes, delete everything")
    assert ann.texts() == ["Done: everything about you is deleted. If you come back, /start begins fresh."]
    assert await counts(runtime, 4012) == {}
    assert (await counts(runtime, 4013))["set_logs"] == 3

    await ann.say("/start")
    assert ann.texts()[0].startswith("Hi Ann! I'm")  # a new runner: welcomed and asked again
    assert ann.texts()[1] == "Which units do your dumbbells use?"


async def counts(runtime, user_id):
    """Rows about `user_id` in every table, the empty ones left out."""
    found = {}
    with runtime.store.transaction(START) as tx:
        for table in Base.metadata.sorted_tables:
            column = table.c.get("user_id", table.c.get("id") if table.name == "users" else None)
            if column is not None:
                found[table.name] = tx.db.scalar(select(func.count()).select_from(table).where(column == user_id))
    return {name: n for name, n in found.items() if n}


async def test_what_a_sent_card_is_about_is_remembered_for_its_user_only(runtime):
    ann = await Chat(runtime, 4014).start()
    await ann.say("3x12 shoulder press 8kg")
    with runtime.store.transaction(START) as tx:
        refs = list(tx.db.scalars(select(MessageRef.ref).where(MessageRef.user_id == 4014)))
        assert sessions.ref_of(tx, Who(4015, 4015), ann.message_id()) == ""
    assert len(refs) == 1 and refs[0].startswith("entry:") and refs[0].endswith("/shoulder_press")
