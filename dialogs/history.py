"""The runner's log as the coach shows it: an entry's confirmation card, the answers to undo and
correction, history pages and the export.

Storage loads entries as `Logged` and answers requests (undo, a correction, /history, /export)
with the small answer records below, plain data with a `reply(coach)`: the database decides
*what* happened, the wording and buttons stay here beside the flows.

Cards, buttons and refs name an entry by its *target*, `<entry id>/<exercise id>`: the exercise
lets a correction leave its name out ("3x10" in reply to a shoulder press card).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import groupby
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dialogs.outcome import Button, Reply
from dialogs.payload import payload
from dialogs.replog import Ambiguous, Invalid, LogEntry, SetLog, describe
from scheduler.policy import utc

if TYPE_CHECKING:
    from dialogs.coach import Coach

PAGE_SIZE = 8  # entries per history page: a week or two of training fits on a phone screen
REF = "entry:"  # `Reply.ref` prefix of a confirmation card


@dataclass(frozen=True)
class Logged:
    """One stored entry: the sets of one message, or of one exercise of a guided workout."""

    entry_id: str
    at: datetime  # when it was logged (aware)
    entry: LogEntry
    workout: str | None = None


# --- entries as plain data ----------------------------------------------------------------
def entry_id_at(now: datetime) -> str:
    """A new chat entry's id: the moment it was logged, to the microsecond. One runner's events
    are handled one at a time, and a time never comes back, so an old card's Undo can never
    reach a newer entry (not even after /deletedata)."""
    return utc(now).strftime("%Y%m%dT%H%M%S%f")


def target_of(entry_id: str, exercise_id: str) -> str:
    return f"{entry_id}/{exercise_id}"


def split_target(target: str) -> tuple[str, str]:
    """(entry id, exercise id) of a target; the exercise is "" when it is missing."""
    entry_id, _, exercise_id = target.partition("/")
    return entry_id, exercise_id


def sets_json(entry: LogEntry) -> list[list[Any]]:
    """The sets as `[reps, weight, unit]` lists (the weight a string, as typed): what effects and
    session data carry."""
    return [[s.reps, None if s.weight is None else str(s.weight), s.unit] for s in entry.sets]


def entry_of(exercise_id: str, sets: Sequence[Sequence[Any]]) -> LogEntry:
    """`sets_json` read back."""
    return LogEntry(
        exercise_id, tuple(SetLog(r, None if w is None else Decimal(w), None if w is None else u) for r, w, u in sets)
    )


def display_names(coach: Coach) -> dict[str, str]:
    return {exercise.id: exercise.name for exercise in coach.catalog.knowledge.exercises.values()}


def line(coach: Coach, entry: LogEntry) -> str:
    """ "Shoulder press — 3 × 12 @ 8 kg"."""
    return describe(entry, display_names(coach))


# --- replies ------------------------------------------------------------------------------
def day_of(day: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """How a card names the day an entry was stored on, from the day a log named (`at`, its
    moment in the runner's zone, and `back`, the days ago): `{"date": "Mon 23 Nov", "back": 1}`."""
    if not day:
        return None
    moment = datetime.fromisoformat(day["at"])
    return {"date": f"{moment:%a} {moment.day} {moment:%b}", "back": day["back"]}


def card(
    coach: Coach, entry_id: str, entry: LogEntry, template: str = "log/card", day: dict[str, Any] | None = None
) -> Reply:
    """What was stored (and on which day, when not today), with Undo and Edit. The buttons work
    whatever the chat did since."""
    target = target_of(entry_id, entry.exercise_id)
    row = (
        Button(coach.catalog.label("undo"), payload("undo", target), anytime=True),
        Button(coach.catalog.label("edit"), payload("edit", target), anytime=True),
    )
    return Reply(template, {"line": line(coach, entry), "day": day}, (row,), ref=REF + target)


def problem(coach: Coach, result: Invalid | Ambiguous) -> Reply:
    """Why a typed log cannot be stored as it is; nothing was stored."""
    if isinstance(result, Invalid):
        return Reply("log/invalid", {"reason": result.reason, "detail": {k: str(v) for k, v in result.detail.items()}})
    return Reply("log/ambiguous", {"options": [line(coach, option) for option in result.options]})


@dataclass(frozen=True)
class Undone:
    """The answer to Undo: the entry removed, or None when it was already gone."""

    removed: Logged | None

    def reply(self, coach: Coach) -> Reply:
        if self.removed is None:
            return Reply("log/already_undone")
        return Reply("log/undone", {"line": line(coach, self.removed.entry)})


@dataclass(frozen=True)
class Corrected:
    """The answer to a correction: the entry as it is now, or None when it was gone (undone, or
    not the runner's) and nothing changed."""

    entry_id: str
    entry: LogEntry | None
    edited: bool = False  # the runner edited the message that logged it
    day: dict[str, Any] | None = None  # the day it moved to (`day_of`), when the correction named one

    def reply(self, coach: Coach) -> Reply:
        if self.entry is None:
            return Reply("log/entry_gone")
        return card(coach, self.entry_id, self.entry, "log/edited" if self.edited else "log/corrected", self.day)


CARD = "history"  # one live card: its filter and page buttons edit it in place


@dataclass(frozen=True)
class Page:
    """One page of /history, newest first; `number` 0 is the newest page."""

    entries: tuple[Logged, ...]
    number: int
    pages: int
    exercise: str | None  # the filter, None for all exercises
    exercises: tuple[str, ...]  # the exercises in the log, for the filter buttons
    timezone: str

    def reply(self, coach: Coach) -> Reply:
        names = display_names(coach)
        if not self.entries:
            return Reply(
                "log/history_empty", {"filtered": self.exercise is not None}, self._buttons(coach, names), card=CARD
            )
        zone = ZoneInfo(self.timezone)
        days = [
            {"day": f"{day:%a} {day.day} {day:%b %Y}", "lines": [describe(logged.entry, names) for logged in group]}
            for day, group in groupby(self.entries, key=lambda logged: logged.at.astimezone(zone).date())
        ]
        context = {
            "days": days,
            "page": self.number + 1,
            "pages": self.pages,
            "exercise": names.get(self.exercise or "", None),
        }
        return Reply("log/history", context, self._buttons(coach, names), card=CARD)

    def _buttons(self, coach: Coach, names: dict[str, str]) -> tuple[tuple[Button, ...], ...]:
        def show(exercise: str | None, number: int, label: str, **context: Any) -> Button:
            return Button(
                coach.catalog.label(label, **context), payload("hist", exercise or "all", number), anytime=True
            )

        filters = [show(None, 0, "filter_all", current=self.exercise is None)]
        filters += [
            show(ex, 0, "filter", name=name, current=ex == self.exercise)
            for ex, name in names.items()
            if ex in self.exercises
        ]
        rows = [tuple(filters[i : i + 3]) for i in range(0, len(filters), 3)] if len(self.exercises) > 1 else []
        paging = []
        if self.number > 0:
            paging.append(show(self.exercise, self.number - 1, "prev"))
        if self.number + 1 < self.pages:
            paging.append(show(self.exercise, self.number + 1, "next"))
        return tuple(rows + ([tuple(paging)] if paging else []))


@dataclass(frozen=True)
class ImportDone:
    """The answer to an imported file: what was stored, what was there already, what was skipped."""

    source: str  # "Strong", "Hevy"
    sets: int  # stored now
    entries: int
    already: int  # entries of the file stored before (the same file sent again)
    skipped: tuple[tuple[str, int], ...]  # exercises the coach does not have: name, sets
    warmups: int
    exercises: tuple[str, ...]  # the coach's exercises stored now

    def reply(self, coach: Coach) -> Reply:
        names = display_names(coach)
        context = {
            "source": self.source,
            "sets": self.sets,
            "entries": self.entries,
            "already": self.already,
            "skipped": [{"name": name, "sets": sets} for name, sets in self.skipped[:8]],
            "more_skipped": max(0, len(self.skipped) - 8),
            "warmups": self.warmups,
            "exercises": [names.get(exercise, exercise) for exercise in self.exercises],
        }
        return Reply("log/imported", context)


@dataclass(frozen=True)
class Export:
    """The answer to /export: how many sets the CSV holds, in which layout (the bot attaches the
    file); under the spreadsheet's file, a button for Strong's layout."""

    sets: int
    layout: str = "sheet"  # or "strong"

    def reply(self, coach: Coach) -> Reply:
        if not self.sets:
            return Reply("log/export_empty")
        rows = (
            ()
            if self.layout == "strong"
            else ((Button(coach.catalog.label("export_strong"), "export:strong", anytime=True),),)
        )
        return Reply("log/export", {"sets": self.sets, "layout": self.layout}, rows)
