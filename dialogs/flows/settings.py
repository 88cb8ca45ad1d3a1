"""/settings: see the runner's units and timezone and change either."""

from __future__ import annotations

from dialogs.flow import END, Flow, State, Transition
from dialogs.flows.profile import local_clock, timezone_step, units_step
from dialogs.outcome import Reply
from dialogs.turn import Turn


def _menu(turn: Turn) -> Reply:
    profile = turn.profile
    clock = local_clock(profile.timezone, turn.event.now) if profile.timezone else None
    rows = (
        (turn.button("change_units", "set_units"), turn.button("change_timezone", "set_zone")),
        (turn.button("done", "done"),),
    )
    return Reply("settings/menu", {"units": profile.units, "timezone": profile.timezone, "clock": clock}, rows)


def _saved(turn: Turn) -> None:
    turn.say("settings/saved")


_units_states, _units_transitions = units_step("settings", "settings:menu", after=_saved)
_zone_states, _zone_transitions = timezone_step("settings", "settings:menu", after=_saved)

SETTINGS = Flow(
    name="settings",
    title="settings",
    initial="settings:menu",
    states=(State("settings:menu", _menu, resume_label="settings"), *_units_states, *_zone_states),
    transitions=(
        Transition("settings:menu", "button:set_units", "settings:units"),
        Transition("settings:menu", "button:set_zone", "settings:timezone"),
        Transition("settings:menu", "button:done", END),
        *_units_transitions,
        *_zone_transitions,
    ),
)
