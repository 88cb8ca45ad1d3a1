"""Logging sets by chat, outside the guided workout (which reads typed sets itself).

A typed log is stored and confirmed with a card (Undo, Edit); a Telegram reply to the card with
a corrected line replaces that entry, and so does an edit of the message that logged it (Telegram
sends the new text as an edited message). A log that names a day ("yesterday 3x12 rows 8kg", see
`dialogs.log_day`) is stored on that day of the runner's calendar, and its card says which. A log that reads two ways asks which (`log_choice`), Edit
asks for the corrected line (`log_edit`), one that cannot be stored says why and stores nothing.
A correction is an effect; storage answers it with the entry's new card. The global intents
on a log's card (Undo, Edit, a reply, an edited message) are `dialogs.intents.log_cards`; the
runner's own data (/history, /progress, /export, /deletedata) is `dialogs.intents.own_data`.

`log_choice` keeps a `ChoiceData`, `log_edit` an `EditData`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypedDict, cast
from zoneinfo import ZoneInfo

from dialogs.effects import EditEntry, LogSets
from dialogs.flow import END, Flow, State, Transition
from dialogs.history import (
    REF,
    card,
    day_of,
    entry_id_at,
    entry_of,
    line,
    problem,
    sets_json,
    split_target,
    target_of,
)
from dialogs.log_day import day_said, local_date
from dialogs.outcome import Reply
from dialogs.payload import payload
from dialogs.replog import Ambiguous, Invalid, LogEntry, LogResult, NotALog, Parsed, parse_log
from dialogs.turn import Turn


class ChoiceData(TypedDict):
    """`log_choice`'s data: a log that reads two ways."""

    options: list[list[Any]]  # the readings, as `[exercise id, sets_json]`
    day: dict[str, Any] | None  # the day the log named (`_day`), if it named one


class EditData(TypedDict):
    """`log_edit`'s data."""

    target: str  # the entry being corrected (`<entry id>/<exercise id>`)


def _choice(turn: Turn) -> ChoiceData:
    return cast(ChoiceData, turn.data)


def _edit(turn: Turn) -> EditData:
    return cast(EditData, turn.data)


# --- reading what was typed ---------------------------------------------------------------
@dataclass(frozen=True)
class TypedLog:
    """The typed text read as a log, and the day it named (`_day`; None for today)."""

    result: LogResult
    day: dict[str, Any] | None


def _read(turn: Turn) -> TypedLog:
    """A correction (in reply to a card, after Edit, or an edited message) may leave the
    exercise out: it is the entry's. A day named that cannot be the log's day (tomorrow, months
    ago) makes a log `Invalid`."""
    said = day_said(turn.event.text, local_date(turn.event.now, turn.profile.timezone))
    read = parse_log(
        said.text,
        exercises=turn.coach.exercise_names,
        default_unit=turn.profile.units or "kg",
        current_exercise=known_exercise(split_target(_correcting(turn) or "")[1], turn),
    )
    return TypedLog(
        said.problem if said.problem and not isinstance(read, NotALog) else read, _day(turn, said.days_back)
    )


def typed(turn: Turn) -> LogResult:
    """The typed text read as a log, once per event (`_read`)."""
    return turn.once(_read).result


def _day(turn: Turn, days_back: int) -> dict[str, Any] | None:
    """The day a log named, as effects and cards carry it: `at`, the moment to store (the
    event's local time of day on that day, ISO), and `back`, how many days ago; None for today."""
    if not days_back:
        return None
    local = turn.event.now.astimezone(ZoneInfo(turn.profile.timezone or "UTC"))
    moment = datetime.combine(local.date() - timedelta(days=days_back), local.timetz())
    return {"at": moment.isoformat(), "back": days_back}


def _typed_day(turn: Turn) -> dict[str, Any] | None:
    return turn.once(_read).day


def replied(turn: Turn) -> str | None:
    """The target of the card this message replies to, or of the entry the edited message
    logged, if it does."""
    about = turn.event.edit_of if turn.event.edited else turn.event.reply_to
    return about.removeprefix(REF) if about.startswith(REF) else None


def _correcting(turn: Turn) -> str | None:
    return replied(turn) or (_edit(turn)["target"] if turn.flow_name == "log_edit" else None)


def known_exercise(exercise_id: str, turn: Turn) -> str | None:
    return exercise_id if exercise_id in turn.coach.exercise_names else None


def typed_entry(turn: Turn) -> LogEntry | None:
    result = typed(turn)
    return result.entry if isinstance(result, Parsed) else None


def typed_ambiguous(turn: Turn) -> Ambiguous | None:
    result = typed(turn)
    return result if isinstance(result, Ambiguous) else None


def typed_invalid(turn: Turn) -> Invalid | None:
    result = typed(turn)
    return result if isinstance(result, Invalid) else None


def typed_problem(turn: Turn) -> Ambiguous | Invalid | None:
    result = typed(turn)
    return result if isinstance(result, Ambiguous | Invalid) else None


# --- storing ------------------------------------------------------------------------------
def _store(turn: Turn, entry: LogEntry, day: dict[str, Any] | None) -> None:
    entry_id = entry_id_at(turn.event.now)
    turn.effect(LogSets(entry_id, entry.exercise_id, sets_json(entry), logged_at=day["at"] if day else None))
    shown = card(turn.coach, entry_id, entry, day=day_of(day))
    turn.replies.append(shown)
    turn.about = shown.ref


def correct(turn: Turn, target: str, entry: LogEntry, *, edited: bool = False) -> None:
    """Replace the entry (and move it to the day the correction names, if it names one);
    storage answers with its new card, or says it is gone. The _correcting message is now about
    the entry as corrected: an edit of it corrects the entry again, with its new exercise."""
    entry_id, _ = split_target(target)
    day = _typed_day(turn)
    turn.effect(
        EditEntry(
            entry_id,
            entry.exercise_id,
            sets_json(entry),
            edited=edited,
            logged_at=day["at"] if day else None,
            day=day_of(day) if day else None,
        )
    )
    turn.about = REF + target_of(entry_id, entry.exercise_id)


def explain(turn: Turn, result: Ambiguous | Invalid) -> None:
    turn.replies.append(problem(turn.coach, result))


def take(turn: Turn) -> bool:
    """Typed text that reads as a log, outside the guided workout: store it and show the card
    (then the step's card again, in a flow), ask which reading, or say why not. False when it is
    no log (the question matcher's turn)."""
    if turn.event.kind != "text" or turn.state_name in turn.flow.logs_sets:
        return False
    result = typed(turn)
    if isinstance(result, Parsed):
        _store(turn, result.entry, _typed_day(turn))
        if not turn.at_home:
            turn.show_card()
    elif isinstance(result, Ambiguous):
        turn.start_flow("log_choice", data=dict(ChoiceData(options=_options(result), day=_typed_day(turn))))
    elif isinstance(result, Invalid):
        explain(turn, result)
    return not isinstance(result, NotALog)


# --- log_choice: which reading? -----------------------------------------------------------
def _options(result: Ambiguous) -> list[list[Any]]:
    return [[option.exercise_id, sets_json(option)] for option in result.options]


def _option(turn: Turn, index: int) -> LogEntry:
    exercise_id, sets = _choice(turn)["options"][index]
    return entry_of(exercise_id, sets)


def choice_card(turn: Turn) -> Reply:
    options = [_option(turn, i) for i in range(len(_choice(turn)["options"]))]
    rows = tuple((turn.button("option", payload("pick", i), line=line(turn.coach, o)),) for i, o in enumerate(options))
    lines = [line(turn.coach, option) for option in options]
    return Reply("log/ambiguous", {"options": lines, "pick": True}, (*rows, (turn.button("neither", "neither"),)))


def picked(turn: Turn) -> LogEntry | None:
    """The tapped option, if it exists (callback data can be forged)."""
    exists = turn.argument.isdigit() and int(turn.argument) < len(_choice(turn)["options"])
    return _option(turn, int(turn.argument)) if exists else None


def store_pick(turn: Turn, entry: LogEntry) -> None:
    _store(turn, entry, _choice(turn).get("day"))


def store_typed(turn: Turn, entry: LogEntry) -> None:
    _store(turn, entry, _typed_day(turn) or _choice(turn).get("day"))


def offer(turn: Turn, result: Ambiguous) -> None:
    _choice(turn)["options"] = _options(result)


def not_stored(turn: Turn) -> None:
    turn.say("log/not_stored")


LOG_CHOICE = Flow(
    name="log_choice",
    title="log entry",
    initial="log_choice:pick",
    states=(State("log_choice:pick", choice_card, resume_label="log_choice", buttons=("pick", "neither")),),
    transitions=(
        Transition("log_choice:pick", "button:pick", END, guard=picked, action=store_pick),
        Transition("log_choice:pick", "button:neither", END, action=not_stored),
        Transition("log_choice:pick", "text", END, guard=typed_entry, action=store_typed),
        Transition("log_choice:pick", "text", "log_choice:pick", guard=typed_ambiguous, action=offer),
        Transition("log_choice:pick", "text", "log_choice:pick", guard=typed_invalid, action=explain),
    ),
)


# --- log_edit: the corrected line ---------------------------------------------------------
def edit_card(turn: Turn) -> Reply:
    exercise_id = known_exercise(split_target(_edit(turn)["target"])[1], turn)
    return Reply(
        "log/edit_prompt", {"exercise_id": exercise_id} if exercise_id else {}, ((turn.button("keep", "keep"),),)
    )


def correct_typed(turn: Turn, entry: LogEntry) -> None:
    correct(turn, _edit(turn)["target"], entry)


def kept(turn: Turn) -> None:
    turn.say("log/edit_kept")


LOG_EDIT = Flow(
    name="log_edit",
    title="correction",
    initial="log_edit:line",
    states=(State("log_edit:line", edit_card, resume_label="log_edit", buttons=("keep",)),),
    transitions=(
        Transition("log_edit:line", "text", END, guard=typed_entry, action=correct_typed),
        Transition[Ambiguous | Invalid]("log_edit:line", "text", "log_edit:line", guard=typed_problem, action=explain),
        Transition("log_edit:line", "button:keep", END, action=kept),
    ),
)
