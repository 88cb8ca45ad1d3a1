"""Every flow is sound: one initial state, targets exist, nothing unreachable, no dead end, and
every button a step shows is taken there, every button transition can fire."""

import pytest

from dialogs import coach as coach_module
from dialogs.coach import Coach
from dialogs.events import Event
from dialogs.flow import END, Flow, FlowError, State, Transition
from dialogs.flows import FLOWS, workout
from dialogs.intents import BUTTONS
from dialogs.outcome import Reply
from dialogs.payload import name_of
from dialogs.session import Profile, Session
from dialogs.turn import Turn


@pytest.mark.parametrize("name", sorted(FLOWS))
def test_flow_is_sound(name):
    assert FLOWS[name].problems(BUTTONS) == []


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


def _pick(buttons=("yes", "no"), transitions=None, root=False):
    """A one-question flow: its card shows `buttons`, each taken by a transition unless told."""
    if transitions is None:
        transitions = tuple(Transition("pick:ask", f"button:{b}", END) for b in buttons)
    return Flow("pick", "pick", "pick:ask", (State("pick:ask", _card, buttons=buttons),), transitions, root=root)


def test_a_flow_whose_buttons_match_its_transitions_is_sound():
    assert _pick().problems({"help"}) == []
    # a global intent's button on the card needs no transition of its own
    assert (
        _pick(buttons=("yes", "help"), transitions=(Transition("pick:ask", "button:yes", END),)).problems({"help"})
        == []
    )


def test_a_button_nothing_takes_is_reported():
    flow = _pick(transitions=(Transition("pick:ask", "button:yes", END),))
    assert flow.problems() == ["pick: state 'pick:ask' shows button 'no', but no transition or global intent takes it"]


def test_a_button_transition_no_card_offers_is_reported():
    flow = _pick(transitions=(*_pick().transitions, Transition("pick:ask", "button:maybe", END)))
    assert flow.problems() == [
        "pick: state 'pick:ask': transition on button 'maybe' can never fire (the state shows no such button)"
    ]


def test_a_button_transition_a_global_intent_takes_first_is_reported():
    """The transition home once had: `button:menu`, which the global menu intent always takes."""
    root = _pick(buttons=("today",), transitions=(Transition("pick:ask", "button:menu", "pick:ask"),), root=True)
    assert root.problems({"menu", "today"}) == [
        "pick: state 'pick:ask': transition on button 'menu' can never fire (a global intent takes that button first)"
    ]


def test_a_step_whose_only_buttons_are_global_intents_is_no_dead_end():
    assert _pick(buttons=("today",), transitions=(), root=True).problems({"today"}) == []
    assert _pick(buttons=(), transitions=(), root=True).problems({"today"}) == [
        "pick: state 'pick:ask' is a dead end (no way out)"
    ]


def test_the_coach_refuses_to_load_unsound_flows(monkeypatch):
    monkeypatch.setattr(coach_module, "FLOWS", {**FLOWS, "pick": _pick(transitions=())})
    with pytest.raises(FlowError, match="shows button 'yes'"):
        Coach.load()


def test_every_button_a_card_renders_is_one_its_state_declares(coach, now):
    """The declaration the validator checks is what the cards draw (globals aside), for data as
    the flows hold it mid-way."""
    profile = Profile("Ann", "kg", "Europe/Berlin", {"dumbbells": ["4", "8"]})
    data = _sample_data(coach, now, profile)
    for flow in FLOWS.values():
        for state in flow.states:
            session = Session(flow=flow.name, state=state.name, profile=profile, data=data)
            reply = state.prompt(Turn(session, Event.from_text("hi", now), coach))
            names = {name_of(button.payload) for row in reply.buttons for button in row}
            assert names <= {*state.buttons, *BUTTONS}, f"{state.name}: draws {names - set(state.buttons)}"
