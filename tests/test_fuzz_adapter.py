"""Fuzzing through the adapter: the real PTB `Application`, storage and an offline Bot API.

An attacker sends any text, taps any button of the coach's or forges callback data (other
users' entry ids among it), replies to any message id. Whatever arrives: no update fails (no
apology, no error counted), every message gets an answer and every tap exactly one callback
answer, the victim's log and chat are untouched, and a rejected log line stores nothing.
Short here; ARMSWING_FUZZ_EXAMPLES raises it for the long campaign.
"""

import itertools
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from support.botapi import FakeTelegram
from support.offline import OfflineRequest, make_callback_update, make_message_update
from test_wiring import handled

from bot import metrics
from bot.storage.models import SetLog
from bot.telegram.application import build_application

EXAMPLES = max(10, int(os.environ.get("ARMSWING_FUZZ_EXAMPLES", "60")) // 3)
ATTACKER, VICTIM = 7001, 7002
WORDS = [
    "/start",
    "/today",
    "/history",
    "/progress",
    "/export",
    "/deletedata",
    "/reminders",
    "/cancel",
    "kg",
    "Berlin",
    "12",
    "3x12 shoulder press 8kg",
    "how do I do this?",
    "{{ 7*7 }}",
    "<b>&amp;</b>",
    "'; DROP TABLE set_logs; --",
    "x" * 4096,
    "🏋️‍♀️" * 50,
    "/start ex_../../x",
    "Yes, delete everything",
]
REJECTED = [
    "3x150 shoulder press 8kg",
    "25x12 chest press 8kg",
    "3x12 bicep curl 500kg",
    "0x12 lateral raise 4kg",
    "3x12 shoulder press -8kg",
]
texts = st.one_of(st.sampled_from(WORDS), st.text(max_size=400))
forged = st.one_of(
    st.text(max_size=64), st.sampled_from(["g|undo:", "g|edit:", "g|snooze:1", "0|did:12", "9999|go", "g|"])
)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("say"), texts),
        st.tuples(st.just("tap"), st.integers(0, 30)),  # a button of the coach's newest card
        st.tuples(st.just("forge"), forged),
        st.tuples(st.just("steal"), st.sampled_from(["undo", "edit"])),  # the victim's entry id
        st.tuples(st.just("reject"), st.sampled_from(REJECTED)),
    ),
    min_size=1,
    max_size=12,
)


class Chats:
    def __init__(self, application, telegram, runtime):
        self.application, self.telegram, self.runtime = application, telegram, runtime
        self.ids = itertools.count(1)

    async def say(self, user, text):
        await handled(self.application, make_message_update(next(self.ids), user, text, bot=self.application.bot))

    async def press(self, user, data, message=None):
        """A tap on `message` (as the fake stored it), or on a bare coach's message by default."""
        message_id = message["message_id"] if message else 1
        update = make_callback_update(next(self.ids), user, message_id, data, bot=self.application.bot, message=message)
        await handled(self.application, update)

    def buttons(self, user):
        cards = [m for m in self.telegram.messages(user) if m.get("reply_markup")]
        if not cards:
            return None, []
        card = cards[-1]
        return card, [b["callback_data"] for row in card["reply_markup"]["inline_keyboard"] for b in row]

    def answers(self, user):
        sent = [m for m in self.telegram.messages(user) if m.get("from", {}).get("is_bot")]
        return len(sent), len(self.telegram.callback_answers)

    def sets(self, user):
        with self.runtime.store.engine.connect() as connection:
            return connection.execute(
                select(SetLog.entry_id, SetLog.set_number, SetLog.reps, SetLog.weight)
                .where(SetLog.user_id == user)
                .order_by(SetLog.entry_id, SetLog.set_number)
            ).all()

    def count(self, user):
        with self.runtime.store.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(SetLog).where(SetLog.user_id == user))


@pytest.fixture
async def chats(runtime):
    telegram = FakeTelegram()
    application = build_application(runtime, OfflineRequest(telegram), OfflineRequest(telegram))
    async with application:
        chats = Chats(application, telegram, runtime)
        for user in (ATTACKER, VICTIM):
            for text in ("/start", "kg", "Europe/Berlin", "3x12 shoulder press 8kg"):
                await chats.say(user, text)
        yield chats


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=actions)
async def test_whatever_arrives_is_answered_and_reaches_no_one_else(chats, script):
    victim_sets, victim_messages = chats.sets(VICTIM), chats.telegram.messages(VICTIM)
    victim_buttons = [  # the log card's (the set-up's days card follows it)
        b["callback_data"]
        for m in victim_messages
        for row in (m.get("reply_markup") or {}).get("inline_keyboard", [])
        for b in row
    ]
    victim_targets = [data.split(":", 1)[1] for data in victim_buttons if data.startswith("g|undo:")]
    assert victim_targets
    errors = metrics.ERRORS._value.get()
    for kind, value in script:
        messages, callbacks = chats.answers(ATTACKER)
        if kind in ("say", "reject"):
            before = chats.count(ATTACKER)
            await chats.say(ATTACKER, value)
            assert chats.answers(ATTACKER)[0] > messages, f"no answer to {value!r}"
            if kind == "reject":
                assert chats.count(ATTACKER) == before, f"{value!r} was stored"
            continue
        if kind == "tap":
            card, data = chats.buttons(ATTACKER)
            if not data:
                continue
            await chats.press(ATTACKER, data[value % len(data)], card)
        elif kind == "forge":
            await chats.press(ATTACKER, value)
        else:
            await chats.press(ATTACKER, f"g|{value}:{victim_targets[0]}")
        assert chats.answers(ATTACKER)[1] == callbacks + 1, "a tap must get exactly one callback answer"
    assert metrics.ERRORS._value.get() == errors
    assert not any("Sorry, something went wrong" in m.get("text", "") for m in chats.telegram.messages(ATTACKER))
    assert chats.sets(VICTIM) == victim_sets and chats.telegram.messages(VICTIM) == victim_messages
