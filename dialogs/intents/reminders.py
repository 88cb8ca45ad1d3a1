"""Reminders' global intents: a schedule typed in plain words in any state ("remind me
tuesdays and fridays at 7am") is offered, one tap to accept, and the anytime buttons of a
reminder message (Snooze, Skip) act on it."""

from __future__ import annotations

import re
from datetime import date, time
from typing import cast

from dialogs.effects import SkipReminder, SnoozeReminder
from dialogs.flows.reminders import MIN_DAYS, STEP_STATES, clock, is_quiet, keep, settings_of
from dialogs.payload import payload
from dialogs.reminder import ReminderSettings, when
from dialogs.reminder_words import parse_schedule
from dialogs.turn import Turn
from scheduler.policy import Schedule, SnoozeOption, describe_days, local_time, next_due, snooze_until

OFFERED = re.compile(r"([0-6]{1,7})@([01]\d|2[0-3])([0-5]\d)")  # an offered schedule: days@HHMM


def open_menu(turn: Turn) -> None:
    turn.start_flow("reminders")


def offer(turn: Turn) -> bool:
    """Typed words naming a schedule, in any state: offer to set it, one tap to accept."""
    if turn.state_name.endswith(STEP_STATES):
        return False  # the days-and-time step reads them itself
    found = parse_schedule(turn.event.text)
    if found is None:
        return False
    days, at = found
    zone = turn.profile.timezone
    if zone is None:
        turn.say("reminders/after_setup")
    else:
        offered = payload("rem_set", f"{''.join(str(day) for day in sorted(days))}@{at:%H%M}")
        turn.say(
            "reminders/offer",
            ((turn.button("reminders/set_them", offered),),),
            days=describe_days(days),
            at=clock(at),
            timezone=zone,
            quiet=is_quiet(at),
            few=len(days) < MIN_DAYS,
        )
    if not turn.at_home:
        turn.show_card()
    return True


def set_offered(turn: Turn) -> None:
    """The runner accepted an offered schedule (the button carries it: "rem_set:14@0700")."""
    found = OFFERED.fullmatch(turn.argument)
    if found is None or turn.profile.timezone is None:
        turn.say("stale_menu")
        turn.show_card()
        return
    at = time(int(found.group(2)), int(found.group(3)))
    settings = ReminderSettings(frozenset(int(day) for day in found.group(1)), at, allow_quiet_hours=is_quiet(at))
    keep(turn, settings)
    turn.say("reminders/saved", **settings.describe(turn.profile.timezone, turn.event.now))
    if not turn.at_home:
        turn.show_card()


def snooze(turn: Turn) -> None:
    """Snooze from a reminder (1 hour, this evening) or move a missed workout (tomorrow)."""
    settings, zone = settings_of(turn), turn.profile.timezone
    if settings is None or zone is None or turn.argument not in ("1h", "evening", "tomorrow"):
        turn.say("reminders/none")
        return
    now = turn.event.now
    if turn.argument in ("1h", "evening"):
        until = snooze_until(now, cast(SnoozeOption, turn.argument), zone)
    else:  # tomorrow
        tomorrow = (local_time(now, zone).weekday() + 1) % 7
        due = next_due(
            Schedule(frozenset({tomorrow}), settings.at, zone, allow_quiet_hours=settings.allow_quiet_hours), now
        )
        assert due is not None  # one day a week always comes round
        until = due
    until = until.replace(microsecond=0)
    turn.effect(SnoozeReminder(until.isoformat()))
    turn.say("reminders/snoozed", when=when(local_time(until, zone)))


def skip(turn: Turn) -> None:
    """Skip one reminder: its snooze is dropped and the next morning brings no nudge about it."""
    settings, zone = settings_of(turn), turn.profile.timezone
    if settings is None or zone is None or not _is_date(turn.argument):
        turn.say("reminders/none")
        return
    turn.effect(SkipReminder(turn.argument))
    turn.say("reminders/skipped", next=settings.describe(zone, turn.event.now)["next"])


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))
