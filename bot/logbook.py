"""The runner's log in the database: entries as `dialogs.history.Logged`, and the requests that
only read it (/history, /progress, /export), answered inside the event's transaction.

Every query is scoped by `who.user_id`: whatever entry id a button carries, nothing here can
reach another runner's rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from itertools import groupby
from math import ceil
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, bindparam, delete, distinct, func, insert, select

from bot import chart
from bot.answers import Later
from bot.export import csv_of
from bot.models import Base, SetLog, User
from bot.store import Transaction, Who
from dialogs.history import PAGE_SIZE, Export, Logged, Page
from dialogs.outcome import Attachment
from dialogs.progress import Progress, Report, summarize
from dialogs.replog import LogEntry
from dialogs.replog import SetLog as Set
from dialogs.session import ChartTheme
from dialogs.units import stored_kg

# --- reading and writing entries ----------------------------------------------------------
# Core statements, built once: logging a set is on the hot path of a workout.
SETS = SetLog.__table__
MINE = SETS.c.user_id == bindparam("user_id")
_ENTRY = SETS.c.entry_id == bindparam("entry_id")
_ADD = insert(SETS)
_REMOVE = delete(SETS).where(MINE, _ENTRY)


def entries(tx: Transaction, who: Who, *where: ColumnElement[bool]) -> list[Logged]:
    """The user's entries (all, or those `where` selects), oldest first."""
    rows = tx.connection.execute(
        select(SETS).where(MINE, *where).order_by(SETS.c.logged_at, SETS.c.entry_id, SETS.c.set_number),
        {"user_id": who.user_id},
    )
    return [
        Logged(
            entry_id,
            _aware(sets[0].logged_at),
            LogEntry(sets[0].exercise_id, tuple(Set(s.reps, s.weight, s.unit) for s in sets)),
            sets[0].workout,
        )
        for entry_id, group in groupby(rows, key=lambda row: row.entry_id)
        for sets in [list(group)]
    ]


def _aware(moment: datetime) -> datetime:
    """SQLite gives back the UTC time it was given, without its zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


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
    tx.erase_receipts(who)
    for table in reversed(Base.metadata.sorted_tables):
        if "user_id" in table.c:
            tx.db.execute(table.delete().where(table.c.user_id == who.user_id))
    tx.db.execute(User.__table__.delete().where(User.__table__.c.id == who.user_id))


# --- requests -----------------------------------------------------------------------------
def history(tx: Transaction, who: Who, params: dict[str, Any]) -> tuple[Page]:
    """A page of /history, newest first, optionally of one exercise."""
    mine = SetLog.user_id == who.user_id
    scope = [mine] + ([SetLog.exercise_id == params["exercise"]] if params["exercise"] else [])
    total = tx.db.scalar(select(func.count(distinct(SetLog.entry_id))).where(*scope)) or 0
    pages = max(1, ceil(total / PAGE_SIZE))
    number = min(max(params["page"], 0), pages - 1)
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
    return (Page(tuple(reversed(shown)), number, pages, params["exercise"], exercises, params["timezone"]),)


def progress(tx: Transaction, who: Who, params: dict[str, Any]) -> tuple[Report] | tuple[Later]:
    """/progress: the summary; its chart is drawn after the commit, off the database thread
    (it takes a quarter of a second, and the database thread serves every chat)."""
    summary = summarize(entries(tx, who), list(params["names"]), params["timezone"], params["unit"], tx.now)
    if summary is None or not summary.charted:
        return (Report(summary),)
    return (Later(Report(summary), partial(_chart, summary, params["names"], params["theme"])),)


def _chart(summary: Progress, names: Mapping[str, str], theme: ChartTheme) -> Attachment:
    return Attachment("photo", "armswing-progress.png", chart.draw(summary, names, theme))


def export(tx: Transaction, who: Who, params: dict[str, Any]) -> tuple[Export]:
    """/export: the whole log as a CSV document."""
    logged = entries(tx, who)
    day = tx.now.astimezone(ZoneInfo(params["timezone"])).date()
    content = csv_of(logged, params["names"], params["timezone"])
    file = Attachment("document", f"armswing-log-{day:%Y-%m-%d}.csv", content)
    return (Export(sum(len(item.entry.sets) for item in logged), file),)
