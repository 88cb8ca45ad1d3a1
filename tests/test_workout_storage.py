"""A guided workout through real storage: every confirmed set stored exactly once, the record
kept up to date, and a restart continuing at the same step."""

from datetime import UTC, datetime

from sqlalchemy import select

from bot.config import Settings
from bot.runtime import Runtime
from bot.storage.models import SetLog, User
from bot.storage.store import Who
from dialogs.events import Event

ANN = Who(3001, 3001, "Ann")
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


class Runner:
    def __init__(self, runtime):
        self.runtime, self.last, self.update_id = runtime, None, 0

    async def say(self, text, update_id=None):
        self.last = await self.runtime.conversations.handle(ANN, Event.from_text(text, NOW, "Ann"), update_id)
        return self.last

    async def tap(self, label):
        data = next(d for m in self.last.messages for row in m.buttons for text, d in row if text == label)
        self.last = await self.runtime.conversations.handle(ANN, Event.from_button(data, NOW, "Ann"))
        return self.last


async def sets_of(runtime, exercise_id):
    with runtime.store.transaction(NOW) as tx:
        rows = tx.db.scalars(
            select(SetLog)
            .where(SetLog.user_id == ANN.user_id, SetLog.exercise_id == exercise_id)
            .order_by(SetLog.set_number)
        )
        return [
            (r.set_number, r.reps, str(r.weight.normalize()) if r.weight is not None else None, r.unit) for r in rows
        ]


async def test_sets_are_stored_once_and_a_restart_continues_the_workout(runtime, database_url, coach):
    runner = Runner(runtime)
    for text in ("/start", "kg", "Berlin", "/today", "4 and 8 kg"):
        await runner.say(text)
    await runner.tap("Start ▶")
    await runner.tap("Start set 1 ▶")
    await runner.say("12", update_id=501)
    again = await runner.say("12", update_id=501)  # Telegram delivers the same update twice
    assert again.repeated
    assert await sets_of(runtime, "shoulder_press") == [(1, 12, "4", "kg")]
    rest_card = runner.last
    await runtime.close()

    restarted = await Runtime.open(Settings(database_url=database_url), coach)
    try:
        runner = Runner(restarted)
        runner.last = rest_card  # the buttons still on the runner's screen
        await runner.tap("◀ Back")  # correct set 1: replaced, not duplicated
        await runner.say("10 @ 5kg")  # the weight actually used carries to set 2
        await runner.tap("Set 2 ▶")
        result = await runner.say("13")
        assert "Bent-over row" in result.messages[-1].text
        assert await sets_of(restarted, "shoulder_press") == [(1, 10, "5", "kg"), (2, 13, "5", "kg")]
        with restarted.store.transaction(NOW) as tx:
            record = (tx.db.get(User, ANN.user_id)).record
        assert record["dumbbells"] == ["4", "8"]
        assert record["exercises"]["shoulder_press"]["sets"] == [
            {"reps": 10, "weight": "5", "unit": "kg"},
            {"reps": 13, "weight": "5", "unit": "kg"},
        ]
        assert record["exercises"]["shoulder_press"]["best_kg"] == "5"
        await runner.tap("Finish")  # sets still open: one tap to confirm
        finished = await runner.tap("End workout")
        assert "2 of 12 sets" in finished.messages[0].text
        assert "doesn't count" in finished.messages[0].text  # under half of the sets
        with restarted.store.transaction(NOW) as tx:
            record = (tx.db.get(User, ANN.user_id)).record
        assert record.get("workouts", []) == []
        plan = await runner.say("/today")
        assert "session 1 of 2 this week" in plan.messages[0].text
    finally:
        await restarted.close()
