"""/reminders: the schedule and the next reminder in local time; change, pause, resume or stop,
one tap each. `reminder_step` builds the days-and-time questions, which onboarding reuses as its
last step.

The global intents of reminders (a schedule typed in any state, Snooze and Skip) are
`dialogs.intents.reminders`.

`data` while choosing:
    rem_days   the days ticked so far (0 = Monday)
    rem_at     the time picked, "HH:MM"
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, time, timedelta
from typing import TypedDict, cast
from zoneinfo import ZoneInfo

from dialogs.effects import SyncReminders
from dialogs.flow import END, Action, Edge, Flow, Prompt, Reader, State, Transition, then
from dialogs.flows.profile import local_clock, timezone_step
from dialogs.outcome import Keyboard, Reply
from dialogs.payload import payload
from dialogs.reminder import ReminderSettings, day_label, stored
from dialogs.reminder_words import Reading, parse_date, read
from dialogs.turn import Turn
from scheduler.policy import (
    DAY_NAMES,
    check_time,
    describe_days,
    local_time,
    wall_to_utc,
)

DEFAULT_DAYS = (1, 4)  # Tuesday and Friday: far apart, and clear of the weekend's long run
MIN_DAYS = 2  # twice a week is the plan
TIMES = ("07:00", "07:30", "08:00", "12:00", "12:30", "17:30", "18:00", "19:00", "20:00")
PAUSE_DAYS = 7
STEP_STATES = (":remind_days", ":remind_time", ":remind_quiet")
PAUSE_WORDS = re.compile(r"\s*pause\b", re.IGNORECASE)


class StepData(TypedDict, total=False):
    """What the days-and-time step keeps in its flow's `data` until the schedule is saved."""

    rem_days: list[int]  # the days chosen so far (0 is Monday)
    rem_at: str  # the time chosen, "HH:MM"


def _step_data(turn: Turn) -> StepData:
    return cast(StepData, turn.data)


# --- reading the turn -----------------------------------------------------------------------
def settings_of(turn: Turn) -> ReminderSettings | None:
    return ReminderSettings.of(turn.profile)


def _days(turn: Turn) -> frozenset[int]:
    if "rem_days" in _step_data(turn):
        return frozenset(_step_data(turn)["rem_days"])
    settings = settings_of(turn)
    return settings.days if settings else frozenset(DEFAULT_DAYS)


def _at(turn: Turn) -> time | None:
    if "rem_at" in _step_data(turn):
        return time.fromisoformat(_step_data(turn)["rem_at"])
    settings = settings_of(turn)
    return settings.at if settings else None


def _read(turn: Turn) -> Reading | None:
    """What the typed text names as days and a time."""
    return read(turn.event.text) if turn.event.kind == "text" else None


def _reading(turn: Turn) -> Reading | None:
    """What the typed text names as days and a time, read once per event (`_read`)."""
    return turn.once(_read)


def _picked(turn: Turn) -> Reading | None:
    """A tapped time (checked: callback data can be forged) or a typed one (with the days typed
    with it, if any)."""
    if turn.event.kind == "button":
        return Reading(at=time.fromisoformat(turn.argument)) if turn.argument in TIMES else None
    reading = _reading(turn)
    return reading if reading is not None and reading.at is not None else None


def is_quiet(at: time) -> bool:
    return check_time(at, allow_quiet_hours=False) is not None


def _days_text(days: frozenset[int]) -> str:
    return describe_days(days) if days else ""


def clock(at: time | None) -> str:
    return at.strftime("%H:%M") if at is not None else ""


# --- guards ---------------------------------------------------------------------------------
def _enough_days(turn: Turn) -> bool:
    return len(_days(turn)) >= MIN_DAYS


def _typed_days(enough: bool) -> Reader[Reading]:
    """Days typed without a time: as many as the plan needs (`enough`), or fewer."""

    def guard(turn: Turn) -> Reading | None:
        reading = _reading(turn)
        ok = reading is not None and reading.at is None and (len(reading.days) >= MIN_DAYS) == enough
        return reading if ok else None

    return guard


def _typed_schedule(quiet: bool) -> Reader[Reading]:
    """Days and a time typed together, the time in quiet hours or not."""

    def guard(turn: Turn) -> Reading | None:
        reading = _reading(turn)
        ok = reading is not None and bool(reading.days) and reading.at is not None and is_quiet(reading.at) == quiet
        return reading if ok else None

    return guard


def _picked_time(quiet: bool) -> Reader[Reading]:
    """A time tapped or typed (`_picked`), in quiet hours or not."""

    def guard(turn: Turn) -> Reading | None:
        reading = _picked(turn)
        return reading if reading is not None and reading.at is not None and is_quiet(reading.at) == quiet else None

    return guard


def _has_settings(turn: Turn) -> bool:
    return settings_of(turn) is not None and turn.profile.timezone is not None


def _complete(turn: Turn) -> bool:
    """Days, a time and a timezone: everything a schedule needs."""
    return turn.profile.timezone is not None and _at(turn) is not None and bool(_days(turn))


def _typed_pause(turn: Turn) -> date | None:
    """The day a typed "pause until …" names, when reminders are set."""
    return _pause_day(turn) if _has_settings(turn) and turn.event.kind == "text" else None


# --- actions --------------------------------------------------------------------------------
def _toggle_day(turn: Turn) -> None:
    if turn.argument.isdigit() and int(turn.argument) < 7:
        _step_data(turn)["rem_days"] = sorted(_days(turn) ^ {int(turn.argument)})


def _take(turn: Turn, reading: Reading) -> None:
    """Keep the days and the time the runner tapped or typed."""
    if reading.days:
        _step_data(turn)["rem_days"] = sorted(reading.days)
    if reading.at is not None:
        _step_data(turn)["rem_at"] = clock(reading.at)


def _need_more_days(turn: Turn) -> None:
    turn.say("reminders/need_two_days")


def _later(turn: Turn) -> None:
    turn.say("reminders/later")


def keep(turn: Turn, settings: ReminderSettings | None) -> None:
    """The settings go into the record now and into the reminders table with the transaction."""
    turn.profile = stored(turn.profile, settings)
    turn.effect(SyncReminders())


def save(turn: Turn) -> None:
    at = _at(turn)
    assert at is not None and turn.profile.timezone is not None
    settings = ReminderSettings(_days(turn), at, allow_quiet_hours=is_quiet(at))  # a quiet time was confirmed
    keep(turn, settings)
    turn.say("reminders/saved", **settings.describe(turn.profile.timezone, turn.event.now))
    _step_data(turn).pop("rem_days", None)
    _step_data(turn).pop("rem_at", None)


def _local_today(turn: Turn) -> date:
    return local_time(turn.event.now, turn.profile.timezone or "UTC").date()


def _pause_day(turn: Turn) -> date | None:
    if turn.event.kind != "text" or not PAUSE_WORDS.match(turn.event.text):
        return None
    return parse_date(turn.event.text, _local_today(turn))


def _pause_tapped(turn: Turn) -> None:
    """A week's pause ("rem_pause:week"), or until resumed."""
    _pause(turn, _local_today(turn) + timedelta(days=PAUSE_DAYS) if turn.argument == "week" else None)


def _pause(turn: Turn, day: date | None) -> None:
    """Pause until `day` (local midnight), or until resumed when None."""
    settings = settings_of(turn)
    assert settings is not None and turn.profile.timezone is not None
    if day is None:
        keep(turn, replace(settings, paused=True, paused_until=None))
        turn.say("reminders/paused", until=None)
        return
    until = wall_to_utc(day, time(0), ZoneInfo(turn.profile.timezone))
    keep(turn, replace(settings, paused=False, paused_until=until))
    turn.say("reminders/paused", until=day_label(day))


def _resume(turn: Turn) -> None:
    settings, zone = settings_of(turn), turn.profile.timezone
    assert settings is not None and zone is not None  # the guard: reminders are set, so is the zone
    settings = replace(settings, paused=False, paused_until=None)
    keep(turn, settings)
    turn.say("reminders/resumed", next=settings.describe(zone, turn.event.now)["next"])


def _stop(turn: Turn) -> None:
    keep(turn, None)
    turn.say("reminders/stopped")


# --- cards ----------------------------------------------------------------------------------
def _days_card(leave_label: str, setup: bool) -> Prompt:
    def card(turn: Turn) -> Reply:
        chosen = _days(turn)
        days = [turn.button("reminders/day", payload("rem_day", d), day=DAY_NAMES[d], on=d in chosen) for d in range(7)]
        rows = (
            tuple(days[:4]),
            tuple(days[4:]),
            (turn.button("reminders/next", "rem_next"), turn.button(f"reminders/{leave_label}", "rem_leave")),
        )
        return Reply("reminders/days", {"chosen": _days_text(chosen), "setup": setup}, rows)

    return card


def _time_card(turn: Turn) -> Reply:
    current = clock(_at(turn))
    times = [turn.button("reminders/time", payload("rem_at", t), at=t, on=t == current) for t in TIMES]
    rows = (*(tuple(times[i : i + 3]) for i in range(0, len(times), 3)), (turn.button("reminders/back", "rem_back"),))
    return Reply("reminders/time", {"days": _days_text(_days(turn)), "timezone": turn.profile.timezone}, rows)


def _quiet_card(turn: Turn) -> Reply:
    at = clock(_at(turn))
    rows = (
        (turn.button("reminders/quiet_ok", "rem_quiet_ok", at=at),),
        (turn.button("reminders/other_time", "rem_other"),),
    )
    return Reply("reminders/quiet_hours", {"at": at}, rows)


def _confirm_card(turn: Turn) -> Reply:
    zone = turn.profile.timezone
    first = (
        (turn.button("reminders/save", "rem_save"), turn.button("reminders/change_zone", "rem_zone"))
        if zone
        else (turn.button("reminders/set_zone", "rem_zone"),)
    )
    context = {
        "days": _days_text(_days(turn)),
        "at": clock(_at(turn)),
        "timezone": zone,
        "clock": local_clock(zone, turn.event.now) if zone else None,
    }
    return Reply("reminders/confirm", context, (first, (turn.button("reminders/back", "rem_back"),)))


def _menu_card(turn: Turn) -> Reply:
    settings, zone = settings_of(turn), turn.profile.timezone
    done = turn.button("done", "rem_done")
    if settings is None or zone is None:
        return Reply("reminders/menu", {"days": None}, ((turn.button("reminders/set_up", "rem_change"),), (done,)))
    until = settings.paused_until if settings.paused_until and settings.paused_until > turn.event.now else None
    context = {
        **settings.describe(zone, turn.event.now),
        "paused": settings.paused,
        "paused_until": day_label(local_time(until, zone).date()) if until else None,
    }
    stop = turn.button("reminders/stop", "rem_stop")
    rows: Keyboard
    if settings.paused or until:
        rows = (
            (turn.button("reminders/resume", "rem_resume"), turn.button("reminders/change", "rem_change")),
            (stop, done),
        )
    else:
        rows = (
            (turn.button("reminders/change", "rem_change"),),
            (
                turn.button("reminders/pause_week", "rem_pause:week"),
                turn.button("reminders/pause_off", "rem_pause:off"),
            ),
            (stop, done),
        )
    return Reply("reminders/menu", context, rows)


# --- the step and the flow ------------------------------------------------------------------
def reminder_step(
    flow: str, target: str, leave: str, after: Action | None = None, setup: bool = False
) -> tuple[tuple[State, ...], tuple[Edge, ...]]:
    """Days, then a time (a time in quiet hours is confirmed), then `target` with `after`.

    `leave` is where "Not now" (in `setup`) or "Back" leads. Typed days and a time together
    ("tue fri 7am") skip straight to the end.
    """
    days, at, quiet = (f"{flow}{suffix}" for suffix in STEP_STATES)
    chosen = then(_take, after)
    states = (
        State(
            days,
            _days_card("not_now" if setup else "back", setup),
            resume_label="reminder_days",
            fallback="reminders/days_unknown",
            buttons=("rem_day", "rem_next", "rem_leave"),
        ),
        State(
            at,
            _time_card,
            resume_label="reminder_time",
            fallback="reminders/time_unknown",
            buttons=("rem_at", "rem_back"),
        ),
        State(quiet, _quiet_card, resume_label="reminder_time", buttons=("rem_quiet_ok", "rem_other")),
    )
    transitions = (
        Transition(days, "button:rem_day", days, action=_toggle_day),
        Transition(days, "button:rem_next", at, guard=_enough_days),
        Transition(days, "button:rem_next", days, action=_need_more_days),
        Transition(days, "button:rem_leave", leave, action=_later if setup else None),
        Transition(days, "text", target, guard=_typed_schedule(quiet=False), action=chosen),
        Transition(days, "text", quiet, guard=_typed_schedule(quiet=True), action=_take),
        Transition(days, "text", at, guard=_typed_days(enough=True), action=_take),
        Transition(days, "text", days, guard=_typed_days(enough=False), action=then(_take, _need_more_days)),
        Transition(at, "button:rem_at", target, guard=_picked_time(quiet=False), action=chosen),
        Transition(at, "button:rem_at", quiet, guard=_picked_time(quiet=True), action=_take),
        Transition(at, "text", target, guard=_picked_time(quiet=False), action=chosen),
        Transition(at, "text", quiet, guard=_picked_time(quiet=True), action=_take),
        Transition(at, "button:rem_back", days),
        Transition(quiet, "button:rem_quiet_ok", target, action=after),
        Transition(quiet, "button:rem_other", at),
    )
    return states, transitions


_step_states, _step_transitions = reminder_step("reminders", "reminders:confirm", leave="reminders:menu")
_zone_states, _zone_transitions = timezone_step("reminders", "reminders:confirm")
# Days, a time or both typed at the menu are read as the steps read them ("every tue and fri",
# "7am": the days kept as they are).
_typed_at_menu = tuple(
    replace(edge, source="reminders:menu")
    for edge in _step_transitions
    if isinstance(edge, Transition)
    and edge.source in ("reminders:remind_days", "reminders:remind_time")
    and edge.trigger == "text"
)

REMINDERS = Flow(
    name="reminders",
    title="reminders",
    initial="reminders:menu",
    states=(
        State(
            "reminders:menu",
            _menu_card,
            resume_label="reminders",
            buttons=("rem_change", "rem_pause", "rem_resume", "rem_stop", "rem_done"),
        ),
        *_step_states,
        State(
            "reminders:confirm", _confirm_card, resume_label="reminders", buttons=("rem_save", "rem_zone", "rem_back")
        ),
        *_zone_states,
    ),
    transitions=(
        Transition("reminders:menu", "button:rem_change", "reminders:remind_days"),
        Transition("reminders:menu", "button:rem_pause", END, guard=_has_settings, action=_pause_tapped),
        Transition("reminders:menu", "text", END, guard=_typed_pause, action=_pause),
        *_typed_at_menu,
        Transition("reminders:menu", "button:rem_resume", END, guard=_has_settings, action=_resume),
        Transition("reminders:menu", "button:rem_stop", END, guard=_has_settings, action=_stop),
        Transition("reminders:menu", "button:rem_done", END),
        *_step_transitions,
        Transition("reminders:confirm", "button:rem_save", END, guard=_complete, action=save),
        Transition("reminders:confirm", "button:rem_zone", "reminders:timezone"),
        Transition("reminders:confirm", "button:rem_back", "reminders:remind_time"),
        *_zone_transitions,
    ),
)
