"""Group chats the operator allowed (ARMSWING_GROUP_CHATS), through the real PTB `Application`,
storage (SQLite and PostgreSQL) and an offline Bot API: a card's buttons act only for the
runner it was shown to, a runner's own data is answered in the private chat only, and message
ids are told apart by chat."""

import itertools

import pytest
from sqlalchemy import func, select
from support.botapi import BOT_USERNAME
from support.offline import (
    make_callback_update,
    make_edited_message_update,
    make_message_update,
    offline_application,
)
from test_wiring import handled

from bot.storage.models import SetLog

GROUP, ANN, BOB = -100, 47, 48
NOT_YOURS = "That card is someone else's. Send /today or /menu for your own."


@pytest.fixture
async def wired(runtime):
    runtime.settings = runtime.settings.model_copy(update={"group_chats": frozenset({GROUP})})
    async with offline_application(runtime) as (application, telegram):
        yield Members(application, telegram, runtime)


class Members:
    """Runners talking to the coach in the group or privately; ids count up like Telegram's."""

    def __init__(self, application, telegram, runtime):
        self.application, self.telegram, self.runtime = application, telegram, runtime
        self.ids = itertools.count(1)
        self.names = {ANN: "Ann", BOB: "Bob"}

    async def say(self, user, text, chat=None, message_id=None):
        update = make_message_update(
            next(self.ids), user, text, self.names[user], self.application.bot, chat_id=chat, message_id=message_id
        )
        await handled(self.application, update)

    async def edit(self, user, message_id, text, chat=None):
        update = make_edited_message_update(
            next(self.ids), user, message_id, text, self.names[user], self.application.bot, chat_id=chat
        )
        await handled(self.application, update)

    async def tap(self, user, label, chat, data=None):
        """`user` taps the button `label` of the newest card in `chat` (with other data, if given)."""
        card = [m for m in self.telegram.messages(chat) if m.get("reply_markup")][-1]
        found = next(b for row in card["reply_markup"]["inline_keyboard"] for b in row if b["text"] == label)
        update = make_callback_update(
            next(self.ids),
            user,
            card["message_id"],
            found["callback_data"] if data is None else data,
            self.names[user],
            self.application.bot,
            message=card,
        )
        await handled(self.application, update)

    async def onboard(self, user, chat=None):
        for text in ("/start", "kg", "Berlin"):
            await self.say(user, text, chat)

    def texts(self, chat):
        return [m.get("text") or m.get("caption") or "" for m in self.telegram.messages(chat)]

    def toasts(self):
        return [answer.get("text") for answer in self.telegram.callback_answers]

    def sets(self, user):
        with self.runtime.store.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(SetLog).where(SetLog.user_id == user))


async def test_a_members_tap_on_another_members_card_is_a_toast_and_acts_for_no_one(wired):
    await wired.onboard(BOB)
    await wired.say(BOB, "3x12 shoulder press 8kg")  # the card, then his set-up's days card again
    assert wired.texts(BOB)[-2].startswith("✓ Logged")
    await wired.say(ANN, "/start", GROUP)  # Ann's onboarding card, in the group
    before, bobs = wired.texts(GROUP), wired.texts(BOB)
    await wired.tap(BOB, "kg", GROUP)  # Bob taps Ann's card
    assert wired.toasts()[-1] == NOT_YOURS
    assert wired.texts(GROUP) == before and wired.texts(BOB) == bobs  # nothing for anyone
    await wired.tap(ANN, "kg", GROUP)  # Ann's own tap acts
    assert wired.texts(GROUP)[-1] != before[-1] and wired.toasts()[-1] != NOT_YOURS

    await wired.say(ANN, "Berlin", GROUP)
    await wired.say(ANN, "/deletedata", GROUP)  # its card goes to Ann's private chat, not the group
    yes = [m for m in wired.telegram.messages(ANN) if m.get("reply_markup")][-1]
    data = yes["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    for forged in (data, f"{data}~{ANN}"):  # Bob replays it in the group, unmarked or marked as Ann's
        card = {**yes, "chat": {"id": GROUP, "type": "group", "title": "Armswing test group"}}
        update = make_callback_update(
            next(wired.ids), BOB, yes["message_id"], forged, "Bob", wired.application.bot, message=card
        )
        await handled(wired.application, update)
        assert wired.toasts()[-1] == NOT_YOURS
    assert wired.sets(BOB) == 3  # Bob's log is where it was


@pytest.mark.parametrize("command", ["/history", "/progress", "/export", "/deletedata"])
async def test_a_runners_own_data_is_answered_in_the_private_chat_never_in_the_group(wired, command):
    await wired.onboard(ANN)
    await wired.say(ANN, "3x12 shoulder press 8kg")
    private = len(wired.texts(ANN))
    await wired.say(ANN, command, GROUP)
    assert wired.texts(GROUP) == ["Ann, I answered that in our private chat: your own data stays between us."]
    assert len(wired.texts(ANN)) > private  # the answer, privately
    assert not [m for m in wired.telegram.messages(GROUP) if m.get("document") or m.get("photo")]


@pytest.mark.parametrize("command", ["/history", "/progress", "/export"])
async def test_own_data_asked_in_a_group_mid_workout_leaves_the_card_in_the_group(wired, command):
    await wired.onboard(ANN)
    await wired.say(ANN, "/today", GROUP)  # the workout's first card, in the group
    card = [m for m in wired.telegram.messages(GROUP) if m.get("reply_markup")][-1]
    private = len(wired.texts(ANN))
    await wired.say(ANN, command, GROUP)
    assert len(wired.texts(ANN)) == private + 1  # the answer alone, not the card too
    assert [m for m in wired.telegram.messages(GROUP) if m.get("reply_markup")][-1] == card


async def test_a_runner_who_never_opened_the_private_chat_is_told_how_in_the_group(wired):
    await wired.say(ANN, "/start", GROUP)
    wired.telegram.fail_next(
        "sendDocument",
        403,
        description="Forbidden: bot can't initiate conversation with a user",
        chat_id=ANN,
    )
    wired.telegram.fail_next(
        "sendMessage", 403, description="Forbidden: bot can't initiate conversation with a user", chat_id=ANN
    )
    await wired.say(ANN, "/history", GROUP)
    assert wired.texts(GROUP)[-1].startswith("Ann, that is your own data, so I answer it only in our private chat.")
    assert wired.texts(ANN) == []


async def test_a_command_addressed_to_another_bot_is_left_to_it(wired):
    await wired.onboard(ANN)
    await wired.say(ANN, "/today", GROUP)  # the workout in the group (its dumbbells question first)
    before = wired.texts(GROUP)
    await wired.say(ANN, "/cancel@OtherBot", GROUP)  # it left Ann's workout: "Okay, I've left the workout"
    await wired.say(ANN, "/help@otherbot please", GROUP)
    assert wired.texts(GROUP) == before
    await wired.say(ANN, f"/help@{BOT_USERNAME.lower()}", GROUP)  # ours, in any case
    assert wired.texts(GROUP)[-1].startswith("Which dumbbells") and "What I can do" in wired.texts(GROUP)[-2]


async def test_message_ids_are_per_chat(wired):
    await wired.onboard(ANN)
    await wired.say(ANN, "3x12 shoulder press 8kg", GROUP, message_id=55)  # message 55 of the group
    await wired.say(ANN, "what weight should I use?", message_id=55)  # message 55 of the private chat
    await wired.edit(ANN, 55, "3x10 rows 20kg")  # the private message edited: it logged nothing
    assert wired.texts(ANN)[-1].startswith("I saw your edit, but that message logged no sets")
    await wired.say(ANN, "/history")
    history = next(text for text in reversed(wired.texts(ANN)) if text.startswith("Your log"))  # the card follows
    assert "Shoulder press — 3 × 12 @ 8 kg" in history and "row" not in history.lower()
