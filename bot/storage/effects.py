"""Effects the engine asks for, applied inside the event's transaction.

Each handler takes the open transaction, the user and the effect (`dialogs.effects`). Some
answer: what they found (an entry undone, a history page, progress) comes back as
`bot.effect_answers.Answer`s.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import assert_never

from sqlalchemy import bindparam, func, select, update

from bot.effect_answers import Answer
from bot.storage import logbook, reminder_store
from bot.storage.models import User, core_table
from bot.storage.store import Transaction, Who
from dialogs.corrections import RecordCorrected, SetsCorrected, replaced
from dialogs.effects import (
    CorrectSets,
    DeleteData,
    EditEntry,
    Effect,
    ExportLog,
    ImportSets,
    LogSets,
    ShowHistory,
    ShowProgress,
    SkipReminder,
    SnoozeReminder,
    SyncReminders,
    UndoEntry,
)
from dialogs.history import Corrected, Undone, entry_of, sets_json
from dialogs.units import plain
from scheduler.policy import utc


def log_sets(tx: Transaction, who: Who, effect: LogSets) -> None:
    """Store one entry's sets; an entry logged again (a corrected set) replaces the old rows."""
    logbook.discard(tx, who, effect.entry_id)
    logbook.add_sets(
        tx,
        who,
        effect.entry_id,
        effect.exercise_id,
        effect.sets,
        logged_at=_moment(effect.logged_at) or tx.now,
        workout=effect.workout,
    )
    refresh_record(tx, who, effect.exercise_id)


def _moment(logged_at: str | None) -> datetime | None:
    """The day a log named (ISO with the runner's offset), if it named one."""
    return utc(datetime.fromisoformat(logged_at)) if logged_at else None


def undo_entry(tx: Transaction, who: Who, effect: UndoEntry) -> tuple[Undone]:
    """Remove one of the user's entries; once it is gone, Undo says so."""
    removed = logbook.remove(tx, who, effect.entry_id)
    if removed is not None:
        refresh_record(tx, who, removed.entry.exercise_id)
    return (Undone(removed),)


def edit_entry(tx: Transaction, who: Who, effect: EditEntry) -> tuple[Corrected]:
    """Replace the sets of one of the user's entries, keeping when it was logged (unless the
    correction named a day); nothing at all when the user has no such entry (undone, or another
    user's id)."""
    removed = logbook.remove(tx, who, effect.entry_id)
    if removed is None:
        return (Corrected(effect.entry_id, None),)
    logbook.add_sets(
        tx,
        who,
        effect.entry_id,
        effect.exercise_id,
        effect.sets,
        logged_at=_moment(effect.logged_at) or removed.at,
        workout=removed.workout,
    )
    for exercise_id in dict.fromkeys((removed.entry.exercise_id, effect.exercise_id)):
        refresh_record(tx, who, exercise_id)
    entry = entry_of(effect.exercise_id, effect.sets)
    return (Corrected(effect.entry_id, entry, effect.edited, effect.day),)


def correct_sets(tx: Transaction, who: Who, effect: CorrectSets) -> tuple[SetsCorrected | RecordCorrected, ...]:
    """Replace the last sets of one of the user's workout entries, keeping when it was logged."""
    removed = logbook.remove(tx, who, effect.entry_id)
    if removed is None:
        return (SetsCorrected(effect.exercise_id, None, [], []),)
    before = sets_json(removed.entry)
    after, numbers = replaced(before, effect.sets)
    logbook.add_sets(tx, who, effect.entry_id, effect.exercise_id, after, logged_at=removed.at, workout=removed.workout)
    refresh_record(tx, who, effect.exercise_id)
    return SetsCorrected(effect.exercise_id, before, after, numbers), RecordCorrected(effect.exercise_id, after)


def import_sets(tx: Transaction, who: Who, effect: ImportSets) -> Sequence[Answer]:
    """Another app's entries (a Strong or Hevy CSV), those not imported before."""
    answers = logbook.import_entries(tx, who, effect)
    for exercise_id in answers[0].exercises:
        refresh_record(tx, who, exercise_id)
    return answers


_SETS = logbook.SETS
_USERS = core_table(User)
_LATEST, _BEST = _SETS.alias("latest"), _SETS.alias("best")  # aliases: not correlated with the sets read
_LATEST_ENTRY = (
    select(_LATEST.c.entry_id)
    .where(_LATEST.c.user_id == bindparam("user_id"), _LATEST.c.exercise_id == bindparam("exercise_id"))
    .order_by(_LATEST.c.logged_at.desc(), _LATEST.c.id.desc())
    .limit(1)
    .scalar_subquery()
)
_BEST_KG = (
    select(func.max(_BEST.c.weight_kg))
    .where(_BEST.c.user_id == bindparam("user_id"), _BEST.c.exercise_id == bindparam("exercise_id"))
    .scalar_subquery()
)
# The runner's record, the sets of the exercise's latest entry and its best weight, in one
# statement: one row per set, or one row without a set when the exercise has no entry left.
_SUMMARY = (
    select(_USERS.c.record, _SETS.c.reps, _SETS.c.weight, _SETS.c.unit, _SETS.c.logged_at, _BEST_KG.label("best"))
    .select_from(_USERS.outerjoin(_SETS, (_SETS.c.user_id == _USERS.c.id) & (_SETS.c.entry_id == _LATEST_ENTRY)))
    .where(_USERS.c.id == bindparam("user_id"))
    .order_by(_SETS.c.set_number)
)
_SET_RECORD = update(_USERS).where(_USERS.c.id == bindparam("user_id")).values(record=bindparam("record"))


def refresh_record(tx: Transaction, who: Who, exercise_id: str) -> None:
    """Recompute the record's summary of one exercise (last entry and best weight) from the log:
    one read of indexed look-ups, whatever the length of the runner's history, and one write."""
    connection = tx.connection
    rows = connection.execute(_SUMMARY, {"user_id": who.user_id, "exercise_id": exercise_id}).all()
    if not rows:  # no such user (any more)
        return
    first = rows[0]
    record = dict(first.record or {})
    exercises = dict(record.get("exercises", {}))
    if first.logged_at is None:
        exercises.pop(exercise_id, None)
    else:
        exercises[exercise_id] = {
            "sets": [
                {"reps": r.reps, "weight": None if r.weight is None else plain(r.weight), "unit": r.unit} for r in rows
            ],
            "at": first.logged_at.isoformat(),
            "best_kg": None if first.best is None else plain(Decimal(first.best)),
        }
    record["exercises"] = exercises
    connection.execute(_SET_RECORD, {"user_id": who.user_id, "record": record})


def apply(tx: Transaction, who: Who, effects: tuple[Effect, ...]) -> list[Answer]:
    """Apply the effects in order; what they answered, in order."""
    answers: list[Answer] = []
    for effect in effects:
        answers += _apply(tx, who, effect) or ()
    return answers


def _apply(tx: Transaction, who: Who, effect: Effect) -> Sequence[Answer] | None:
    match effect:
        case LogSets():
            log_sets(tx, who, effect)
        case EditEntry():
            return edit_entry(tx, who, effect)
        case CorrectSets():
            return correct_sets(tx, who, effect)
        case UndoEntry():
            return undo_entry(tx, who, effect)
        case ImportSets():
            return import_sets(tx, who, effect)
        case DeleteData():
            logbook.forget(tx, who)
        case ShowHistory():
            return logbook.history(tx, who, effect)
        case ShowProgress():
            return logbook.progress(tx, who, effect)
        case ExportLog():
            return logbook.export(tx, who, effect)
        case SyncReminders() | SnoozeReminder() | SkipReminder():
            reminder_store.apply_effect(tx, who, effect)
        case _:
            assert_never(effect)
    return None
