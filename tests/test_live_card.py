"""The guided workout as one live card per exercise, through the real PTB `Application` and the
fake Bot API: what a runner's chat holds after a tap-only workout, and Telegram's edit rules."""

from pathlib import Path

import test_wiring as wiring
from support.botapi import chat_payload, message_payload, user_payload
from support.offline import make_callback_update, make_message_update
from telegram import Update

from bot.telegram.application import process

# The tap-only workout of 6 exercises × 2 sets, from the menu's "Today's workout" to the summary:
# the figures the README gives ("What the chat looks like"). The goal was at most 10 new messages.
NEW_MESSAGES = 9  # the dumbbells question, the plan, one card per exercise, the summary
EDITS = 24  # each exercise's card: set 1, rest, set 2 (and its record when the next card comes)
EXERCISES = 6


wired = wiring.wired  # the real Application over the fake Bot API (a fixture)


class Chat(wiring.Chat):
    async def tap(self, label, message=None, update_id=None):
        """Tap `label` on `message` (the live card unless given); the update, to send it again."""
        message = message or self.live()
        data = next(
            b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label
        )
        update = make_callback_update(
            update_id or self._id(),
            self.user_id,
            message["message_id"],
            data,
            bot=self.application.bot,
            message=message,
        )
        await wiring.handled(self.application, update)
        return update

    async def reply(self, message, text, update_id=None):
        """A Telegram reply to `message` (as the chat shows it now); the update, to send it again."""
        user = user_payload(self.user_id, self.first_name)
        payload = message_payload(self._id(), user, chat_payload(self.user_id, user), text=text)
        payload["reply_to_message"] = self.now(message)
        update = Update.de_json({"update_id": update_id or self._id(), "message": payload}, self.application.bot)
        await wiring.handled(self.application, update)
        return update

    def now(self, message):
        """`message` as the chat shows it now (edited since, maybe)."""
        return next(m for m in self.messages() if m["message_id"] == message["message_id"])

    def messages(self):
        return self.telegram.messages(self.user_id)

    def keyboards(self):
        return [m for m in self.messages() if (m.get("reply_markup") or {}).get("inline_keyboard")]

    def live(self):
        return self.keyboards()[-1]

    def showing(self, label):
        """The newest message with a button labelled `label`."""
        return next(
            m
            for m in reversed(self.keyboards())
            for row in m["reply_markup"]["inline_keyboard"]
            for b in row
            if b["text"] == label
        )

    async def type_quickly(self, *texts):
        """Each text handled as soon as the one before it committed, before its replies are out:
        a runner who answers a card the moment it shows, before the bot has noted its id."""
        for text in texts:
            update = make_message_update(self._id(), self.user_id, text, bot=self.application.bot)
            await process(self.application, update)
        await self.application.bot_data.replies.idle()

    def sent(self):
        return len(self.telegram.calls("sendMessage"))


async def onboarded(application, telegram, user_id):
    chat = Chat(application, telegram, user_id)
    for text in ("/start", "kg", "Berlin"):
        await chat.send(text)
    await chat.tap("Not now")
    return chat


async def at_the_first_exercise(application, telegram, user_id):
    chat = await onboarded(application, telegram, user_id)
    await chat.tap("Today's workout")
    await chat.tap("6 kg")
    await chat.tap("Start ▶")
    return chat


async def tap_only_workout(chat):
    """Today's workout from the menu, the dumbbells by a tap, then every set by a tap."""
    await chat.tap("Today's workout")
    await chat.tap("6 kg")
    await chat.tap("Start ▶")
    for _ in range(EXERCISES):
        await chat.tap("Start set 1 ▶")
        await chat.tap("12")
        await chat.tap("Set 2 ▶")
        await chat.tap("12")


async def test_a_tap_only_workout_is_a_handful_of_messages_and_one_live_keyboard(wired):
    application, telegram = wired
    chat = await onboarded(application, telegram, 6001)
    before = chat.sent()
    await tap_only_workout(chat)
    new = chat.sent() - before
    edits = len(telegram.calls("editMessageText"))
    assert (new, edits) == (NEW_MESSAGES, EDITS)
    assert len(chat.keyboards()) == 1  # the summary's (with the menu)
    texts = [m["text"] for m in chat.messages()]
    assert any("Workout done!" in t for t in texts)
    records = [t for t in texts if t.endswith("✓ 12 @ 6 kg · ✓ 12 @ 6 kg")]
    assert len(records) == EXERCISES, texts  # each exercise's card collapsed to what was done there
    assert not any("out of date" in t for t in texts)


async def test_typed_answers_leave_no_keyboard_behind(wired):
    """Onboarding, the dumbbells and a question by typing (each the moment the card before it
    shows), a set typed after a question, then the rest by taps: every picker, card and answer
    whose step is over lost its buttons; only the summary's menu has any."""
    application, telegram = wired
    chat = Chat(application, telegram, 6010)
    await chat.type_quickly("/start", "kg", "Berlin", "Mon Thu 7:00")
    assert len(chat.keyboards()) == 1  # the menu: not the units, timezone or reminder-day pickers
    await chat.type_quickly("/today", "I have 6kg", "how many reps should I do?")
    answer = chat.live()
    assert "↩ Back to" in str(answer["reply_markup"])
    await chat.tap("Start ▶", message=chat.showing("Start ▶"))
    assert not next(m for m in chat.messages() if m["message_id"] == answer["message_id"]).get("reply_markup")
    await chat.tap("Start set 1 ▶")
    await chat.type_quickly("what does this work?", "12")
    assert len(chat.keyboards()) == 1  # the rest card: not the answer, not the set card before it
    await chat.tap("Set 2 ▶")
    await chat.tap("12")
    for _ in range(EXERCISES - 1):
        for label in ("Start set 1 ▶", "12", "Set 2 ▶", "12"):
            await chat.tap(label)
    assert "Workout done!" in chat.live()["text"]
    assert len(chat.keyboards()) == 1, [m["text"][:40] for m in chat.keyboards()]


async def test_the_card_shows_the_sets_done_and_the_current_set(wired):
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6002)
    card = chat.live()
    await chat.tap("Start set 1 ▶")
    await chat.tap("12")
    await chat.tap("Set 2 ▶")
    now = chat.live()
    assert now["message_id"] == card["message_id"]  # one message, edited in place
    assert now["text"].startswith("Shoulder press · set 2 of 2\n✓ 12 @ 6 kg\n")
    assert "Cue:" in now["text"]


async def test_a_typed_set_sends_a_new_card_and_collapses_the_old_one(wired):
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6003)
    await chat.tap("Start set 1 ▶")
    old = chat.live()
    await chat.send("11 @ 5kg")
    assert len(chat.keyboards()) == 1  # the old card's keyboard is gone
    assert chat.live()["message_id"] != old["message_id"]
    assert chat.live()["text"].startswith("✓ Logged Shoulder press — 11 @ 5 kg\n\nShoulder press · resting")
    collapsed = next(m for m in chat.messages() if m["message_id"] == old["message_id"])
    assert collapsed["text"] == "Shoulder press · ✓ 11 @ 5 kg"


async def test_a_stale_tap_gets_a_toast_and_loses_its_keyboard_and_a_double_tap_acts_once(wired):
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6004)
    await chat.tap("Start set 1 ▶")
    card = chat.live()
    await chat.tap("12", message=card)
    sent = chat.sent()
    await chat.tap("12", message=card)  # a double tap: the card as it was drawn
    assert telegram.callback_answers[-1]["text"] == "Already done ✓"
    await chat.tap("15", message=card)  # another button of the same old drawing
    assert telegram.callback_answers[-1]["text"].startswith("That card is no longer current")
    assert chat.sent() == sent  # no "out of date" and no copy of the card
    assert not any("out of date" in m["text"] for m in chat.messages())


async def test_a_button_the_step_does_not_know_on_the_live_card_gets_a_toast_and_the_card_as_it_is(wired):
    """A button of the current drawing that no transition takes (one from a release before, a
    forged one) said "That menu is out of date. Here is the current one:" in a new message, with
    the card it pointed to edited in place above it: the runner read of a card that never came."""
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6010)
    await chat.tap("Start set 1 ▶")
    card = chat.live()
    version = card["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split("|")[0]
    sent = chat.sent()
    update = make_callback_update(
        chat._id(), 6010, card["message_id"], f"{version}|renamed:12", bot=application.bot, message=card
    )
    await wiring.handled(application, update)
    assert telegram.callback_answers[-1]["text"].startswith("That card is no longer current")
    assert chat.sent() == sent and chat.live()["message_id"] == card["message_id"]
    assert chat.now(card)["reply_markup"] == card["reply_markup"]  # its buttons still work
    await chat.tap("12")
    assert chat.live()["text"].startswith("Shoulder press · resting")


async def test_history_progress_and_export_during_a_workout_show_the_card_again_below(wired):
    """Each answer is a new message, so the card above collapsed to its record: the runner was
    left at the set without a button (and had to find /today) after checking /history."""
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6011)
    await chat.tap("Start set 1 ▶")
    card = chat.live()
    for command in ("/history", "/progress", "/export"):
        await chat.send(command)
        live = chat.live()
        assert live["message_id"] != card["message_id"] and live["text"].startswith("Shoulder press · set 1 of 2")
        card = live
    await chat.tap("12")
    assert chat.live()["text"].startswith("Shoulder press · resting\n✓ 12 @ 6 kg")


async def test_a_stale_tap_on_a_card_without_buttons_is_no_bot_api_error(wired):
    """Its buttons are taken away again; Telegram answers "message is not modified", which
    counts as done (README), so armswing_bot_api_errors_total must not count it as a 400."""
    from bot import metrics

    application, telegram = wired
    chat = await onboarded(application, telegram, 6012)
    await chat.tap("Today's workout")
    await chat.tap("6 kg")
    plan = chat.live()
    await chat.tap("Start ▶")  # the plan's buttons are gone now
    assert not chat.now(plan).get("reply_markup")
    errors = metrics.BOT_API_ERRORS.labels("editMessageReplyMarkup", "400")
    before = errors._value.get()
    await chat.tap("Not now", message=plan)  # a client that still shows them
    assert telegram.callback_answers[-1]["text"].startswith("That card is no longer current")
    assert any(c["method"] == "editMessageReplyMarkup" for c in telegram.calls()[-3:])
    assert errors._value.get() == before


async def test_a_redelivered_tap_changes_and_sends_nothing_again(wired):
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6005)
    card = chat.live()
    update = await chat.tap("Start set 1 ▶", message=card)
    calls = len(telegram.calls())
    await wiring.handled(application, update)  # Telegram delivers the same update again
    assert len(telegram.calls()) == calls  # its edit went out once (from the outbox)
    assert chat.live()["message_id"] == card["message_id"]


async def test_a_replayed_edit_that_changes_nothing_is_no_error(wired):
    """An edit Telegram answers with "message is not modified" (it shows that already) counts as
    done: nothing is sent instead."""
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6008)
    card = chat.live()
    telegram.fail_next("editMessageText", 400, description="Bad Request: message is not modified")
    sent = chat.sent()
    await chat.tap("Start set 1 ▶", message=card)
    assert chat.sent() == sent
    assert telegram.calls("editMessageText")[-1]["error"] is not None


async def test_a_card_that_cannot_be_edited_comes_as_a_new_message(wired):
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6006)
    card = chat.live()
    telegram.fail_next("editMessageText", 400, description="Bad Request: message can't be edited")
    sent = chat.sent()
    await chat.tap("Start set 1 ▶", message=card)
    assert chat.sent() == sent + 1
    assert chat.live()["text"].startswith("Shoulder press · set 1 of 2")
    await chat.tap("12")  # the new message is the live card now: edited in place
    assert chat.sent() == sent + 1
    assert "Rest about" in chat.live()["text"]


async def test_the_reminder_days_and_the_history_filters_edit_their_own_message(wired):
    application, telegram = wired
    chat = Chat(application, telegram, 6007)
    for text in ("/start", "kg", "Berlin"):
        await chat.send(text)
    days = chat.live()
    sent = chat.sent()
    await chat.tap("Mon")
    await chat.tap("✓ Tue")
    assert chat.sent() == sent  # each tick edits the card
    assert chat.live()["message_id"] == days["message_id"]
    labels = [b["text"] for row in chat.live()["reply_markup"]["inline_keyboard"] for b in row]
    assert "✓ Mon" in labels and "Tue" in labels
    await chat.tap("Not now")
    for text in ("3x12 shoulder press 8kg", "3x10 rows 10kg", "/history"):
        await chat.send(text)
    page = chat.live()
    sent = chat.sent()
    await chat.tap(
        next(b["text"] for row in page["reply_markup"]["inline_keyboard"] for b in row if "row" in b["text"])
    )
    assert chat.sent() == sent
    assert chat.live()["message_id"] == page["message_id"]
    assert "Shoulder press" not in chat.live()["text"]


async def history(chat):
    await chat.send("/history")
    return next(m["text"] for m in reversed(chat.messages()) if m["text"].startswith("Your log"))  # the card follows


async def test_a_reply_to_the_card_corrects_its_last_set_while_the_workout_runs(wired):
    application, telegram = wired
    chat = await at_the_first_exercise(application, telegram, 6011)
    await chat.tap("Start set 1 ▶")
    await chat.tap("12")
    card = chat.live()  # resting: "✓ 12 @ 6 kg"
    await chat.reply(card, "10")
    said = chat.live()["text"]
    assert said.startswith("✓ Corrected Shoulder press, set 1 of 1: 10 @ 6 kg instead of 12 @ 6 kg.\n\n")
    assert "Shoulder press · resting\n✓ 10 @ 6 kg\n" in said  # the card again, as it is now
    assert len(chat.keyboards()) == 1
    await chat.tap("Set 2 ▶")
    await chat.tap("12")  # set 2, not a third set
    assert chat.now(card)["text"] == "Shoulder press · ✓ 10 @ 6 kg"  # the card that was corrected, collapsed
    records = [m for m in chat.messages() if m["text"] == "Shoulder press · ✓ 10 @ 6 kg · ✓ 12 @ 6 kg"]
    assert len(records) == 1, [m["text"][:60] for m in chat.messages()]
    await chat.reply(records[0], "9 @ 5kg")  # an exercise done, in the workout still running
    assert chat.live()["text"].startswith("✓ Corrected Shoulder press, set 2 of 2 (the last one that message shows)")
    assert "2/6 · Bent-over row" in chat.live()["text"]  # and the current card again
    assert chat.now(records[0])["text"] == "Shoulder press · ✓ 10 @ 6 kg · ✓ 9 @ 5 kg"  # the record replied to
    assert "• Shoulder press — 10 @ 6 kg, 9 @ 5 kg" in await history(chat)


async def test_a_reply_to_a_record_after_the_workout_corrects_the_log_once(wired):
    application, telegram = wired
    chat = await onboarded(application, telegram, 6012)
    await tap_only_workout(chat)
    press, row = (
        next(m for m in chat.messages() if m["text"].startswith(f"{name} · ✓"))
        for name in ("Shoulder press", "Bent-over row")
    )
    update = await chat.reply(press, "10 @ 5kg")
    assert chat.messages()[-1]["text"] == (
        "✓ Corrected Shoulder press, set 2 of 2 (the last one that message shows): 10 @ 5 kg instead of 12 @ 6 kg."
    )
    assert chat.now(press)["text"] == "Shoulder press · ✓ 12 @ 6 kg · ✓ 10 @ 5 kg"  # what the log holds now
    calls = len(telegram.calls())
    await wiring.handled(application, update)  # Telegram delivers it again: nothing changes, nothing is sent
    assert len(telegram.calls()) == calls
    await chat.reply(row, "2x11")  # as many of the last sets as it names
    assert chat.messages()[-1]["text"].startswith("✓ Corrected Bent-over row, sets 1, 2 of 2: 11 @ 6 kg · 11 @ 6 kg")
    assert chat.now(row)["text"] == "Bent-over row · ✓ 11 @ 6 kg · ✓ 11 @ 6 kg"
    await chat.reply(row, "10 shoulder press")
    assert chat.messages()[-1]["text"].startswith("That names Shoulder press, but the message you replied to is about")
    log = await history(chat)
    assert "• Shoulder press — 12 @ 6 kg, 10 @ 5 kg" in log and "• Bent-over row — 2 × 11 @ 6 kg" in log


def test_the_readme_gives_the_counts_this_test_measures():
    """The README's "The live card" figures are the ones asserted above, not written by hand."""
    readme = " ".join((Path(__file__).resolve().parent.parent / "README.md").read_text().split())
    assert (
        f"sends **{NEW_MESSAGES} new messages** (the dumbbells question, the plan, one card per exercise,"
        f" the summary) and **{EDITS} edits**, and leaves **1 live keyboard**" in readme
    )
