"""Units and weights: exact conversions, real dumbbells, plain numbers, records on exact values,
and the weight the runner used carried to the next set."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from support.transcript import Player

from content.knowledge import load_knowledge
from dialogs.effects import LogSets
from dialogs.engine import step
from dialogs.events import Event
from dialogs.plan import plan_today
from dialogs.session import Profile, Session
from dialogs.units import DUMBBELLS, convert, heavier, lighter, nearest_dumbbell, plain, shown, stored_kg, to_kg


def test_conversions_are_exact_and_round_only_for_display():
    assert to_kg(Decimal(15), "lb") == Decimal("6.80388555")
    assert convert(convert(Decimal(15), "lb", "kg"), "kg", "lb") == Decimal(15)
    assert stored_kg(Decimal(15), "lb") == Decimal("6.8039")
    assert shown(convert(Decimal("7.5"), "kg", "lb")) == "16.5"  # display only
    assert convert(Decimal(4), None, "lb") == Decimal(4)


@pytest.mark.parametrize("number", ["1E+1", "10", "10.00", "1E+2", "0.50", "7.5"])
def test_plain_never_writes_an_exponent(number):
    text = plain(Decimal(number))
    assert "E" not in text and not text.endswith(".0") and Decimal(text) == Decimal(number)


def test_dumbbell_steps_are_real_ones():
    assert nearest_dumbbell(convert(Decimal("7.5"), "kg", "lb"), "lb") == 15
    assert heavier(Decimal(15), "lb") == 20
    assert lighter(Decimal(5), "lb") == 3
    assert lighter(Decimal(1), "kg") is None
    assert heavier(Decimal(50), "lb") == 55
    assert all(w == w.to_integral() for w in DUMBBELLS["lb"])


def _profile(units, record):
    return Profile("Ann", units, "Europe/Berlin", record)


EXERCISES = load_knowledge().exercises


def moves(*ids):
    return [EXERCISES[exercise_id] for exercise_id in ids]


def _last(reps, weight, unit):
    return {"sets": [{"reps": r, "weight": weight, "unit": unit} for r in reps], "at": "2026-11-20T08:00:00+00:00"}


def test_a_switch_to_lb_plans_real_dumbbells(now):
    record = {
        "exercises": {"shoulder_press": _last([12, 12], "7.5", "kg"), "bent_over_row": _last([15, 15], "7.5", "kg")}
    }
    plan = {
        p.exercise_id: p
        for p in plan_today(_profile("lb", record), moves("shoulder_press", "bent_over_row"), now).exercises
    }
    assert (plan["shoulder_press"].weight, plan["shoulder_press"].unit) == (15, "lb")  # not 16.5
    assert (plan["bent_over_row"].weight, plan["bent_over_row"].advice) == (20, "more")  # not 21.5


def test_never_above_the_heaviest_pair_owned(now):
    one_pair = {"dumbbells": ["6"], "dumbbells_unit": "kg", "exercises": {"bent_over_row": _last([15, 15], "6", "kg")}}
    item = plan_today(_profile("kg", one_pair), moves("bent_over_row"), now).exercises[0]
    assert (item.weight, item.advice) == (6, "slower")
    two_pairs = {**one_pair, "dumbbells": ["6", "10"]}
    item = plan_today(_profile("kg", two_pairs), moves("bent_over_row"), now).exercises[0]
    assert (item.weight, item.advice) == (10, "more")  # the next pair owned, not 6 + 2


def test_a_first_session_starts_light_on_the_moves_the_content_says_and_mid_range_on_the_others(now):
    record = {"dumbbells": ["4", "6", "8"], "dumbbells_unit": "kg"}
    plan = plan_today(_profile("kg", record), moves("shoulder_press", "bent_over_row", "lateral_raise"), now)
    assert [item.weight for item in plan.exercises] == [4, 6, 4]
    assert {e.id for e in EXERCISES.values() if e.first_pair == "lightest"} == {
        "shoulder_press",
        "lateral_raise",
        "renegade_row",
        "curl_to_press",
    }


def test_dumbbells_owned_keep_the_unit_they_were_named_in(now):
    record = {"dumbbells": ["10"], "dumbbells_unit": "lb"}
    item = plan_today(_profile("kg", record), moves("curl_to_press"), now).exercises[0]
    assert (item.weight, item.unit) == (10, "lb")


def _onboarded(player: Player, units: str) -> None:
    player.say("/start")
    player.say(units)
    player.say("Berlin")
    player.tap("Not now")


def test_the_ten_kg_dumbbell_is_noted_as_10(coach, now):
    player = Player(coach, now)
    _onboarded(player, "kg")
    player.say("/today")
    outcome = player.tap("10 kg")
    noted = coach.catalog.render(outcome.replies[0].template, outcome.replies[0].context)
    assert "Noted: 10 kg." in noted and "E+" not in noted


def _workout(player: Player) -> list[dict]:
    logged = []
    original = player._step

    def watching(event):
        outcome = original(event)
        logged.extend(e for e in outcome.effects if isinstance(e, LogSets))
        return outcome

    player._step = watching
    return logged


def test_a_runner_in_lb_repeating_the_planned_weight_sets_no_record(coach, now):
    player = Player(coach, now)
    _onboarded(player, "lb")
    best = str(stored_kg(Decimal(15), "lb"))
    record = {
        "dumbbells": ["15"],
        "dumbbells_unit": "lb",
        "exercises": {"shoulder_press": {**_last([12, 12], "15", "lb"), "best_kg": best}},
    }
    player.session = replace(player.session, profile=replace(player.session.profile, record=record))
    player.say("/today")
    player.tap("Start ▶")
    player.tap("Start set 1 ▶")
    player.tap("12")
    player.tap("Set 2 ▶")
    player.tap("12")
    player.tap("Finish")
    outcome = player.tap("End workout")
    summary = next(r for r in outcome.replies if r.template == "workout/summary")
    assert summary.context["records"] == []
    player.say("/today")
    player.tap("Start ▶")
    player.tap("Start set 1 ▶")
    player.say("12 @ 20 lb")
    player.tap("Finish")
    outcome = player.tap("End workout")
    summary = next(r for r in outcome.replies if r.template == "workout/summary")
    assert summary.context["records"] == [{"name": "Shoulder press", "weight": "20", "unit": "lb"}]


def test_the_weight_typed_on_set_1_carries_to_set_2(coach, now):
    player = Player(coach, now)
    _onboarded(player, "kg")
    player.say("/today")
    player.say("3 kg")
    logged = _workout(player)
    player.tap("Start ▶")
    player.tap("Start set 1 ▶")
    player.say("12 @ 4kg")
    outcome = player.tap("Set 2 ▶")
    card = outcome.replies[-1]
    assert (card.template, card.context["weight"], card.context["unit"]) == ("workout/set", "4", "kg")
    player.tap("15")
    assert logged[-1].sets == [[12, "4", "kg"], [15, "4", "kg"]]


def test_the_set_card_shows_last_time(coach, now):
    record = {"exercises": {"shoulder_press": _last([12, 11], "4", "kg")}}
    session = Session(profile=_profile("kg", record))
    outcome = step(session, Event.from_text("/today", now), coach)
    session = outcome.session
    for label in ("Start ▶", "Start set 1 ▶"):
        data = next(
            b.data(session.version) for r in outcome.replies for row in r.buttons for b in row if b.label == label
        )
        outcome = step(session, Event.from_button(data, now), coach)
        session = outcome.session
    card = outcome.replies[-1]
    assert card.context["last"] == [[12, "4"], [11, "4"]]
    assert "Last time:" in coach.catalog.render(card.template, card.context)
