"""/settings: see the runner's units, timezone and chart colours, and change any of them."""

from __future__ import annotations

from dataclasses import replace
from typing import get_args

from dialogs.flow import END, Flow, State, Transition, then
from dialogs.flows.profile import local_clock, timezone_step, units_step
from dialogs.outcome import Reply
from dialogs.payload import payload
from dialogs.session import ChartTheme
from dialogs.turn import Turn

THEMES: tuple[ChartTheme, ...] = get_args(ChartTheme)


def _menu(turn: Turn) -> Reply:
    profile = turn.profile
    clock = local_clock(profile.timezone, turn.event.now) if profile.timezone else None
    rows = (
        (turn.button("change_units", "set_units"), turn.button("change_timezone", "set_zone")),
        (turn.button("change_chart", "set_chart"), turn.button("done", "done")),
    )
    context = {"units": profile.units, "timezone": profile.timezone, "clock": clock, "chart": profile.chart}
    return Reply("settings/menu", context, rows)


def _chart_card(turn: Turn) -> Reply:
    row = tuple(turn.button(f"chart_{theme}", payload("chart", theme)) for theme in THEMES)
    return Reply("settings/chart", {"current": turn.profile.chart}, (row,))


def _chosen_theme(turn: Turn) -> ChartTheme | None:
    """A theme button (checked: callback data can be forged) or the theme's name typed."""
    said = turn.argument if turn.event.kind == "button" else turn.event.text.strip().lower().rstrip(".")
    return next((theme for theme in THEMES if theme == said), None)


def _set_chart(turn: Turn, theme: ChartTheme) -> None:
    turn.profile = replace(turn.profile, chart=theme)


def _saved(turn: Turn) -> None:
    turn.say("settings/saved")


_units_states, _units_transitions = units_step("settings", "settings:menu", after=_saved)
_zone_states, _zone_transitions = timezone_step("settings", "settings:menu", after=_saved)

SETTINGS = Flow(
    name="settings",
    title="settings",
    initial="settings:menu",
    states=(
        State("settings:menu", _menu, resume_label="settings", buttons=("set_units", "set_zone", "set_chart", "done")),
        State(
            "settings:chart",
            _chart_card,
            resume_label="settings",
            fallback="settings/chart_unknown",
            buttons=("chart",),
        ),
        *_units_states,
        *_zone_states,
    ),
    transitions=(
        Transition("settings:menu", "button:set_units", "settings:units"),
        Transition("settings:menu", "button:set_zone", "settings:timezone"),
        Transition("settings:menu", "button:set_chart", "settings:chart"),
        Transition("settings:menu", "button:done", END),
        Transition[ChartTheme](
            "settings:chart", "button:chart", "settings:menu", _chosen_theme, then(_set_chart, _saved)
        ),
        Transition[ChartTheme]("settings:chart", "text", "settings:menu", _chosen_theme, then(_set_chart, _saved)),
        *_units_transitions,
        *_zone_transitions,
    ),
)
