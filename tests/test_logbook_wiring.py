"""The logbook through the real PTB `Application`: /export sends a CSV document, /progress a
photo with its summary as the caption, and a Telegram reply to a log's card corrects that entry."""

import csv
import io

from support.botapi import chat_payload, message_payload, user_payload
from telegram import Update
from test_wiring import Chat, wired  # noqa: F401 — `wired` is the fixture

from bot.application import process


async def _set_up(chat):
    for text in ("/start", "kg", "Berlin"):
        await chat.send(text)
    await chat.tap("Not now")


async def test_export_sends_a_csv_document_and_progress_a_photo(wired):  # noqa: F811
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
    assert rows[0] == ["logged_at", "exercise", "set", "reps", "weight", "unit"]
    assert [row[1:] for row in rows[1:]] == [["Shoulder press", str(n), "12", "8", "kg"] for n in (1, 2, 3)] + [
        ["Bent-over row", str(n), "15", "10", "lb"] for n in (1, 2, 3)
    ]
    assert telegram.messages(4801)[-1]["caption"].startswith("Your log: 6 sets")

    await chat.send("/progress")
    [call] = telegram.calls("sendPhoto")
    photo = telegram.uploads(4801)[-1]
    assert photo.content.startswith(b"\x89PNG")
    sent = telegram.messages(4801)[-1]
    assert sent["photo"][0]["width"] >= 1000
    assert sent["caption"].startswith("Your progress · last 12 weeks\n• Shoulder press — 12 @ 8 kg")


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
    await process(application, Update.de_json({"update_id": Chat.next_update, "message": reply}, application.bot))
    assert chat.texts()[-1].startswith("✓ Corrected: Shoulder press — 3 × 10 @ 9 kg")

    await chat.send("/history")
    assert "• Lateral raise — 1 × 15\n• Shoulder press — 3 × 10 @ 9 kg" in chat.texts()[-1]  # newest first
