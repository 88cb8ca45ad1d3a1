"""A corrected line in reply to a guided workout's set: the card of an exercise (live, or
collapsed to its record "Shoulder press · ✓ 12 @ 6 kg · ✓ 12 @ 6 kg") shows its sets, and a
Telegram reply to it with "10 @ 6kg" or just "10" replaces the last set it shows, never adding
one. A line of several sets ("2x10", "10, 11") replaces as many of the last sets (at most all
of them). A set typed without a weight keeps the weight of the set it replaces. The answer says
which set changed, from what to what.

While the workout runs (or waits under a flow opened on top of it), its own record of the sets
is corrected and stored again; a workout that is over is corrected in the log (`CorrectSets`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dialogs.effects import CorrectSets, LogSets
from dialogs.flows import workout
from dialogs.history import problem, sets_json
from dialogs.outcome import Reply
from dialogs.replog import Ambiguous, Invalid, LogResult, NotALog, Parsed, parse_log
from dialogs.turn import Turn

if TYPE_CHECKING:
    from dialogs.coach import Coach

Sets = list[list[Any]]


def replaced(shown: Sequence[Sequence[Any]], typed: Sequence[Sequence[Any]]) -> tuple[Sets, list[int]]:
    """The sets after the correction, and the numbers (from 1) of the sets it replaced."""
    count = min(len(typed), len(shown))
    first = len(shown) - count
    sets = [list(s) for s in shown[:first]]
    for old, (reps, weight, unit) in zip(shown[first:], typed[len(typed) - count :], strict=True):
        sets.append([reps, old[1], old[2]] if weight is None else [reps, weight, unit])
    return sets, list(range(first + 1, len(shown) + 1))


@dataclass(frozen=True)
class SetsCorrected:
    """The answer to a correction: the exercise's sets before and after, or `before` None when
    its entry is no longer in the log (undone, or the runner's data deleted)."""

    exercise_id: str
    before: Sets | None
    after: Sets
    numbers: list[int]

    def reply(self, coach: Coach) -> Reply:
        if self.before is None:
            return Reply("log/entry_gone")
        changed = [n - 1 for n in self.numbers]
        return Reply(
            "workout/corrected",
            {
                "exercise_id": self.exercise_id,
                "numbers": self.numbers,
                "of": len(self.after),
                "was": workout.sets_line([self.before[i] for i in changed], mark=""),
                "now": workout.sets_line([self.after[i] for i in changed], mark=""),
            },
        )


@dataclass(frozen=True)
class RecordCorrected:
    """The exercise's record as it reads after a correction: the message replied to (a card
    collapsed to its record) is edited to it, so that it shows the sets the log now holds."""

    exercise_id: str
    sets: Sets

    def reply(self, coach: Coach) -> Reply:
        return Reply(
            "workout/record", {"exercise_id": self.exercise_id, "done": workout.sets_line(self.sets)}, amends=True
        )


@dataclass(frozen=True)
class Correction:
    """A typed line in reply to an exercise's card: the card's entry and exercise, and the line
    read as sets of that exercise."""

    entry: str
    exercise_id: str
    result: LogResult


def _read(turn: Turn) -> Correction | None:
    """The message read as a correction, if it replies to an exercise's card."""
    about = turn.event.reply_to
    if turn.event.kind != "text" or turn.event.edited or not about.startswith(workout.SETS):
        return None
    entry = about.removeprefix(workout.SETS)
    exercise_id = workout.split_entry(entry)[1]
    if exercise_id not in turn.coach.exercise_names:
        return None
    result = parse_log(
        turn.event.text,
        exercises=turn.coach.exercise_names,
        default_unit=turn.profile.units or "kg",
        current_exercise=exercise_id,
    )
    return Correction(entry, exercise_id, result)


def _running(turn: Turn, entry: str) -> dict[str, Any] | None:
    """The data of the workout the entry is of, while it runs (here or under a flow on top)."""
    workout_id = workout.split_entry(entry)[0]
    if turn.flow_name == "workout" and turn.data.get("workout") == workout_id:
        return turn.data
    for index, frame in enumerate(turn.stack):
        if frame.flow == "workout" and frame.data.get("workout") == workout_id:
            data: dict[str, Any] = json.loads(json.dumps(frame.data))  # the session's own stays as it was
            turn.stack[index] = replace(frame, data=data)
            return data
    return None


def corrects_a_set(turn: Turn) -> Correction | None:
    """Typed text that reads as sets, in reply to an exercise's card that shows some."""
    found = _read(turn)
    if found is None or isinstance(found.result, NotALog):
        return None
    data = _running(turn, found.entry)
    # A running card with no sets yet: the line is a set to log, not a correction.
    return found if data is None or data["done"].get(found.exercise_id) else None


def correct_set(turn: Turn, found: Correction) -> None:
    entry, exercise_id, result = found.entry, found.exercise_id, found.result
    if isinstance(result, Invalid | Ambiguous):
        turn.replies.append(problem(turn.coach, result))
    elif isinstance(result, Parsed) and result.entry.exercise_id != exercise_id:
        names = turn.coach.catalog.knowledge.exercises
        turn.say("workout/correct_other", typed=names[result.entry.exercise_id].name, shown=names[exercise_id].name)
    elif isinstance(result, Parsed):
        typed = sets_json(result.entry)
        data = _running(turn, entry)
        if data is None:  # storage answers with `SetsCorrected`
            turn.effect(CorrectSets(entry, exercise_id, typed))
        else:
            _correct_running(turn, data, entry, exercise_id, typed)
            return
    if not turn.at_home:
        turn.show_card()


def _correct_running(turn: Turn, data: dict[str, Any], entry: str, exercise_id: str, typed: Sets) -> None:
    before = data["done"][exercise_id]
    after, numbers = replaced(before, typed)
    data["done"][exercise_id] = after
    turn.effect(LogSets(entry, exercise_id, after, data["workout"]))
    if data is turn.data and turn.data["exercise"] == exercise_id:
        workout.carry_weight(turn, after[-1:])
    answer = SetsCorrected(exercise_id, before, after, numbers).reply(turn.coach)
    # In the workout, above its card again (which shows the sets as they are now).
    turn.replies.append(replace(answer, fold=turn.flow_name == "workout"))
    turn.replies.append(RecordCorrected(exercise_id, after).reply(turn.coach))
    if not turn.at_home:
        turn.show_card()
