"""The runner's log in the database: entries as `dialogs.history.Logged`, and the requests that
only read it (/history, /progress, /export), answered inside the event's transaction.

Every query is scoped by `who.user_id`: whatever entry id a button carries, nothing here can
reach another runner's rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from decimal import Decimal
from functools import partial
from itertools import groupby
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Row, Select, bindparam, delete, distinct, func, insert, select

from bot import chart, files
from bot.effect_answers import Later, Recipe
from bot.export import Layout, csv_of
from bot.message import Attachment
from bot.storage import sessions
from bot.storage.models import Base, SetLog, User, core_table
from bot.storage.store import Transaction, Who
from dialogs.effects import ExportLog, ImportSets, ShowHistory, ShowProgress
from dialogs.history import PAGE_SIZE, Export, ImportDone, Logged, Page
from dialogs.progress import Ever, Progress, Report, summarize, window_start
from dialogs.replog import LogEntry
from dialogs.replog import SetLog as Set
from dialogs.session import ChartTheme
from dialogs.units import Unit, stored_kg

# --- reading and writing entries ----------------------------------------------------------
# Core statements, built once: logging a set is on the hot path of a workout.
SETS = core_table(SetLog)
MINE = SETS.c.user_id == bindparam("user_id")
_ENTRY = SETS.c.entry_id == bindparam("entry_id")
_ADD = insert(SETS)
_REMOVE = delete(SETS).where(MINE, _ENTRY)


def _oldest_first(*where: ColumnElement[bool]) -> Select[Any]:
    return select(SETS).where(MINE, *where).order_by(SETS.c.logged_at, SETS.c.entry_id, SETS.c.set_number)


def entries(tx: Transaction, who: Who, *where: ColumnElement[bool]) -> list[Logged]:
    """The user's entries (all, or those `where` selects), oldest first."""
    return list(_logged(tx.connection.execute(_oldest_first(*where), {"user_id": who.user_id})))


def _logged(rows: Iterable[Row[Any]]) -> Iterator[Logged]:
    """Entries from their rows (oldest first), one at a time."""
    for entry_id, group in groupby(rows, key=lambda row: row.entry_id):
        sets = list(group)
        yield Logged(
            entry_id,
            sets[0].logged_at,
            LogEntry(sets[0].exercise_id, tuple(Set(s.reps, s.weight, s.unit) for s in sets)),
            sets[0].workout,
        )


def add_sets(
    tx: Transaction,
    who: Who,
    entry_id: str,
    exercise_id: str,
    sets: Sequence[Sequence[Any]],
    *,
    logged_at: datetime,
    workout: str | None = None,
) -> None:
    """Store an entry's sets (`[reps, weight, unit]`, the weight as typed), weights in kg beside."""
    rows = []
    for number, (reps, weight, unit) in enumerate(sets, start=1):
        amount = None if weight is None else Decimal(weight)
        rows.append(
            {
                "user_id": who.user_id,
                "entry_id": entry_id,
                "exercise_id": exercise_id,
                "set_number": number,
                "reps": reps,
                "weight": amount,
                "unit": unit if amount is not None else None,
                "weight_kg": None if amount is None else stored_kg(amount, unit),
                "logged_at": logged_at,
                "workout": workout,
            }
        )
    tx.connection.execute(_ADD, rows)


def import_entries(tx: Transaction, who: Who, effect: ImportSets) -> tuple[ImportDone]:
    """Store a file's entries (`dialogs.imports`) that are not stored yet: their ids come from
    the file, so the same file sent again adds nothing."""
    wanted = effect.entries
    known: set[str] = set()
    for start in range(0, len(wanted), 500):
        ids = [entry["entry_id"] for entry in wanted[start : start + 500]]
        known |= set(
            tx.connection.scalars(
                select(SETS.c.entry_id).where(MINE, SETS.c.entry_id.in_(ids)).distinct(), {"user_id": who.user_id}
            )
        )
    new = [entry for entry in wanted if entry["entry_id"] not in known]
    for entry in new:
        moment = datetime.fromisoformat(entry["logged_at"])
        add_sets(tx, who, entry["entry_id"], entry["exercise_id"], entry["sets"], logged_at=moment)
    exercises = tuple(dict.fromkeys(entry["exercise_id"] for entry in new))
    skipped = tuple((name, sets) for name, sets in effect.skipped)
    sets = sum(len(entry["sets"]) for entry in new)
    return (ImportDone(effect.source, sets, len(new), len(known), skipped, effect.warmups, exercises),)


def discard(tx: Transaction, who: Who, entry_id: str) -> None:
    """Delete the rows of one of the user's entries, if there are any."""
    tx.connection.execute(_REMOVE, {"user_id": who.user_id, "entry_id": entry_id})


def remove(tx: Transaction, who: Who, entry_id: str) -> Logged | None:
    """Delete one of the user's entries; what it was, or None if the user has no such entry."""
    found = entries(tx, who, SETS.c.entry_id == entry_id)
    if found:
        discard(tx, who, entry_id)
    return found[0] if found else None


def forget(tx: Transaction, who: Who) -> None:
    """Delete every row about the user: each table's rows with the user's `user_id` (the log,
    the conversation, reminders, message refs), then the user. Its receipts become anonymised
    ones, so a redelivered update cannot bring any of it back (`Transaction.erase_receipts`)."""
    sessions.erase_receipts(tx, who)
    for table in reversed(Base.metadata.sorted_tables):
        if "user_id" in table.c:
            tx.db.execute(table.delete().where(table.c.user_id == who.user_id))
    tx.db.execute(core_table(User).delete().where(core_table(User).c.id == who.user_id))


# --- requests -----------------------------------------------------------------------------
_SPAN = select(func.min(SETS.c.logged_at).label("first"), func.max(SETS.c.logged_at).label("last")).where(MINE)
_RANKED = (
    select(
        SETS.c.exercise_id,
        SETS.c.reps,
        SETS.c.weight,
        SETS.c.unit,
        func.row_number()
        .over(
            partition_by=SETS.c.exercise_id,
            order_by=(
                func.coalesce(SETS.c.weight_kg, -1).desc(),
                SETS.c.reps.desc(),
                SETS.c.logged_at,
                SETS.c.entry_id,
                SETS.c.set_number,
            ),
        )
        .label("rank"),
    )
    .where(MINE)
    .subquery()
)
# The best set of each exercise: the heaviest (a set without weight below any), then the most
# reps, the oldest among equals.
_BESTS = select(_RANKED.c.exercise_id, _RANKED.c.reps, _RANKED.c.weight, _RANKED.c.unit).where(_RANKED.c.rank == 1)


def history(tx: Transaction, who: Who, effect: ShowHistory) -> tuple[Page]:
    """A page of /history, newest first, optionally of one exercise."""
    mine = SetLog.user_id == who.user_id
    scope = [mine] + ([SetLog.exercise_id == effect.exercise] if effect.exercise else [])
    total = tx.db.scalar(select(func.count(distinct(SetLog.entry_id))).where(*scope)) or 0
    pages = max(1, ceil(total / PAGE_SIZE))
    number = min(max(effect.page, 0), pages - 1)
    newest = (
        select(SetLog.entry_id, SetLog.logged_at)
        .where(*scope)
        .distinct()
        .order_by(SetLog.logged_at.desc(), SetLog.entry_id.desc())
        .limit(PAGE_SIZE)
        .offset(number * PAGE_SIZE)
    )
    ids = [row.entry_id for row in tx.db.execute(newest)]
    shown = entries(tx, who, SetLog.entry_id.in_(ids)) if ids else []
    exercises = tuple(tx.db.scalars(select(SetLog.exercise_id).where(mine).distinct()))
    return (Page(tuple(reversed(shown)), number, pages, effect.exercise, exercises, effect.timezone),)


def progress(tx: Transaction, who: Who, effect: ShowProgress) -> tuple[Report] | tuple[Later]:
    """/progress: the summary, from the window's entries and three aggregates of the whole log
    (so 50,000 sets cost the database thread what the last twelve weeks cost); its chart is
    drawn after the commit, in a worker process (`bot.files`)."""
    mine = {"user_id": who.user_id}
    span = tx.connection.execute(_SPAN, mine).first()
    ever = None
    if span is not None and span.first is not None:
        best = {row.exercise_id: Set(row.reps, row.weight, row.unit) for row in tx.connection.execute(_BESTS, mine)}
        ever = Ever(span.first, span.last, best)
    recent = entries(tx, who, SETS.c.logged_at >= window_start(tx.now, effect.timezone)) if ever else []
    summary = summarize(recent, ever, list(effect.names), effect.timezone, effect.unit, tx.now)
    if summary is None or not summary.charted:
        return (Report(summary),)
    names, theme = effect.names, effect.theme
    key = (summary, theme, tuple(names.items()))  # what the picture shows
    return (Later(Report(summary), partial(_chart, summary, names, theme), key, _recipe(effect, "photo")),)


_REMADE: dict[str, type[ShowProgress | ExportLog]] = {"progress": ShowProgress, "export": ExportLog}


def _recipe(effect: ShowProgress | ExportLog, kind: str) -> Recipe:
    """The request, without the exercise names (the catalog's, given again to `remake`)."""
    request = next(name for name, made in _REMADE.items() if isinstance(effect, made))
    asked = ((f.name, getattr(effect, f.name)) for f in fields(effect) if f.name != "names")
    return (("file", request), ("kind", kind), *asked)


def remake(tx: Transaction, who: Who, recipe: Recipe, names: Mapping[str, str]) -> Later | None:
    """The file of a reply sent again after a crash (its outbox entry outlived the process that
    made the file), made anew from the runner's log as it is now: no file is kept outside the
    log, and a runner whose log is gone (/deletedata since) gets none. None also for a recipe
    this version does not know."""
    request: dict[str, Any] = dict(recipe)  # the values as the request held them (`_recipe`)
    request.pop("kind", None)
    made = _REMADE.get(request.pop("file", ""))
    if made is None:
        return None
    try:
        effect = made(names=names, **request)
    except TypeError:  # written by another version of the bot
        return None
    [found] = progress(tx, who, effect) if isinstance(effect, ShowProgress) else export(tx, who, effect)
    return found if isinstance(found, Later) else None


def _chart(summary: Progress, names: Mapping[str, str], theme: ChartTheme) -> Attachment:
    """In a worker process (`bot.files`)."""
    return Attachment("photo", "armswing-progress.png", chart.draw(summary, names, theme))


_COUNT = select(func.count()).select_from(SETS).where(MINE)


def export(tx: Transaction, who: Who, effect: ExportLog) -> tuple[Export] | tuple[Later]:
    """/export: the whole log as a CSV document, written after the commit by a worker process
    that reads the log itself, a page of rows at a time (`bot.files`)."""
    layout = effect.layout
    sets = tx.connection.scalar(_COUNT, {"user_id": who.user_id}) or 0
    if not sets:
        return (Export(0, layout),)
    timezone = effect.timezone
    day = tx.now.astimezone(ZoneInfo(timezone)).date()
    filename = f"armswing-{'strong' if layout == 'strong' else 'log'}-{day:%Y-%m-%d}.csv"
    job = partial(_export, who.user_id, filename, effect.names, timezone, effect.unit, layout)
    return (Later(Export(sets, layout), job, recipe=_recipe(effect, "document")),)


def _export(
    user_id: int, filename: str, names: Mapping[str, str], timezone: str, unit: Unit, layout: Layout
) -> Attachment:
    """In a worker process: the CSV, from the rows streamed in pages of 1,000."""
    with files.connection() as connection:
        rows = connection.execution_options(yield_per=1000).execute(_oldest_first(), {"user_id": user_id})
        return Attachment("document", filename, csv_of(_logged(rows), names, timezone, unit, layout))
