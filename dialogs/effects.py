"""What the engine asks storage to do inside the event's transaction: one frozen dataclass per
kind, so that `bot/storage/effects.py` reads fields the type checker knows instead of string keys.

Values are plain data (strings, numbers, lists), as the engine produces them; storage parses
what it stores (ISO moments, decimal weights)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from dialogs.session import ChartTheme
from dialogs.units import Unit

SetRows = Sequence[Sequence[Any]]  # `[reps, weight as typed or None, unit]` per set (`history.sets_json`)
ExportLayout = Literal["sheet", "strong"]  # the spreadsheet's columns, or Strong's


@dataclass(frozen=True)
class LogSets:
    """Store one entry's sets; an entry logged again (a corrected set) replaces its rows."""

    entry_id: str
    exercise_id: str
    sets: SetRows
    workout: str | None = None  # the guided workout the sets belong to
    logged_at: str | None = None  # the day the log named (ISO, the runner's offset); else the event's time


@dataclass(frozen=True)
class EditEntry:
    """Replace the sets of one of the runner's entries (a correction or an edited message)."""

    entry_id: str
    exercise_id: str
    sets: SetRows
    edited: bool = False  # the runner edited their own message (the card says so)
    logged_at: str | None = None  # the day the correction named, if it named one
    day: dict[str, Any] | None = None  # how the card names that day (`history.day_of`)


@dataclass(frozen=True)
class CorrectSets:
    """Replace the last sets of a guided workout's exercise entry with `sets` (`dialogs.corrections`)."""

    entry_id: str
    exercise_id: str
    sets: SetRows


@dataclass(frozen=True)
class UndoEntry:
    entry_id: str


@dataclass(frozen=True)
class ImportSets:
    """Another app's entries (a Strong or Hevy CSV); those imported before are left alone."""

    source: str
    entries: Sequence[Mapping[str, Any]]  # entry_id, logged_at (ISO), exercise_id, sets
    skipped: Sequence[Sequence[Any]]  # [name, sets] of exercises the coach does not know
    warmups: int


@dataclass(frozen=True)
class DeleteData:
    """Forget everything about the runner."""


@dataclass(frozen=True)
class ShowHistory:
    exercise: str | None  # one exercise's entries, or all
    page: int
    timezone: str


@dataclass(frozen=True)
class ShowProgress:
    timezone: str
    unit: Unit
    names: Mapping[str, str]  # exercise id → display name
    theme: ChartTheme


@dataclass(frozen=True)
class ExportLog:
    timezone: str
    unit: Unit
    names: Mapping[str, str]
    layout: ExportLayout


@dataclass(frozen=True)
class SyncReminders:
    """Copy the reminder settings just saved in the record into the reminders table."""


@dataclass(frozen=True)
class SnoozeReminder:
    until: str  # ISO moment


@dataclass(frozen=True)
class SkipReminder:
    day: str  # ISO date of the reminder skipped, from its button


Effect = (
    LogSets
    | EditEntry
    | CorrectSets
    | UndoEntry
    | ImportSets
    | DeleteData
    | ShowHistory
    | ShowProgress
    | ExportLog
    | SyncReminders
    | SnoozeReminder
    | SkipReminder
)
