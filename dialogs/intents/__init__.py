"""Global intents: commands and buttons that work the same in every state. Those of the
reminders, the log's cards and the runner's own data are in this package's modules of those
names; here are the rest and the tables that name them all."""

from __future__ import annotations

import re
from collections.abc import Callable

from dialogs import answers, corrections
from dialogs.flows import workout
from dialogs.flows.home import menu_card
from dialogs.intents import log_cards, own_data, reminders
from dialogs.payload import exercise_ref, name_of
from dialogs.turn import Turn

TODAY_WORDS = re.compile(
    r"\b(today'?s? (workout|session|plan|training)|(workout|session|training) (for )?today"
    r"|(start|begin|do) (a |my |the |today'?s? )?(workout|session|training)|let'?s (train|go|start|do (it|this)))\b",
    re.IGNORECASE,
)
# What turns a message with the workout words into a question about the workout, to be answered
# rather than obeyed: an opening that asks ("is it …", "do I …", "would it …"), or a word that
# weighs, conditions or schedules the workout ("should", "whether", "still", "after a run",
# "this week", "sore"). "What's my workout today?", "can we start the workout?" and "ok, today's
# workout please" ask for the workout itself and stay requests.
_ASKING_OPENING = re.compile(
    r"^\W*(is|isn'?t|are|am|was|were|has|have|shall|ought|which|who"
    r"|(do|does|did|don'?t) (i|we|you|they|runners?|people|one)|(would|could|will|can) it)\b",
    re.IGNORECASE,
)
_DOUBT_WORDS = re.compile(
    r"\b(should|shouldn'?t|whether|if|still|worth|safe|enough|need|have to|must|better|instead|too|after|before"
    r"|without|skip|miss(ed)?|weeks?|often|every|twice|why|how|when|sore|tired|pain|hurts?|injured)\b",
    re.IGNORECASE,
)


def asks_for_workout(text: str) -> bool:
    """The message requests today's workout (the /today words), rather than asking about it."""
    return bool(TODAY_WORDS.search(text)) and not _ASKING_OPENING.search(text) and not _DOUBT_WORDS.search(text)


def _start(turn: Turn) -> None:
    link = turn.event.args
    if link.startswith("ex_"):  # a deep link t.me/<bot>?start=ex_<exercise id>
        if link[3:] in turn.coach.catalog.knowledge.exercises:
            answers.open_ref(turn, exercise_ref(link[3:]))
        else:  # an old or mistyped link (it got "I don't know that one"): the moves to pick from
            _exercise_list(turn)
        if turn.profile.onboarded:
            return  # a new runner gets the explanation, then the set-up
    if not turn.profile.onboarded:
        if turn.flow_name == "onboarding":
            turn.show_card()
        else:
            turn.say("welcome", first_name=turn.profile.first_name)
            turn.start_flow("onboarding")
        return
    turn.say("welcome_back", first_name=turn.profile.first_name)
    turn.show_card()


def _today(turn: Turn) -> None:
    """Today's workout: the plan, the workout in progress, or the offer to resume or discard
    one left hours ago."""
    if not turn.profile.onboarded:
        if turn.flow_name == "onboarding":  # said, so that the question shown again is not taken for a deaf ear
            turn.say("onboarding/workout_after")
        _start(turn)
        return
    if turn.flow_name == "onboarding":  # only the optional reminders step is left: setup is done
        turn.leave_all()
    if turn.flow_name != "workout" and not turn.return_to("workout"):
        knows = turn.profile.record.get("dumbbells") or turn.profile.record.get("exercises")
        turn.start_flow("workout", at=None if knows else "workout:dumbbells")
        return
    if turn.state_name.startswith("workout:") and "workout" in turn.data and workout.abandoned(turn):
        rows = ((turn.button("resume_workout", "resume"), turn.button("discard", "discard")),)
        turn.say("workout/in_progress", rows, step=turn.step_name())
        return
    turn.show_card()


def _then_the_card(handler: Callable[[Turn], None]) -> Callable[[Turn], None]:
    """`handler`, then the current step's card again below its answer, as /help does: the answer
    is a new message, so the card above lost its buttons. Not in a group, where the answer goes
    to the private chat and the card stays in the group as it was."""

    def run(turn: Turn) -> None:
        handler(turn)
        if not turn.at_home and not turn.event.in_group:
            turn.show_card()

    return run


def _privacy(turn: Turn) -> None:
    turn.say("privacy")
    if not turn.at_home:
        turn.show_card()


def _help(turn: Turn) -> None:
    turn.say("help", commands=turn.coach.catalog.commands)
    if not turn.at_home:
        turn.show_card()


def _cancel(turn: Turn) -> None:
    """Leave the current flow: back to the one it interrupted, at the same step; a workout with
    sets still open asks first."""
    if turn.at_home and not turn.stack:
        turn.say("nothing_to_cancel")
        return
    if turn.flow_name == "workout" and turn.state_name in workout.STEPS and workout.sets_open(turn):
        workout.ask_to_end(turn)
        turn.go("workout:confirm_end")
        return
    turn.say("cancelled", title=turn.flow.title)
    if turn.stack and not turn.at_home:
        turn.end_flow()
        return
    turn.leave_all()
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


def _exercise_list(turn: Turn) -> None:
    exercises = list(turn.coach.catalog.knowledge.exercises.values())
    buttons = [answers.ref_button(turn, exercise_ref(exercise.id)) for exercise in exercises]
    rows = tuple(tuple(buttons[i : i + 2]) for i in range(0, len(buttons), 2))
    turn.say("exercise/list", rows, exercises=exercises)


def _exercises(turn: Turn) -> None:
    _exercise_list(turn)
    if not turn.at_home:
        turn.show_card()


def _resume(turn: Turn) -> None:
    turn.show_card()


def _open(turn: Turn) -> None:
    answers.open_ref(turn, turn.event.payload)


COMMANDS: dict[str, Callable[[Turn], None]] = {
    "start": _start,
    "help": _help,
    "privacy": _privacy,
    "cancel": _cancel,
    "settings": _settings,
    "menu": _menu,
    "ask": _ask,
    "today": _today,
    "workout": _today,
    "exercises": _exercises,
    "reminders": reminders.open_menu,
    "history": _then_the_card(own_data.history),
    "progress": _then_the_card(own_data.progress),
    "export": _then_the_card(own_data.export),
    "deletedata": own_data.ask_delete,
}
BUTTONS: dict[str, Callable[[Turn], None]] = {
    "reminders": reminders.open_menu,
    "help": _help,
    "settings": _settings,
    "menu": _menu,
    "resume": _resume,
    "topic": _open,
    "ex": _open,
    "today": _today,
    "rem_set": reminders.set_offered,
    "rem_snooze": reminders.snooze,
    "rem_skip": reminders.skip,
    "undo": log_cards.undo,
    "edit": log_cards.edit,
    "hist": own_data.history,
    "export": own_data.export,
    "deletedata": own_data.delete,
}


def handle(turn: Turn) -> bool:
    """Run the global intent the event names, if there is one."""
    event = turn.event
    handler: Callable[[Turn], None] | None
    if log_cards.edited(turn):  # an edited message corrects the entry it logged, nothing else
        handler = log_cards.correct_edited
    elif event.kind == "command":
        handler = COMMANDS.get(event.command)
    elif event.kind == "button":
        handler = BUTTONS.get(name_of(event.payload))
    elif (correction := corrections.corrects_a_set(turn)) is not None:  # in reply to a workout's exercise card
        corrections.correct_set(turn, correction)
        return True
    elif (card_correction := log_cards.corrects_a_card(turn)) is not None:  # in reply to a log's card
        log_cards.correct_card(turn, card_correction)
        return True
    elif event.kind == "text" and asks_for_workout(event.text):
        handler = _today
    elif event.kind == "text":
        return reminders.offer(turn)  # "remind me tuesdays and fridays at 7am"
    else:
        return False
    if handler is None:
        return False
    handler(turn)
    return True
