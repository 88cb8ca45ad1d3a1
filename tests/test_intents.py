"""Global intents by words: the /today words start the workout only when the runner asks for it."""

from datetime import UTC, datetime

import pytest

from dialogs.engine import step
from dialogs.events import Event
from dialogs.intents import asks_for_workout
from dialogs.session import Profile, Session

NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)

REQUESTS = [
    "what's my workout today?",
    "what is today's workout",
    "today's workout please",
    "ok, let's train",
    "let's do this",
    "start my workout",
    "can we start the workout?",
    "I want to do my workout now",
    "begin the session",
    "workout for today?",
]
QUESTIONS = [
    "should I still do the workout this week?",
    "Should I do the workout today if my legs are sore?",
    "is it ok to do the workout after a run?",
    "do I have to do the workout twice a week?",
    "how often should I do the workout",
    "when is the best time to do my workout",
    "why do the workout at all",
    "can I do the workout before a race?",
    "is today's workout hard?",
    "I'm not sure whether to do the workout",
    "I missed a week, can I still do my workout?",
]


@pytest.mark.parametrize("text", REQUESTS)
def test_a_request_for_the_workout_is_one(text):
    assert asks_for_workout(text)


@pytest.mark.parametrize("text", QUESTIONS)
def test_a_question_about_the_workout_is_not_a_request(text):
    assert not asks_for_workout(text)


def _home(coach):
    return Session(profile=Profile("Ann", "kg", "Europe/Berlin", {"dumbbells": ["4", "8"]}))


@pytest.mark.parametrize("text", REQUESTS[:3])
def test_the_engine_shows_the_plan_for_a_request(coach, text):
    outcome = step(_home(coach), Event.from_text(text, NOW), coach)
    assert [r.template for r in outcome.replies] == ["workout/plan"]
    assert outcome.session.flow == "workout"


@pytest.mark.parametrize("text", QUESTIONS[:4])
def test_the_engine_answers_a_question_about_the_workout_and_stays_home(coach, text):
    outcome = step(_home(coach), Event.from_text(text, NOW), coach)
    assert outcome.session.flow == "home"
    assert all(r.template.startswith(("answer/", "ask/")) for r in outcome.replies), outcome.replies


def test_a_question_about_the_workout_mid_workout_keeps_the_set(coach):
    from dialogs.flows import workout
    from dialogs.turn import Turn

    profile = Profile("Ann", "kg", "Europe/Berlin", {"dumbbells": ["4", "8"]})
    turn = Turn(Session(flow="workout", state="workout:plan", profile=profile), Event.from_text("go", NOW), coach)
    workout.start(turn)
    at_the_set = Session(flow="workout", state="workout:set", data=turn.data, profile=profile)
    outcome = step(at_the_set, Event.from_text("should I still do the workout this week?", NOW), coach)
    assert (outcome.session.flow, outcome.session.state) == ("workout", "workout:set")
    assert outcome.session.data == at_the_set.data and not outcome.effects
    assert outcome.replies[0].template.startswith("answer/")  # answered, not the workout card shown again
