"""What a finished workout adds up to, for its summary: sets against the plan, volume, the
weights that beat the runner's best, and which exercises to make harder or easier next time.
Plain arithmetic on the workout's own record (`done`: exercise id -> [reps, weight, unit] sets)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from dialogs.plan import REP_HIGH, REP_LOW, PlannedExercise
from dialogs.units import stored_kg, to_kg


@dataclass(frozen=True)
class Best:
    """A weight heavier than the runner's best before today, as lifted (their own number and unit,
    never a conversion)."""

    exercise_id: str
    weight: Decimal
    unit: str


@dataclass(frozen=True)
class Change:
    exercise_id: str
    advice: Literal["more", "less"]  # every planned set at the top of the range / a set below it


@dataclass(frozen=True)
class Summary:
    sets: int
    planned: int
    exercises: int
    volume_kg: Decimal
    bests: tuple[Best, ...]
    changes: tuple[Change, ...]


def summarise(
    plan: Sequence[PlannedExercise],
    done: Mapping[str, Sequence[Sequence[Any]]],
    best_before: Mapping[str, str | None],
) -> Summary:
    """`best_before`: exercise id -> the best weight in kg before today (None: never lifted)."""
    volume_kg = sum(
        (to_kg(Decimal(w), u) * reps for sets in done.values() for reps, w, u in sets if w is not None), Decimal(0)
    )
    bests, changes = [], []
    for item in plan:
        sets = done.get(item.exercise_id)
        if not sets:
            continue
        heaviest = max(((stored_kg(Decimal(w), u), Decimal(w), u) for _, w, u in sets if w is not None), default=None)
        before = best_before.get(item.exercise_id)
        if heaviest is not None and before is not None and heaviest[0] > Decimal(before):
            bests.append(Best(item.exercise_id, heaviest[1], heaviest[2]))
        if len(sets) >= item.sets and all(reps >= REP_HIGH for reps, _, _ in sets):
            changes.append(Change(item.exercise_id, "more"))
        elif any(reps < REP_LOW for reps, _, _ in sets):
            changes.append(Change(item.exercise_id, "less"))
    return Summary(
        sets=sum(len(sets) for sets in done.values()),
        planned=sum(item.sets for item in plan),
        exercises=len([sets for sets in done.values() if sets]),
        volume_kg=volume_kg,
        bests=tuple(bests),
        changes=tuple(changes),
    )
