"""Today's workout: which exercises, how many sets, and what weight, from the runner's record.

The coaching rules (from the content): light to moderate weights, 10–15 reps, form first,
twice a week. Progression stays inside that window: every set at 15 reps last time → a little
more weight; any set under 10 → a little less; otherwise the same weight again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from content.knowledge import Exercise
from dialogs.session import Profile
from dialogs.units import Unit, convert, heavier, lighter, nearest_dumbbell, rounded

REP_LOW, REP_TARGET, REP_HIGH = 10, 12, 15
WEEKLY_GOAL = 2
REST_SECONDS = 60
SECONDS_PER_SET = 45
FIRST_SESSIONS = 4  # two sets per exercise while the movements are new, three after that
# Exercises done with the lighter dumbbells when the runner owns more than one pair.

Advice = Literal["first", "same", "more", "less", "slower"]  # slower: no heavier pair owned, so reps and tempo


@dataclass(frozen=True)
class PlannedExercise:
    exercise_id: str
    sets: int
    reps: int
    weight: Decimal | None  # in `unit`; None when the runner has not said what they lift
    unit: Unit
    advice: Advice
    last: tuple[tuple[int, Decimal | None], ...] = ()  # last time's (reps, weight in `unit`)

    def to_json(self) -> dict[str, Any]:
        return {
            "exercise_id": self.exercise_id,
            "sets": self.sets,
            "reps": self.reps,
            "weight": None if self.weight is None else str(self.weight),
            "unit": self.unit,
            "advice": self.advice,
            "last": [[r, None if w is None else str(w)] for r, w in self.last],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PlannedExercise:
        return cls(
            data["exercise_id"],
            data["sets"],
            data["reps"],
            None if data["weight"] is None else Decimal(data["weight"]),
            data["unit"],
            data["advice"],
            tuple((r, None if w is None else Decimal(w)) for r, w in data["last"]),
        )


@dataclass(frozen=True)
class Plan:
    exercises: tuple[PlannedExercise, ...]
    session_of_week: int  # 1 for the first workout this week, 2 for the second, …

    @property
    def minutes(self) -> int:
        sets = sum(item.sets for item in self.exercises)
        seconds = sets * (SECONDS_PER_SET + REST_SECONDS) + 60 * len(self.exercises)
        return max(5, round(seconds / 60 / 5) * 5)


def owned_dumbbells(profile: Profile) -> tuple[Unit, list[Decimal]]:
    """The pairs the runner said they own, lightest first, and the unit they said them in."""
    unit: Unit = profile.record.get("dumbbells_unit") or profile.units or "kg"
    return unit, sorted(Decimal(w) for w in profile.record.get("dumbbells", []))


def workouts_this_week(profile: Profile, now: datetime) -> int:
    """Finished workouts since Monday 00:00 in the runner's timezone."""
    zone = ZoneInfo(profile.timezone or "UTC")
    local = now.astimezone(zone)
    monday = (local - timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    finished = [datetime.fromisoformat(w["at"]) for w in profile.record.get("workouts", [])]
    return sum(1 for moment in finished if moment >= monday)


def plan_today(profile: Profile, exercises: Sequence[Exercise], now: datetime) -> Plan:
    record = profile.record.get("exercises", {})
    owned_unit, owned = owned_dumbbells(profile)
    # With dumbbells named, plans are in the unit they were named in: the runner holds a 4 kg pair, not 8.8 lb.
    unit: Unit = owned_unit if owned else profile.units or "kg"
    sets = 2 if len(profile.record.get("workouts", [])) < FIRST_SESSIONS else 3
    planned = tuple(_planned(ex, record.get(ex.id), owned, unit, sets) for ex in exercises)
    return Plan(planned, workouts_this_week(profile, now) + 1)


def _planned(
    exercise: Exercise, last: dict[str, Any] | None, owned: list[Decimal], unit: Unit, sets: int
) -> PlannedExercise:
    exercise_id = exercise.id
    if not last or not last.get("sets"):
        weight = (owned[0] if exercise.first_pair == "lightest" else owned[len(owned) // 2]) if owned else None
        return PlannedExercise(exercise_id, sets, REP_TARGET, weight, unit, "first")
    done = tuple(
        (s["reps"], None if s.get("weight") is None else convert(Decimal(s["weight"]), s.get("unit"), unit))
        for s in last["sets"]
    )
    weights = [w for _, w in done if w is not None]
    if not weights:
        return PlannedExercise(exercise_id, sets, REP_TARGET, None, unit, "same", done)
    weight = _held(max(weights), owned, unit)
    advice: Advice = "same"
    if all(reps >= REP_HIGH for reps, _ in done):
        up = _step(weight, owned, unit, up=True)
        if up is None:
            advice = "slower"
        else:
            weight, advice = up, "more"
    elif any(reps < REP_LOW for reps, _ in done):
        down = _step(weight, owned, unit, up=False)
        if down is not None:
            weight, advice = down, "less"
    return PlannedExercise(exercise_id, sets, REP_TARGET, weight, unit, advice, done)


def _held(weight: Decimal, owned: list[Decimal], unit: Unit) -> Decimal:
    """The dumbbell that `weight` was lifted with: the closest pair owned; else the weight itself
    when it is one a rack can have (a half unit), or the closest of the rack (a converted weight)."""
    if owned:
        return min(owned, key=lambda w: (abs(w - weight), w))
    return weight if rounded(weight) == weight else nearest_dumbbell(weight, unit)


def _step(weight: Decimal, owned: list[Decimal], unit: Unit, up: bool) -> Decimal | None:
    """The next pair up or down: among those owned when the runner named them (never above the
    heaviest), else the next of the rack. None when there is none."""
    if owned:
        found = [w for w in owned if (w > weight if up else w < weight)]
        return (found[0] if up else found[-1]) if found else None
    return heavier(weight, unit) if up else lighter(weight, unit)
