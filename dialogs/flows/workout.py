"""The guided workout: today's plan, then each exercise (an intro card, then set by set with a
rest in between), then a summary. Its `data` while a workout runs is a `WorkoutData`.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NotRequired, TypedDict, cast

from dialogs.effects import LogSets
from dialogs.flow import END, Edge, Flow, Guard, State, Transition, then
from dialogs.flows.logbook import typed as typed_log
from dialogs.history import entry_of, line, problem
from dialogs.log_day import day_said, local_date
from dialogs.outcome import Button, Reply
from dialogs.payload import exercise_ref, payload
from dialogs.plan import (
    REP_HIGH,
    REP_LOW,
    REST_SECONDS,
    WEEKLY_GOAL,
    PlannedExercise,
    plan_today,
    workouts_this_week,
)
from dialogs.replog import Ambiguous, Invalid, LogResult, NotALog, Parsed, parse_log
from dialogs.summary import summarise
from dialogs.turn import Turn
from dialogs.units import Unit, convert, plain, shown, to_kg

ABANDONED_AFTER = timedelta(hours=3)
KEEP_WORKOUTS = 60  # finished workouts kept in the record: enough for weekly counts and streaks
DUMBBELL_CHOICES = {"kg": ("2", "4", "6", "8", "10"), "lb": ("5", "10", "15", "20", "25")}
MAX_DUMBBELL_KG = 60
NUMBER = re.compile(r"\d+(?:[.,]\d+)?")
# An exercise's live card: `SETS` + the exercise's entry id in this workout (`entry_id`). A
# Telegram reply to it (live or collapsed to its record) corrects its sets (`dialogs.corrections`).
SETS = "sets:"


class WorkoutData(TypedDict):
    """The flow's `data` (JSON in the session) while a workout runs."""

    workout: str  # when it started (ISO), also the id its logged sets are stored under
    plan: list[dict[str, Any]]  # the planned exercises (`PlannedExercise.to_json`)
    index: int  # the exercise to do next
    set: int  # the set to do next, counting from 1
    exercise: str  # the current exercise id: questions like "how do I do this?" are about it
    done: dict[str, list[list[Any]]]  # exercise id -> the sets logged so far, [reps, weight, unit]
    best_before: dict[str, str | None]  # exercise id -> best weight in kg before today, to spot records
    last_at: str  # the last time the runner did something here (ISO)
    paused_at: NotRequired[str]  # the step a pause left
    ending_from: NotRequired[str]  # the step "Finish" (sets still open) asked from


def _data(turn: Turn) -> WorkoutData:
    """The turn's `data`, as this flow keeps it (a cast: session data is JSON, not checked)."""
    return cast(WorkoutData, turn.data)


# --- reading the workout ------------------------------------------------------------------
def _plan(turn: Turn) -> list[PlannedExercise]:
    return [PlannedExercise.from_json(item) for item in _data(turn)["plan"]]


def _current(turn: Turn) -> PlannedExercise:
    return PlannedExercise.from_json(_data(turn)["plan"][_data(turn)["index"]])


def _name(turn: Turn, exercise_id: str) -> str:
    return turn.coach.catalog.knowledge.exercises[exercise_id].name


def step_label(turn: Turn) -> str:
    """ "Shoulder press, set 2 of 3": how the runner is sent back to exactly this step."""
    item = _current(turn)
    if turn.state_name == "workout:intro":
        return _name(turn, item.exercise_id)
    label = "rest_before" if turn.state_name == "workout:rest" else "set_of"
    return turn.coach.catalog.label(
        label, exercise=_name(turn, item.exercise_id), set=_data(turn)["set"], sets=item.sets
    )


def abandoned(turn: Turn) -> bool:
    """Left in the middle hours ago: worth asking whether to carry on."""
    last = _data(turn).get("last_at")
    return last is not None and turn.event.now - datetime.fromisoformat(last) > ABANDONED_AFTER


def entry_id(workout: str, exercise_id: str) -> str:
    """The logbook entry of one exercise of a guided workout (all its sets)."""
    return f"{workout}#{exercise_id}"


def split_entry(entry: str) -> tuple[str, str]:
    """(workout, exercise id) of an `entry_id`."""
    workout, _, exercise_id = entry.rpartition("#")
    return workout, exercise_id


def _card(turn: Turn) -> str:
    return SETS + entry_id(_data(turn)["workout"], _current(turn).exercise_id)


# --- cards --------------------------------------------------------------------------------
def sets_line(sets: list[list[Any]], mark: str = "✓ ") -> str:
    """Sets as a card shows them: "✓ 12 @ 4 kg · ✓ 11 @ 4 kg"."""
    return " · ".join(f"{mark}{reps}" + (f" @ {shown(Decimal(w))} {u}" if w is not None else "") for reps, w, u in sets)


def _done_line(turn: Turn, exercise_id: str) -> str:
    """The sets of this exercise logged so far."""
    return sets_line(_data(turn)["done"].get(exercise_id, []))


def exercise_record(turn: Turn) -> Reply:
    """The one line an exercise's card collapses to: what was done there."""
    exercise_id = _current(turn).exercise_id
    return Reply("workout/record", {"exercise_id": exercise_id, "done": _done_line(turn, exercise_id)})


def _live(turn: Turn, reply: Reply) -> Reply:
    """An exercise's steps share one live card, edited in place as the runner goes."""
    return replace(reply, card=_card(turn), record=exercise_record(turn))


def dumbbells_card(turn: Turn) -> Reply:
    unit = turn.profile.units or "kg"
    row = tuple(turn.button("weight", payload("have", w), weight=w, unit=unit) for w in DUMBBELL_CHOICES[unit])
    return Reply("workout/dumbbells", {"unit": unit}, (row,))


def plan_card(turn: Turn) -> Reply:
    plan = plan_today(turn.profile, list(turn.coach.catalog.knowledge.exercises.values()), turn.event.now)
    items = [
        {
            "name": _name(turn, p.exercise_id),
            "sets": p.sets,
            "reps": p.reps,
            "weight": shown(p.weight),
            "unit": p.unit,
            "advice": p.advice,
        }
        for p in plan.exercises
    ]
    rows: list[tuple[Button, ...]] = [(turn.button("start_workout", "start"), turn.button("not_now", "later"))]
    if not turn.profile.record.get("dumbbells"):
        rows.append((turn.button("my_dumbbells", "dumbbells"),))
    return Reply(
        "workout/plan",
        {
            "items": items,
            "minutes": plan.minutes,
            "session": plan.session_of_week,
            "goal": WEEKLY_GOAL,
            "knows_weights": any(p.weight is not None for p in plan.exercises),
        },
        tuple(rows),
    )


def intro_card(turn: Turn) -> Reply:
    item = _current(turn)
    rows = [
        (turn.button("start_set", "go", set=1),),
        (turn.button("explain", exercise_ref(item.exercise_id, "howto")), turn.button("skip_exercise", "skip")),
    ]
    rows.append(
        (turn.button("back", "back"), turn.button("finish", "finish"))
        if _data(turn)["index"]
        else (turn.button("finish", "finish"),)
    )
    return _live(
        turn,
        Reply(
            "workout/intro",
            {
                "exercise_id": item.exercise_id,
                "number": _data(turn)["index"] + 1,
                "count": len(_data(turn)["plan"]),
                "sets": item.sets,
                "reps": item.reps,
                "weight": shown(item.weight),
                "unit": item.unit,
                "advice": item.advice,
                "last": [[r, shown(w)] for r, w in item.last],
            },
            tuple(rows),
        ),
    )


def set_card(turn: Turn) -> Reply:
    item = _current(turn)
    exercise = turn.coach.catalog.knowledge.exercises[item.exercise_id]
    number = _data(turn)["set"]
    reps = sorted({REP_LOW, item.reps, REP_HIGH})
    rows = (
        tuple(turn.button("reps", payload("did", r), reps=r) for r in reps) + (turn.button("other", "other"),),
        (turn.button("explain", exercise_ref(item.exercise_id, "howto")), turn.button("skip_exercise", "skip")),
        (turn.button("back", "back"), turn.button("pause", "pause"), turn.button("finish", "finish")),
    )
    return _live(
        turn,
        Reply(
            "workout/set",
            {
                "exercise_id": item.exercise_id,
                "done": _done_line(turn, item.exercise_id),
                "set": number,
                "sets": item.sets,
                "reps": item.reps,
                "weight": shown(item.weight),
                "unit": item.unit,
                "cue": exercise.cues[(number - 1) % len(exercise.cues)],
                "last": [[r, shown(w)] for r, w in item.last],
            },
            rows,
        ),
    )


def other_card(turn: Turn) -> Reply:
    item = _current(turn)
    return _live(
        turn, Reply("workout/other", {"set": _data(turn)["set"], "unit": item.unit}, ((turn.button("back", "back"),),))
    )


def rest_card(turn: Turn) -> Reply:
    item = _current(turn)
    rows = (
        (turn.button("next_set", "go", set=_data(turn)["set"]),),
        (turn.button("back", "back"), turn.button("pause", "pause"), turn.button("finish", "finish")),
    )
    context = {
        "exercise_id": item.exercise_id,
        "done": _done_line(turn, item.exercise_id),
        "seconds": REST_SECONDS,
        "set": _data(turn)["set"],
        "sets": item.sets,
    }
    return _live(turn, Reply("workout/rest", context, rows))


def confirm_end_card(turn: Turn) -> Reply:
    """Sets are still open: one tap to end, one to go back to the same step."""
    sets, planned = _logged_count(turn), sum(item.sets for item in _plan(turn))
    rows = ((turn.button("end_workout", "end"), turn.button("keep_going", "keep")),)
    return _live(turn, Reply("workout/confirm_end", {"sets": sets, "planned": planned, "counts": _counts(turn)}, rows))


def paused_card(turn: Turn) -> Reply:
    rows = ((turn.button("resume_workout", "go"), turn.button("finish", "finish")),)
    return _live(turn, Reply("workout/paused", {"step": step_label(turn)}, rows))


# --- guards -------------------------------------------------------------------------------
Problem = Ambiguous | Invalid | Parsed  # typed text that cannot be stored as a set, or a set of another exercise


def _read(turn: Turn) -> LogResult:
    """What the runner typed, read as a set of the current exercise. A set said to be of another
    day ("yesterday 12") is not one of this workout's."""
    said = day_said(turn.event.text, local_date(turn.event.now, turn.profile.timezone))
    read = parse_log(
        said.text,
        exercises=turn.coach.exercise_names,
        default_unit=_current(turn).unit,
        current_exercise=_current(turn).exercise_id,
    )
    other_day = said.problem or (Invalid("not_today") if said.days_back else None)
    return other_day if other_day and not isinstance(read, NotALog) else read


def _typed(turn: Turn) -> LogResult:
    """What the runner typed, read once per event (`_read`)."""
    return turn.once(_read)


def _logged_sets(turn: Turn) -> list[list[Any]]:
    """The sets this event logs: a tapped rep count at the planned weight, or what was typed
    (read once per event, though three guards ask)."""
    return turn.once(_read_sets)


def _read_sets(turn: Turn) -> list[list[Any]]:
    if turn.event.kind == "button":
        item = _current(turn)
        reps = int(turn.argument) if turn.argument.isdigit() else 0
        return [[reps, _stored(item.weight), item.unit if item.weight is not None else None]] if 0 < reps <= 100 else []
    result = _typed(turn)
    item = _current(turn)
    if not isinstance(result, Parsed) or result.entry.exercise_id != item.exercise_id:
        return []
    if item.weight is not None and all(s.weight is None for s in result.entry.sets):
        return [[s.reps, _stored(item.weight), item.unit] for s in result.entry.sets]  # "12": at the planned weight
    return [[s.reps, _stored(s.weight), s.unit] for s in result.entry.sets]


def _remaining_after(turn: Turn, sets: list[list[Any]]) -> int:
    """Sets of this exercise still to do once `sets` are logged."""
    done: int = _data(turn)["set"] - 1
    return _current(turn).sets - done - len(sets)


def logs_with_more_sets(turn: Turn) -> list[list[Any]] | None:
    """The sets this event logs, when more of the exercise's are left after them."""
    sets = _logged_sets(turn)
    return sets if sets and _remaining_after(turn, sets) > 0 else None


def logs_last_set(turn: Turn) -> list[list[Any]] | None:
    sets = _logged_sets(turn)
    return sets if sets and _remaining_after(turn, sets) <= 0 and has_next(turn) else None


def logs_last_set_of_workout(turn: Turn) -> list[list[Any]] | None:
    sets = _logged_sets(turn)
    return sets if sets and _remaining_after(turn, sets) <= 0 and not has_next(turn) else None


def typed_a_problem(turn: Turn) -> Problem | None:
    """Typed text that looks like a set but cannot be stored as one (or a set of another
    exercise): explain, store nothing."""
    result = _typed(turn)
    if isinstance(result, Ambiguous | Invalid):
        return result
    return result if isinstance(result, Parsed) and result.entry.exercise_id != _current(turn).exercise_id else None


def has_next(turn: Turn) -> bool:
    return bool(_data(turn)["index"] + 1 < len(_data(turn)["plan"]))


def is_last(turn: Turn) -> bool:
    return not has_next(turn)


def first_set(turn: Turn) -> bool:
    return bool(_data(turn)["set"] == 1)


def later_set(turn: Turn) -> bool:
    return bool(_data(turn)["set"] > 1)


def later_exercise(turn: Turn) -> bool:
    return bool(_data(turn)["index"] > 0)


def paused_at(state: str) -> Guard:
    def guard(turn: Turn) -> bool:
        return _data(turn).get("paused_at") == state

    return guard


def _logged_count(turn: Turn) -> int:
    return sum(len(sets) for sets in _data(turn)["done"].values())


def _counts(turn: Turn) -> bool:
    """A workout counts as one of the week's sessions with at least half its sets logged."""
    return 2 * _logged_count(turn) >= sum(item.sets for item in _plan(turn))


def sets_open(turn: Turn) -> bool:
    return _logged_count(turn) < sum(item.sets for item in _plan(turn))


def all_done(turn: Turn) -> bool:
    return not sets_open(turn)


def ending_from(state: str) -> Guard:
    def guard(turn: Turn) -> bool:
        return _data(turn).get("ending_from") == state

    return guard


def typed_dumbbells(turn: Turn) -> tuple[Unit, list[Decimal]] | None:
    """The weights tapped or typed, and the unit they were named in, if there are any. A set
    log is not a list of dumbbells: "3x12 rows 8kg" kept 3, 8 and 12 kg."""
    if turn.event.kind == "text" and isinstance(typed_log(turn), Parsed | Ambiguous):
        return None  # the reading `logbook.take` stores it by
    unit, weights = _dumbbells(turn)
    return (unit, weights) if weights else None


# --- actions ------------------------------------------------------------------------------
def _touch(turn: Turn) -> None:
    _data(turn)["last_at"] = turn.event.now.isoformat()


def start(turn: Turn) -> None:
    plan = plan_today(turn.profile, list(turn.coach.catalog.knowledge.exercises.values()), turn.event.now)
    record = turn.profile.record.get("exercises", {})
    started = WorkoutData(
        workout=turn.event.now.isoformat(timespec="seconds"),
        plan=[item.to_json() for item in plan.exercises],
        index=0,
        set=1,
        exercise=plan.exercises[0].exercise_id,
        done={},
        best_before={ex: entry.get("best_kg") for ex, entry in record.items()},
        last_at=turn.event.now.isoformat(),
    )
    turn.data.update(started)


def log(turn: Turn, sets: list[list[Any]]) -> None:
    """Store the sets (the exercise's whole entry for this workout, so a corrected set replaces
    the old one) and move the set pointer on."""
    item = _current(turn)
    done = _data(turn)["done"].setdefault(item.exercise_id, [])
    first = _data(turn)["set"] - 1
    done[first:] = sets
    del done[item.sets :]  # "3x12" typed at the last set logs that set, not sets beyond the plan
    _data(turn)["set"] = len(done) + 1
    carry_weight(turn, done[first:])
    workout = _data(turn)["workout"]
    turn.effect(LogSets(entry_id(workout, item.exercise_id), item.exercise_id, done, workout))
    line = describe_sets(turn, item.exercise_id, done[first:])  # shown by the exercise's card (`Reply.fold`)
    turn.replies.append(Reply("workout/logged", {"line": line}, card=_card(turn), fold=True))
    _touch(turn)


def carry_weight(turn: Turn, sets: list[list[Any]]) -> None:
    """The weight the runner actually used becomes the weight of the exercise's next sets."""
    weighed = [s for s in sets if s[1] is not None]
    if not weighed:
        return
    _, weight, unit = weighed[-1]
    item = _data(turn)["plan"][_data(turn)["index"]]
    if unit != item["unit"]:
        item["last"] = [
            [r, None if w is None else str(convert(Decimal(w), item["unit"], unit))] for r, w in item["last"]
        ]
    item.update(weight=weight, unit=unit)


def rest(turn: Turn) -> None:
    turn.set_timer("rest", REST_SECONDS)


def explain_problem(turn: Turn, result: Problem) -> None:
    if isinstance(result, Invalid | Ambiguous):
        turn.replies.append(problem(turn.coach, result))
    else:
        turn.say(
            "workout/other_exercise",
            typed=_name(turn, result.entry.exercise_id),
            current=_name(turn, _current(turn).exercise_id),
        )


def next_exercise(turn: Turn) -> None:
    turn.closing = exercise_record(turn)
    _data(turn)["index"] += 1
    _data(turn)["set"] = 1
    _data(turn)["exercise"] = _current(turn).exercise_id
    _touch(turn)


def previous_set(turn: Turn) -> None:
    _data(turn)["set"] = max(1, _data(turn)["set"] - 1)
    _touch(turn)


def previous_exercise(turn: Turn) -> None:
    _data(turn)["index"] -= 1
    _data(turn)["exercise"] = _current(turn).exercise_id
    _data(turn)["set"] = _current(turn).sets
    _touch(turn)


def rest_over(turn: Turn) -> None:
    turn.note("workout/rest_over")


def pause(turn: Turn) -> None:
    _data(turn)["paused_at"] = turn.state_name
    _touch(turn)


def ask_to_end(turn: Turn) -> None:
    """Finish (or /cancel) with sets still open: remember the step to go back to."""
    _data(turn)["ending_from"] = turn.state_name


def keep_going(turn: Turn) -> None:
    if _data(turn).pop("ending_from", None) == "workout:rest":
        turn.set_timer("rest", REST_SECONDS)  # a whole rest again, with its alert
    _touch(turn)


def resume(turn: Turn) -> None:
    _data(turn).pop("paused_at", None)
    _touch(turn)


def resume_rest(turn: Turn) -> None:
    """Back to a rest that a pause cut short: a whole rest again, with its alert."""
    resume(turn)
    turn.set_timer("rest", REST_SECONDS)


def save_dumbbells(turn: Turn, found: tuple[Unit, list[Decimal]]) -> None:
    record = dict(turn.profile.record)
    unit, weights = found
    record["dumbbells"], record["dumbbells_unit"] = [plain(w) for w in weights], unit
    turn.profile = replace(turn.profile, record=record)
    turn.note("workout/dumbbells_saved", weights=record["dumbbells"], unit=unit)


def finish(turn: Turn) -> None:
    """The summary: sets against the plan, volume, last time, records, the week, next time."""
    turn.closing = exercise_record(turn)
    unit = turn.profile.units or "kg"
    summary = summarise(_plan(turn), _data(turn)["done"], _data(turn)["best_before"])
    record = dict(turn.profile.record)
    workouts = list(record.get("workouts", []))
    previous = Decimal(workouts[-1]["volume_kg"]) if workouts else None
    counts = _counts(turn)
    if counts:
        at = turn.event.now.isoformat(timespec="seconds")
        workouts.append({"at": at, "volume_kg": str(summary.volume_kg), "sets": summary.sets})
        record["workouts"] = workouts[-KEEP_WORKOUTS:]
        turn.profile = replace(turn.profile, record=record)
    turn.note(
        "workout/summary",
        sets=summary.sets,
        planned=summary.planned,
        exercises=summary.exercises,
        volume=shown(convert(summary.volume_kg, "kg", unit)),
        unit=unit,
        previous=shown(None if previous is None else convert(previous, "kg", unit)),
        records=[
            {"name": _name(turn, best.exercise_id), "weight": plain(best.weight), "unit": best.unit}
            for best in summary.bests
        ],
        changes=[{"name": _name(turn, change.exercise_id), "advice": change.advice} for change in summary.changes],
        week=workouts_this_week(turn.profile, turn.event.now),
        goal=WEEKLY_GOAL,
        counts=counts,
    )


def discard(turn: Turn) -> None:
    turn.closing = exercise_record(turn)
    turn.say("workout/discarded", sets=sum(len(sets) for sets in _data(turn).get("done", {}).values()))


# --- helpers ------------------------------------------------------------------------------
def _stored(weight: Decimal | None) -> str | None:
    """A weight as a logged set keeps it: "7.5", "8" (never "8.00")."""
    return None if weight is None else plain(weight)


def describe_sets(turn: Turn, exercise_id: str, sets: list[list[Any]]) -> str:
    return line(turn.coach, entry_of(exercise_id, sets))


def _dumbbells(turn: Turn) -> tuple[Unit, list[Decimal]]:
    """Weights from "4 and 6 kg", "10lb", or a tapped choice, and the unit they were named in
    (the runner's, unless typed)."""
    unit: Unit = turn.profile.units or "kg"
    typed_unit = unit
    if turn.event.kind == "button":
        text = turn.argument
    else:
        text = turn.event.text.lower()
        typed_unit = "lb" if re.search(r"lb|pound", text) else "kg" if re.search(r"kg|kilo", text) else unit
    weights = []
    for number in NUMBER.findall(text)[:6]:
        try:
            value = Decimal(number.replace(",", "."))
        except InvalidOperation:
            continue
        if 0 < to_kg(value, typed_unit) <= MAX_DUMBBELL_KG:
            weights.append(value.normalize())
    return typed_unit, sorted(set(weights))


# --- the flow -----------------------------------------------------------------------------
def _logging(source: str, trigger: str) -> list[Edge]:
    """A set logged (tapped or typed): rest before the next set, or the next exercise, or done."""
    return [
        Transition(source, trigger, "workout:rest", guard=logs_with_more_sets, action=then(log, rest)),
        Transition(source, trigger, "workout:intro", guard=logs_last_set, action=then(log, next_exercise)),
        Transition(source, trigger, END, guard=logs_last_set_of_workout, action=then(log, finish)),
    ]


def _leaving(source: str) -> list[Edge]:
    """Skip this exercise, finish now (where the step's card offers it), or discard the workout
    left hours ago: from any step of an exercise."""
    finishing: list[Edge] = [
        Transition(source, "button:finish", END, guard=all_done, action=finish),
        Transition(source, "button:finish", "workout:confirm_end", guard=sets_open, action=ask_to_end),
    ]
    return [
        Transition(source, "button:skip", "workout:intro", guard=has_next, action=next_exercise),
        Transition(source, "button:skip", END, guard=is_last, action=finish),
        *(finishing if "finish" in STEPS[source] else []),
        Transition(source, "button:discard", END, action=discard),
    ]


# The steps of an exercise and the buttons a tap in each can carry: its card's, and two offered
# in any of them: "skip" under a safety answer (`dialogs.answers`), "discard" (with the global
# "resume") when the runner comes back hours later (`intents._today`).
STEPS = {
    "workout:intro": ("go", "ex", "skip", "back", "finish", "discard"),
    # "go" too: the rest card's "Set 2 ▶" (see the transition below)
    "workout:set": ("did", "other", "ex", "skip", "back", "pause", "finish", "go", "discard"),
    "workout:other": ("back", "skip", "discard"),
    "workout:rest": ("go", "back", "pause", "finish", "skip", "discard"),
    "workout:paused": ("go", "finish", "skip", "discard"),
}

WORKOUT = Flow(
    name="workout",
    title="workout",
    logs_sets=frozenset({*STEPS, "workout:confirm_end"}),
    initial="workout:plan",
    states=(
        State("workout:plan", plan_card, resume_label="plan", buttons=("start", "later", "dumbbells")),
        State("workout:dumbbells", dumbbells_card, resume_label="dumbbells", buttons=("have",)),
        State("workout:intro", intro_card, resume_label=step_label, buttons=STEPS["workout:intro"]),
        State("workout:set", set_card, resume_label=step_label, buttons=STEPS["workout:set"]),
        State("workout:other", other_card, resume_label=step_label, buttons=STEPS["workout:other"]),
        State("workout:rest", rest_card, resume_label=step_label, buttons=STEPS["workout:rest"]),
        State("workout:paused", paused_card, resume_label=step_label, buttons=STEPS["workout:paused"]),
        State("workout:confirm_end", confirm_end_card, resume_label=step_label, buttons=("end", "keep", "discard")),
    ),
    transitions=(
        Transition("workout:plan", "button:start", "workout:intro", action=start),
        Transition("workout:plan", "button:later", END),
        Transition("workout:plan", "button:dumbbells", "workout:dumbbells"),
        Transition("workout:dumbbells", "button:have", "workout:plan", guard=typed_dumbbells, action=save_dumbbells),
        Transition("workout:dumbbells", "text", "workout:plan", guard=typed_dumbbells, action=save_dumbbells),
        Transition("workout:intro", "button:go", "workout:set", action=_touch),
        Transition("workout:intro", "button:back", "workout:set", guard=later_exercise, action=previous_exercise),
        *_logging("workout:intro", "text"),
        Transition[Problem]("workout:intro", "text", "workout:intro", guard=typed_a_problem, action=explain_problem),
        *_logging("workout:set", "button:did"),
        *_logging("workout:set", "text"),
        Transition[Problem]("workout:set", "text", "workout:set", guard=typed_a_problem, action=explain_problem),
        Transition("workout:set", "button:other", "workout:other"),
        Transition("workout:set", "button:back", "workout:set", guard=later_set, action=previous_set),
        Transition("workout:set", "button:back", "workout:intro", guard=first_set),
        Transition("workout:set", "button:pause", "workout:paused", action=pause),
        *_logging("workout:other", "text"),
        Transition[Problem]("workout:other", "text", "workout:other", guard=typed_a_problem, action=explain_problem),
        Transition("workout:other", "button:back", "workout:set"),
        Transition("workout:rest", "button:go", "workout:set", action=_touch),
        # The rest card's "Set 2 ▶" after the rest-over alert (a timer leaves the version as it was):
        # the set card again, with nothing changed, so the alert's buttons keep working too.
        Transition("workout:set", "button:go", "workout:set"),
        Transition("workout:rest", "timer:rest", "workout:set", action=rest_over),
        *_logging("workout:rest", "text"),
        Transition[Problem]("workout:rest", "text", "workout:rest", guard=typed_a_problem, action=explain_problem),
        Transition("workout:rest", "button:back", "workout:set", action=previous_set),
        Transition("workout:rest", "button:pause", "workout:paused", action=pause),
        Transition("workout:paused", "button:go", "workout:set", guard=paused_at("workout:set"), action=resume),
        Transition("workout:paused", "button:go", "workout:rest", guard=paused_at("workout:rest"), action=resume_rest),
        *[transition for source in STEPS for transition in _leaving(source)],
        Transition("workout:confirm_end", "button:end", END, action=finish),
        Transition("workout:confirm_end", "button:discard", END, action=discard),
        *[
            Transition("workout:confirm_end", "button:keep", source, guard=ending_from(source), action=keep_going)
            for source in STEPS
        ],
    ),
)
