"""/start for a new runner: units, then timezone and a short summary, then reminders."""

from __future__ import annotations

from dialogs.flow import END, Flow
from dialogs.flows.profile import local_clock, timezone_step, units_step
from dialogs.flows.reminders import reminder_step, save
from dialogs.turn import Turn


def _all_set(turn: Turn) -> None:
    zone = turn.profile.timezone
    assert zone is not None  # the last step of onboarding comes after the timezone step
    turn.say("onboarding/done", units=turn.profile.units, timezone=zone, clock=local_clock(zone, turn.event.now))


_units_states, _units_transitions = units_step("onboarding", "onboarding:timezone")
_zone_states, _zone_transitions = timezone_step("onboarding", "onboarding:remind_days", after=_all_set)
_remind_states, _remind_transitions = reminder_step("onboarding", END, leave=END, after=save, setup=True)

ONBOARDING = Flow(
    name="onboarding",
    title="setup",
    initial="onboarding:units",
    states=_units_states + _zone_states + _remind_states,
    transitions=_units_transitions + _zone_transitions + _remind_transitions,
)
