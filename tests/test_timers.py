"""Rest timers stored with the conversation: they ring after a restart, after a flow opened on
top of the workout returns, once with two runners, and never after the runner moved on."""

from datetime import UTC, datetime, timedelta

from bot.config import Settings
from bot.runtime import Runtime
from bot.storage import timers
from bot.storage.store import Who
from dialogs.events import Event
from dialogs.plan import REST_SECONDS

ANN = Who(3101, 3101, "Ann")
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)
REST_OVER = NOW + timedelta(seconds=REST_SECONDS)


class Runner:
    def __init__(self, runtime):
        self.runtime, self.last = runtime, None

    async def say(self, text, at=NOW):
        self.last = await self.runtime.conversations.handle(ANN, Event.from_text(text, at, "Ann"))
        return self.last

    async def tap(self, label, card=None, at=NOW):
        card = card or self.last
        data = next(d for m in card.messages for row in m.buttons for text, d in row if text == label)
        self.last = await self.runtime.conversations.handle(ANN, Event.from_button(data, at, "Ann"))
        return self.last


async def resting(runtime):
    runner = Runner(runtime)
    for text in ("/start", "kg", "Berlin", "/today", "4 and 8 kg"):
        await runner.say(text)
    await runner.tap("Start ▶")
    await runner.tap("Start set 1 ▶")
    rest = await runner.tap("12")
    assert "Rest about" in rest.messages[-1].text
    assert rest.wake_at == REST_OVER
    return runner


async def ring(runtime, at):
    """What one runner rings at `at`: the results of the timers it claimed."""
    claimed = await timers.claim(runtime.store, at)
    return [await runtime.conversations.wake(due, at) for due in claimed]


def texts(result):
    return [message.text.split("\n")[0] for message in result.messages]


async def test_the_rest_rings_when_due_and_the_rest_cards_button_still_works(runtime):
    runner = await resting(runtime)
    rest_card = runner.last
    assert await ring(runtime, REST_OVER - timedelta(seconds=1)) == []  # not yet
    [alert] = await ring(runtime, REST_OVER)
    assert texts(alert)[0] == "Rest is over. Ready?"  # one message: the alert above the set's card
    assert len(alert.messages) == 1
    labels = [label for m in alert.messages for row in m.buttons for label, _ in row]
    assert "12" in labels  # the alert carries the next set's buttons
    assert await ring(runtime, REST_OVER + timedelta(minutes=1)) == []  # it rang once
    after = await runner.tap("Set 2 ▶", card=rest_card, at=REST_OVER)
    assert "out of date" not in after.messages[0].text
    assert "Shoulder press · set 2 of 2" in after.messages[-1].text
    logged = await runner.tap("10", card=alert, at=REST_OVER)  # the alert's own buttons work too
    assert "Logged" in logged.messages[0].text


async def test_a_restart_during_the_rest_still_rings(runtime, database_url, coach):
    await resting(runtime)
    await runtime.close()
    restarted = await Runtime.open(Settings(database_url=database_url), coach)
    try:
        [alert] = await ring(restarted, REST_OVER + timedelta(seconds=5))
        assert texts(alert)[0] == "Rest is over. Ready?"
    finally:
        await restarted.close()
    runtime.store = restarted.store  # the fixture closes it


async def test_a_flow_opened_during_the_rest_holds_the_alert_until_it_returns(runtime):
    runner = await resting(runtime)
    await runner.say("/settings", at=NOW + timedelta(seconds=10))
    assert await ring(runtime, REST_OVER + timedelta(seconds=5)) == []  # the settings are on screen
    back = await runner.tap("Done", at=REST_OVER + timedelta(seconds=20))
    assert "Rest about" in back.messages[-1].text
    assert back.wake_at == REST_OVER  # already due: the runner rings it right away
    [alert] = await ring(runtime, REST_OVER + timedelta(seconds=21))
    assert texts(alert)[0] == "Rest is over. Ready?"


async def test_a_question_during_the_rest_does_not_stop_the_alert(runtime):
    runner = await resting(runtime)
    await runner.say("why should runners train the upper body?", at=NOW + timedelta(seconds=10))
    [alert] = await ring(runtime, REST_OVER)
    assert texts(alert)[0] == "Rest is over. Ready?"


async def test_moving_on_before_the_rest_is_over_rings_nothing(runtime):
    runner = await resting(runtime)
    await runner.tap("Set 2 ▶", at=NOW + timedelta(seconds=20))
    assert await ring(runtime, REST_OVER + timedelta(minutes=5)) == []


async def test_two_runners_claiming_at_once_ring_once_and_a_lapsed_claim_rings_nothing(runtime):
    await resting(runtime)
    first = await timers.claim(runtime.store, REST_OVER)
    assert len(first) == 1
    assert await timers.claim(runtime.store, REST_OVER) == []  # held by the first claim
    lapsed = REST_OVER + timers.LEASE + timedelta(seconds=1)
    second = await timers.claim(runtime.store, lapsed)  # the first runner died: its lease lapsed
    assert len(second) == 1
    assert await runtime.conversations.wake(first[0], lapsed) is None  # the old claim rings nothing
    alert = await runtime.conversations.wake(second[0], lapsed)
    assert alert is not None and texts(alert)[0] == "Rest is over. Ready?"
    assert await ring(runtime, lapsed + timers.LEASE * 2) == []
