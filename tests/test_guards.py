"""Guards hand what they recognised to their transition's action (`Transition.fire`), and the
guards of one trigger read the typed text once per event (`Turn.once`)."""

import pytest

from dialogs import engine
from dialogs.events import Event
from dialogs.flow import END, Transition
from dialogs.flows import workout
from dialogs.session import Profile, Session
from dialogs.turn import Turn

PROFILE = Profile("Ann", "kg", "Europe/Berlin", {"dumbbells": ["4", "8"]})


def _turn(coach, now, text="12 reps"):
    return Turn(Session(profile=PROFILE), Event.from_text(text, now), coach)


def _reps(turn: Turn) -> int | None:
    words = turn.event.text.split()
    return int(words[0]) if words and words[0].isdigit() else None


@pytest.mark.parametrize(("text", "reps"), [("12 reps", 12), ("0 reps", 0)])  # 0: falsy, still recognised
def test_a_reader_hands_what_it_recognised_to_the_action(coach, now, text, reps):
    seen = []
    transition = Transition("x:a", "text", END, guard=_reps, action=lambda turn, reps: seen.append(reps))
    fired = transition.fire(_turn(coach, now, text))
    assert fired is not None
    fired()
    assert seen == [reps]


def test_none_and_false_do_not_fire(coach, now):
    turn = _turn(coach, now, "no number")
    assert Transition("x:a", "text", END, guard=_reps, action=lambda turn, reps: None).fire(turn) is None
    assert Transition("x:a", "text", END, guard=lambda turn: False, action=lambda turn: None).fire(turn) is None


def test_a_yes_or_no_guard_and_no_guard_give_the_action_the_turn_alone(coach, now):
    seen = []
    turn = _turn(coach, now)
    for guard in (lambda turn: True, None):
        fired = Transition("x:a", "text", END, guard=guard, action=lambda turn: seen.append(turn)).fire(turn)
        assert fired is not None
        fired()
    assert seen == [turn, turn]
    nothing = Transition("x:a", "text", END).fire(turn)
    assert nothing is not None
    nothing()  # no action: firing only moves to the target, which the engine does


def test_once_reads_once_per_event_and_again_for_the_next(coach, now):
    calls = []

    def read(turn: Turn) -> str:
        calls.append(turn.event.text)
        return turn.event.text.upper()

    first = _turn(coach, now, "a")
    assert first.once(read) == first.once(read) == "A"
    assert _turn(coach, now, "b").once(read) == "B"
    assert calls == ["a", "b"]


def _at_set(coach, now):
    turn = Turn(Session(flow="workout", state="workout:plan", profile=PROFILE), Event.from_text("go", now), coach)
    workout.start(turn)
    return Session(flow="workout", state="workout:set", data=turn.data, profile=PROFILE)


def _counting_parse_log(monkeypatch):
    calls = []
    real = workout.parse_log

    def parse_log(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(workout, "parse_log", parse_log)
    return calls


def test_a_typed_last_set_is_parsed_once_though_several_guards_read_it(coach, now, monkeypatch):
    calls = _counting_parse_log(monkeypatch)
    session = _at_set(coach, now)
    exercise, planned = session.data["exercise"], session.data["plan"][0]["sets"]
    session.data["set"] = planned  # the last set: "more sets to come" reads it and declines
    outcome = engine.step(session, Event.from_text("12", now), coach)
    assert calls == ["12"]
    assert (outcome.session.state, outcome.session.data["index"]) == ("workout:intro", 1)
    assert [reps for reps, _, _ in outcome.session.data["done"][exercise]][-1] == 12


def test_a_typed_problem_is_parsed_once_and_explained_with_what_the_guard_saw(coach, now, monkeypatch):
    calls = _counting_parse_log(monkeypatch)
    outcome = engine.step(_at_set(coach, now), Event.from_text("yesterday 12", now), coach)
    assert [text.strip() for text in calls] == ["12"]  # the day is read off first ("yesterday"), then the set
    assert outcome.session.state == "workout:set"
    assert outcome.session.data["done"] == {}
    explained = outcome.replies[0]
    assert (explained.template, explained.context["reason"]) == ("log/invalid", "not_today")
