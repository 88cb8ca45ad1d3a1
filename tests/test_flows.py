"""Every flow is sound: one initial state, targets exist, nothing unreachable, no dead end."""

import pytest

from dialogs.events import Event
from dialogs.flow import END, Flow, State, Transition
from dialogs.flows import FLOWS, workout
from dialogs.outcome import Reply
from dialogs.session import Profile, Session
from dialogs.turn import Turn


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_flow_is_sound(name):
    assert FLOWS[name].problems() == []


def _sample_data(coach, now, profile):
    """Data as the flows hold it mid-way: a timezone question pending, a workout started, a log
    with two readings, an entry being corrected."""
    turn = Turn(Session(flow="workout", state="workout:plan", profile=profile), Event.from_text("go", now), coach)
    workout.start(turn)
    return {
        **turn.data,
        "zone_typed": "x",
        "zone_options": [["X, US", "America/Chicago"]],
        "paused_at": "workout:set",
        "options": [["chest_press", [[10, "12", "kg"]] * 4], ["chest_press", [[10, "4", "kg"]] * 12]],
        "target": "20261124T083000000000/chest_press",
    }


def test_every_state_has_a_card_that_renders(coach, now):
    profile = Profile("Ann", "kg", "Europe/Berlin", {"dumbbells": ["4", "8"]})
    data = _sample_data(coach, now, profile)
    for flow in FLOWS.values():
        for state in flow.states:
            session = Session(flow=flow.name, state=state.name, profile=profile, data=data)
            reply = state.prompt(Turn(session, Event.from_text("hi", now), coach))
            assert coach.catalog.render(reply.template, reply.context)
            assert reply.buttons, f"{state.name}: a card without buttons leaves the runner stuck"


def _card(turn):
    return Reply("stale_menu")


def test_problems_are_found():
    broken = Flow(
        name="demo",
        title="demo",
        initial="demo:missing",
        states=(State("demo:a", _card), State("demo:b", _card), State("other:c", _card)),
        transitions=(
            Transition("demo:a", "button:go", "demo:nowhere"),
            Transition("demo:b", "shout", END),
        ),
    )
    problems = "\n".join(broken.problems())
    assert "initial state 'demo:missing' is not declared" in problems
    assert "transition to unknown state 'demo:nowhere'" in problems
    assert "unknown trigger 'shout'" in problems
    assert "'other:c' is not named 'demo:…'" in problems
    assert "'demo:b' is unreachable" in problems
    assert "'other:c' is a dead end" in problems
    assert "'demo:a' can never reach the end" in problems


def test_root_flow_may_not_end():
    root = Flow("r", "r", "r:a", (State("r:a", _card),), (Transition("r:a", "text", END),), root=True)
    assert root.problems() == ["r: the root flow cannot end"]
