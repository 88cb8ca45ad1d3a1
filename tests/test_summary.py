"""A finished workout's figures (dialogs/summary.py): volume in kg whatever the unit, bests as
lifted, and next time's advice from the reps done."""

from decimal import Decimal

from dialogs.plan import PlannedExercise
from dialogs.summary import Best, Change, summarise


def planned(exercise_id, sets=2):
    return PlannedExercise(exercise_id, sets, 12, Decimal(6), "kg", "same")


PLAN = [planned("shoulder_press"), planned("bent_over_row"), planned("chest_press")]


def test_volume_counts_every_set_in_kg_and_sets_without_a_weight_add_none():
    done = {"shoulder_press": [[12, "6", "kg"], [10, "6", "kg"]], "bent_over_row": [[10, "10", "lb"], [12, None, None]]}
    summary = summarise(PLAN, done, {})
    assert (summary.sets, summary.planned, summary.exercises) == (4, 6, 2)
    assert summary.volume_kg == Decimal(132) + Decimal(10) * Decimal("0.45359237") * 10


def test_a_best_is_told_as_lifted_and_only_when_it_beats_the_best_before():
    done = {"shoulder_press": [[12, "15", "lb"], [12, "15", "lb"]], "bent_over_row": [[12, "8", "kg"]]}
    best_kg_of_15_lb = "6.8039"  # as stored: the same 15 lb again is no record
    summary = summarise(PLAN, done, {"shoulder_press": best_kg_of_15_lb, "bent_over_row": "7.5", "chest_press": "1"})
    assert summary.bests == (Best("bent_over_row", Decimal(8), "kg"),)


def test_all_sets_at_the_top_of_the_range_means_more_and_a_set_below_it_less():
    done = {
        "shoulder_press": [[15, "6", "kg"], [15, "6", "kg"]],
        "bent_over_row": [[12, "6", "kg"], [9, "6", "kg"]],
        "chest_press": [[15, "6", "kg"]],  # one of two sets: not yet more
    }
    assert summarise(PLAN, done, {}).changes == (Change("shoulder_press", "more"), Change("bent_over_row", "less"))
