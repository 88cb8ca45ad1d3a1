"""An update as Telegram sends it (JSON), made safe to hand to PTB.

PTB's parser trusts its input: JSON nested a few hundred levels deep (a chain of replies, or just
brackets) exhausts Python's recursion limit, and a date outside what `datetime` can hold (a forged
`"date": 10**12`) raises while the update is built, so the runner would get no answer at all.
`parse` refuses what cannot be an update (`Unreadable`: the webhook answers 400) and brings every
timestamp into range first. The coach never uses a message's date (an event's time is when it is
handled), so the runner's message is answered as any other. Of the messages an update quotes (the
card a tap is on, the message a reply answers) the coach reads only who sent it and its id, so
their buttons and text entities are not built into PTB objects (`_unquoted`: under load, a
third of the time spent building a tap's update).

An update Telegram did send (it has an id) that PTB still cannot read (a kind or a field it does
not know) is a `Poison`: sent again it would fail again, and in polling it would come first in
every batch, at every restart. It is logged by its id only, counted, confirmed and skipped
(`skip`; the webhook answers 200, polling moves past it).
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from telegram import Bot, Update

from bot import metrics

log = logging.getLogger(__name__)

MAX_DEPTH = 48  # nesting of objects and lists; a real update has about a dozen levels
LATEST = 2**32 - 1  # Telegram's dates are unix times in 32 bits (up to 2106); `datetime` holds them all


class Unreadable(ValueError):
    """Not an update Telegram could have sent."""


class Poison(Unreadable):
    """An update with its id that PTB cannot read (see the module's docstring)."""

    def __init__(self, update_id: int, reason: str):
        super().__init__(reason)
        self.update_id = update_id


def parse(body: bytes, bot: Bot | None) -> Update:
    """The update a webhook request's body holds."""
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # not JSON, or nested past the recursion limit
        raise Unreadable(type(error).__name__) from None
    return update_of(data, bot)


def update_of(data: object, bot: Bot | None) -> Update:
    """The update `data` (one of getUpdates' list, or a webhook body, as JSON reads it) is."""
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise Unreadable("not an update")
    _check(data)
    _unquoted(data)
    try:
        update = Update.de_json(data, bot)
    except Exception as error:  # noqa: BLE001 — whatever PTB trips on, Telegram would send it again
        raise Poison(data["update_id"], type(error).__name__) from None
    if update is None:
        raise Poison(data["update_id"], "empty")
    return update


def skip(update_id: object, error: Unreadable) -> None:
    """Log (the id and the kind of failure, never the content) and count an update left unread."""
    metrics.UNREADABLE.inc()
    log.error("update=%s cannot be read (%s): skipped", update_id, error)


def _check(data: dict[str, Any]) -> None:
    """Refuse nesting deeper than MAX_DEPTH; clamp the dates (keys ending in "date") in place."""
    pending: list[tuple[Any, int]] = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_DEPTH:
            raise Unreadable("nested too deeply")
        if isinstance(value, dict):
            for key, item in value.items():
                if key.endswith("date") and isinstance(item, int | float) and not isinstance(item, bool):
                    value[key] = _in_range(item)
                elif isinstance(item, dict | list):
                    pending.append((item, depth + 1))
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value if isinstance(item, dict | list))


QUOTED_UNREAD = ("reply_markup", "entities", "caption_entities")  # of a quoted message, never read


def _unquoted(data: dict[str, Any]) -> None:
    """Leave out, in place, what the coach never reads of the messages the update quotes."""
    query, message = data.get("callback_query"), data.get("message")
    for quoted in (
        query.get("message") if isinstance(query, dict) else None,
        message.get("reply_to_message") if isinstance(message, dict) else None,
    ):
        if isinstance(quoted, dict):
            for key in QUOTED_UNREAD:
                quoted.pop(key, None)


def _in_range(moment: float) -> int:
    if math.isnan(moment):  # JSON as Python reads it may say NaN (and Infinity)
        return 0
    return int(min(max(moment, 0), LATEST))
