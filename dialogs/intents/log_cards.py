"""A logged entry's card, from any state: Undo and Edit, a Telegram reply to the card with a
corrected line, and an edit of the message that logged it (Telegram sends the new text as an
edited message) all correct that entry (`dialogs.flows.logbook` reads and stores)."""

from __future__ import annotations

from dataclasses import dataclass

from dialogs.effects import UndoEntry
from dialogs.flows.logbook import EditData, correct, explain, replied, typed
from dialogs.history import split_target
from dialogs.replog import Ambiguous, Invalid, NotALog, Parsed
from dialogs.turn import Turn


@dataclass(frozen=True)
class CardCorrection:
    """A line typed in reply to a log's card: the entry it corrects, and the line read as a log."""

    target: str
    result: Parsed | Ambiguous | Invalid


def corrects_a_card(turn: Turn) -> CardCorrection | None:
    """Typed text in reply to a confirmation card that reads as a log: a correction of that entry."""
    target = replied(turn) if turn.event.kind == "text" and not turn.event.edited else None
    if target is None:
        return None
    result = typed(turn)
    return None if isinstance(result, NotALog) else CardCorrection(target, result)


def correct_card(turn: Turn, found: CardCorrection) -> None:
    if isinstance(found.result, Parsed):
        correct(turn, found.target, found.result.entry)
    else:
        explain(turn, found.result)


def edited(turn: Turn) -> bool:
    """The runner edited a message they sent earlier."""
    return turn.event.edited


def correct_edited(turn: Turn) -> None:
    """An edited message corrects the entry it logged, and the coach says so. An edit of any
    other message changes nothing (an edited question or command is not handled again), and an
    edit that no longer reads as a clean log keeps the entry as it was."""
    target = replied(turn)
    result = typed(turn)
    if target is None:
        turn.say("log/edit_ignored")
    elif isinstance(result, Parsed):
        correct(turn, target, result.entry, edited=True)
    elif isinstance(result, NotALog):
        turn.say("log/edit_kept_entry")
    else:
        explain(turn, result)  # why the edit cannot be stored, then that the entry is kept
        turn.say("log/edit_kept_entry", refused=True)


def undo(turn: Turn) -> None:
    turn.effect(UndoEntry(split_target(turn.argument)[0]))


def edit(turn: Turn) -> None:
    turn.start_flow("log_edit", data=dict(EditData(target=turn.argument)))
