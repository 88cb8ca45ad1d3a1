"""The two questions about the runner, units and timezone, as steps any flow can include
(onboarding asks them in a row; settings asks one at a time)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TypedDict, cast
from zoneinfo import ZoneInfo

from content.places import Place
from dialogs.effects import SyncReminders
from dialogs.flow import Action, Edge, State, Transition, then
from dialogs.outcome import Reply
from dialogs.payload import payload
from dialogs.turn import Turn
from dialogs.units import Unit

UNIT_WORDS: dict[str, Unit] = {
    "kg": "kg",
    "kgs": "kg",
    "kilo": "kg",
    "kilos": "kg",
    "kilogram": "kg",
    "kilograms": "kg",
    "metric": "kg",
    "lb": "lb",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "imperial": "lb",
}
COMMON_ZONES = (
    "Europe/London",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
)


class ZoneData(TypedDict, total=False):
    """What the timezone step keeps in its flow's `data` while a typed place reads several ways."""

    zone_typed: str  # what the runner typed
    zone_options: list[list[str]]  # the places it may be, as `[label, zone]`


def _zone_data(turn: Turn) -> ZoneData:
    return cast(ZoneData, turn.data)


def parse_units(text: str) -> Unit | None:
    return UNIT_WORDS.get(text.strip().lower().rstrip("."))


def local_clock(zone: str, now: datetime) -> str:
    return now.astimezone(ZoneInfo(zone)).strftime("%H:%M")


# --- units --------------------------------------------------------------------------------
def units_card(turn: Turn) -> Reply:
    row = (turn.button("kg", "units:kg"), turn.button("lb", "units:lb"))
    return Reply("profile/units", {"current": turn.profile.units}, (row,))


def has_units(turn: Turn) -> Unit | None:
    """The units tapped (checked: callback data can be forged) or typed."""
    if turn.event.kind == "button":
        return UNIT_WORDS.get(turn.argument)
    return parse_units(turn.event.text)


def set_units(turn: Turn, units: Unit) -> None:
    turn.profile = replace(turn.profile, units=units)


# --- timezone -----------------------------------------------------------------------------
def timezone_card(turn: Turn) -> Reply:
    buttons = [
        turn.button("zone", payload("tz", zone), place=zone.split("/")[-1].replace("_", " ")) for zone in COMMON_ZONES
    ]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    return Reply("profile/timezone", {"current": turn.profile.timezone}, rows)


def timezone_pick_card(turn: Turn) -> Reply:
    now = turn.event.now
    rows = tuple(
        (turn.button("zone_option", payload("tz", zone), place=label, zone=zone, clock=local_clock(zone, now)),)
        for label, zone in _zone_data(turn)["zone_options"]
    )
    return Reply("profile/timezone_pick", {"typed": _zone_data(turn)["zone_typed"]}, rows)


def _typed_places(turn: Turn) -> tuple[Place, ...]:
    return turn.coach.places.resolve(turn.event.text) if turn.event.kind == "text" else ()


def picked_zone(turn: Turn) -> str | None:
    """A zone button (checked: callback data can be forged) or a typed place with one reading."""
    if turn.event.kind == "button":
        return turn.argument if turn.argument in turn.coach.places.zones else None
    places = turn.once(_typed_places)
    return places[0].zone if len(places) == 1 else None


def typed_several_zones(turn: Turn) -> tuple[Place, ...] | None:
    places = turn.once(_typed_places)
    return places if len(places) > 1 else None


def set_zone(turn: Turn, zone: str) -> None:
    turn.profile = replace(turn.profile, timezone=zone)
    _zone_data(turn).pop("zone_options", None)
    _zone_data(turn).pop("zone_typed", None)
    turn.effect(SyncReminders())  # the next reminder is due at the new local time


def offer_zones(turn: Turn, places: tuple[Place, ...]) -> None:
    _zone_data(turn)["zone_typed"] = turn.event.text
    _zone_data(turn)["zone_options"] = [[place.label, place.zone] for place in places]


# --- the steps ----------------------------------------------------------------------------
def units_step(flow: str, target: str, after: Action | None = None) -> tuple[tuple[State, ...], tuple[Edge, ...]]:
    name = f"{flow}:units"
    action = then(set_units, after)
    return (
        (State(name, units_card, resume_label="units", buttons=("units",)),),
        (
            Transition[Unit](name, "button:units", target, guard=has_units, action=action),
            Transition[Unit](name, "text", target, guard=has_units, action=action),
        ),
    )


def timezone_step(flow: str, target: str, after: Action | None = None) -> tuple[tuple[State, ...], tuple[Edge, ...]]:
    ask, pick = f"{flow}:timezone", f"{flow}:timezone_pick"
    action = then(set_zone, after)
    states = (
        State(ask, timezone_card, resume_label="timezone", fallback="profile/timezone_unknown", buttons=("tz",)),
        State(pick, timezone_pick_card, resume_label="timezone", fallback="profile/timezone_unknown", buttons=("tz",)),
    )
    transitions: list[Edge] = []
    for source in (ask, pick):
        transitions += [
            Transition(source, "button:tz", target, guard=picked_zone, action=action),
            Transition(source, "text", target, guard=picked_zone, action=action),
            Transition(source, "text", pick, guard=typed_several_zones, action=offer_zones),
        ]
    return states, tuple(transitions)
