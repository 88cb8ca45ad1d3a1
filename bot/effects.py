"""Effects the engine asks for, applied inside the event's transaction.

Each handler takes the open transaction, the user and the effect's parameters. Timers are not
here: they are not data to commit but something to start once the commit is done, so
`Conversations` hands them to the adapter.
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select

from bot.models import SetLog, User
from bot.store import Transaction, Who
from dialogs.outcome import Effect
from dialogs.plan import KG_PER_LB

Handler = Callable[[Transaction, Who, dict[str, Any]], Awaitable[None]]
POST_COMMIT = frozenset({"timer"})


async def log_sets(tx: Transaction, who: Who, params: dict[str, Any]) -> None:
    """Store one entry's sets; an entry logged again (a corrected set) replaces the old rows."""
    await tx.db.execute(delete(SetLog).where(SetLog.user_id == who.user_id, SetLog.entry_id == params["entry_id"]))
    for number, (reps, weight, unit) in enumerate(params["sets"], start=1):
        amount = None if weight is None else Decimal(weight)
        tx.db.add(
            SetLog(
                user_id=who.user_id, entry_id=params["entry_id"], exercise_id=params["exercise_id"],
                set_number=number, reps=reps, weight=amount, unit=unit if amount is not None else None,
                weight_kg=None if amount is None else (amount * KG_PER_LB if unit == "lb" else amount),
                logged_at=tx.now, workout=params.get("workout"),
            )
        )
    await tx.db.flush()
    await refresh_record(tx, who, params["exercise_id"])


async def refresh_record(tx: Transaction, who: Who, exercise_id: str) -> None:
    """Recompute the record's summary of one exercise (last entry and best weight) from the log."""
    rows = list(
        await tx.db.scalars(
            select(SetLog)
            .where(SetLog.user_id == who.user_id, SetLog.exercise_id == exercise_id)
            .order_by(SetLog.logged_at.desc(), SetLog.id.desc())
        )
    )
    user = await tx.db.get(User, who.user_id)
    record = dict(user.record or {})
    exercises = dict(record.get("exercises", {}))
    if not rows:
        exercises.pop(exercise_id, None)
    else:
        latest = rows[0].entry_id
        last = sorted((r for r in rows if r.entry_id == latest), key=lambda r: r.set_number)
        best = max((r.weight_kg for r in rows if r.weight_kg is not None), default=None)
        exercises[exercise_id] = {
            "sets": [{"reps": r.reps, "weight": None if r.weight is None else str(r.weight.normalize()), "unit": r.unit} for r in last],
            "at": rows[0].logged_at.isoformat(),
            "best_kg": None if best is None else str(best.normalize()),
        }
    record["exercises"] = exercises
    user.record = record  # a new object, so SQLAlchemy sees the change


HANDLERS: dict[str, Handler] = {
    "log_sets": log_sets,
}


async def apply(tx: Transaction, who: Who, effects: tuple[Effect, ...]) -> None:
    for effect in effects:
        if effect.kind not in POST_COMMIT:
            await HANDLERS[effect.kind](tx, who, effect.params)
