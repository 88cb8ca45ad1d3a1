"""The runner's own data, from any state: /history (and its filter and page buttons),
/progress, /export, a CSV of another app sent as a document, and /deletedata. What needs the
database is an effect; storage answers with the records of `dialogs.history` and
`dialogs.progress`. These answers go to the runner's private chat (`Turn.private`)."""

from __future__ import annotations

from dialogs.effects import DeleteData, ExportLog, ImportSets, ShowHistory, ShowProgress
from dialogs.flows.logbook import known_exercise
from dialogs.history import display_names
from dialogs.imports import MAX_BYTES, read_export
from dialogs.payload import fields_of
from dialogs.session import Profile
from dialogs.turn import Turn


def history(turn: Turn) -> None:
    """/history, or a filter or page button (`hist:<exercise id or all>:<page>`)."""
    exercise, page = fields_of(turn.argument, 2)
    turn.private = True
    turn.effect(
        ShowHistory(known_exercise(exercise, turn), int(page) if page.isdigit() else 0, turn.profile.timezone or "UTC")
    )


def progress(turn: Turn) -> None:
    turn.private = True
    turn.effect(
        ShowProgress(
            turn.profile.timezone or "UTC", turn.profile.units or "kg", display_names(turn.coach), turn.profile.chart
        )
    )


def export(turn: Turn) -> None:
    """/export (the spreadsheet's layout), `/export strong` or the button under the file."""
    turn.private = True
    strong = "strong" in (turn.argument, turn.event.args.strip().lower())
    turn.effect(
        ExportLog(
            turn.profile.timezone or "UTC",
            turn.profile.units or "kg",
            display_names(turn.coach),
            "strong" if strong else "sheet",
        )
    )


def import_file(turn: Turn) -> None:
    """A CSV document: Strong's or Hevy's export, imported (storage skips what it already has)."""
    turn.private = True
    if not turn.event.document or len(turn.event.document) > MAX_BYTES:
        turn.say("log/import_too_big", max_mb=MAX_BYTES // 1_000_000)
        return
    timezone, unit = turn.profile.timezone or "UTC", turn.profile.units or "kg"
    reading = read_export(turn.event.document, turn.coach.exercise_names, timezone, unit)
    if reading is None:
        turn.say("log/import_unknown", filename=turn.event.payload)
        return
    entries = [
        {
            "entry_id": item.entry_id,
            "logged_at": item.at.isoformat(),
            "exercise_id": item.entry.exercise_id,
            "sets": [[s.reps, None if s.weight is None else str(s.weight), s.unit] for s in item.entry.sets],
        }
        for item in reading.entries
    ]
    skipped = [[name, sets] for name, sets in reading.skipped]
    turn.effect(ImportSets(reading.source, entries, skipped, reading.warmups))


def ask_delete(turn: Turn) -> None:
    turn.private = True
    row = (turn.button("delete_yes", "deletedata:yes"), turn.button("delete_no", "deletedata:no"))
    turn.say("log/delete_confirm", (row,))


def delete(turn: Turn) -> None:
    """The answer to the confirmation: forget everything (storage removes the rows; the session
    it would save is a blank one), or keep it all."""
    turn.private = True
    if turn.argument != "yes":
        turn.say("log/delete_kept")
        if not turn.at_home:
            turn.show_card()
        return
    turn.effect(DeleteData())
    turn.leave_all()
    turn.profile = Profile()
    turn.say("log/deleted")
