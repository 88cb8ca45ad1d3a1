"""Global intents: commands and buttons that work the same in every state."""
from __future__ import annotations

from collections.abc import Callable

from dialogs import answers
from dialogs.flows.home import menu_card
from dialogs.turn import Turn


def _start(turn: Turn) -> None:
    link = turn.event.args
    if link.startswith("ex_"):  # a deep link t.me/<bot>?start=ex_<exercise id>
        answers.open_ref(turn, "ex:" + link[3:])
        return
    if not turn.profile.onboarded:
        if turn.flow_name == "onboarding":
            turn.show_card()
        else:
            turn.say("welcome", first_name=turn.profile.first_name)
            turn.start_flow("onboarding")
        return
    turn.say("welcome_back", first_name=turn.profile.first_name)
    turn.show_card()


def _help(turn: Turn) -> None:
    turn.say("help", commands=turn.coach.catalog.commands)
    if not turn.at_home:
        turn.show_card()


def _cancel(turn: Turn) -> None:
    if turn.at_home and not turn.stack:
        turn.say("nothing_to_cancel")
        return
    title = turn.flow.title
    turn.leave_all()
    turn.say("cancelled", title=title)
    turn.show_card()


def _settings(turn: Turn) -> None:
    turn.start_flow("settings")


def _menu(turn: Turn) -> None:
    turn.replies.append(menu_card(turn))


def _ask(turn: Turn) -> None:
    if turn.event.args:
        answers.answer(turn, turn.event.args)
    else:
        turn.say("ask_prompt")


def _resume(turn: Turn) -> None:
    turn.show_card()


def _open(turn: Turn) -> None:
    answers.open_ref(turn, turn.event.payload)


COMMANDS: dict[str, Callable[[Turn], None]] = {
    "start": _start,
    "help": _help,
    "cancel": _cancel,
    "settings": _settings,
    "menu": _menu,
    "ask": _ask,
}
BUTTONS: dict[str, Callable[[Turn], None]] = {
    "help": _help,
    "settings": _settings,
    "menu": _menu,
    "resume": _resume,
    "topic": _open,
    "ex": _open,
}


def handle(turn: Turn) -> bool:
    """Run the global intent the event names, if there is one."""
    event = turn.event
    if event.kind == "command":
        handler = COMMANDS.get(event.command)
    elif event.kind == "button":
        handler = BUTTONS.get(event.payload.partition(":")[0])
    else:
        return False
    if handler is None:
        return False
    handler(turn)
    return True
