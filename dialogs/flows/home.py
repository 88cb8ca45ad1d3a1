"""Home: where the runner is between flows. Its card is the main menu."""

from __future__ import annotations

from dialogs.flow import Flow, State
from dialogs.outcome import Reply
from dialogs.session import HOME_FLOW, HOME_STATE
from dialogs.turn import Turn


def menu_card(turn: Turn) -> Reply:
    rows = (
        (turn.button("today", "today"),),
        (turn.button("reminders", "reminders"), turn.button("settings", "settings"), turn.button("help", "help")),
    )
    return Reply("home/menu", {"first_name": turn.profile.first_name}, rows)


HOME = Flow(
    name=HOME_FLOW,
    title="menu",
    initial=HOME_STATE,
    # Every button of the menu is a global intent: it works the same from anywhere.
    states=(State(HOME_STATE, menu_card, resume_label="menu", buttons=("today", "reminders", "settings", "help")),),
    transitions=(),
    root=True,
)
