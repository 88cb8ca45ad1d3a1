"""The engine: one pure function from (session, event) to an outcome.

Order of precedence for an event:
1. a button drawn for an older version of the session is stale (or a double tap), and so is a
   timer that is not the current step's due timer; a reminder's buttons reach global intents only;
   a tap that reached the bot after a newer update of the runner (`Event.late`) does nothing
   and says so: it was meant for the chat as it was before that update;
2. a sticker, photo or empty message gets a polite word; a CSV document is read as another
   app's export (`dialogs.imports`) and imported;
3. global intents (/help, /cancel, /start, /settings, menu buttons) work in every state;
4. the current state's transitions;
5. typed text that reads as a set log, outside the guided workout, goes to the logbook;
6. other typed text goes to the question matcher, which answers or admits it does not know;
   the current state is kept either way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from dialogs import answers, intents
from dialogs.events import Event
from dialogs.flow import trigger_of
from dialogs.flows import logbook
from dialogs.intents import own_data
from dialogs.outcome import Outcome
from dialogs.session import HOME_FLOW, HOME_STATE, Session
from dialogs.turn import Turn

if TYPE_CHECKING:
    from dialogs.coach import Coach


def step(session: Session, event: Event, coach: Coach) -> Outcome:
    session = _valid(session, coach)
    turn = Turn(session, event, coach)
    if event.first_name and event.first_name != session.profile.first_name:
        turn.profile = replace(turn.profile, first_name=event.first_name)
    _route(turn, session)
    return turn.finish(session)


def _valid(session: Session, coach: Coach) -> Session:
    """A session saved by an older release may name a state that no longer exists: go home."""
    flow = coach.flows.get(session.flow)
    if flow is not None and flow.has_state(session.state):
        return session
    return replace(session, flow=HOME_FLOW, state=HOME_STATE, data={}, stack=())


def _route(turn: Turn, session: Session) -> None:
    event = turn.event
    if event.kind == "timer" and not turn.take_timer():
        return  # the runner moved on before the timer fired, or it is not due: nothing to say
    if event.kind == "button" and event.late:  # the card keeps its buttons: tapped again, it acts
        turn.notice = turn.coach.catalog.label("late_tap")
        return
    if event.anytime:
        if not intents.handle(turn):
            turn.say("stale_menu")
            turn.show_card()
        return
    if event.kind == "button" and event.version != session.version:
        if event.version is not None and f"{event.version}|{event.payload}" == session.tap:
            turn.notice = turn.coach.catalog.label("already_done")
        else:  # a toast, and that old card loses its buttons: the current card is already on screen
            turn.notice = turn.coach.catalog.label("stale_menu")
            turn.stale = True
        return
    if event.kind == "media":
        turn.say("media_unsupported")
        turn.show_card()
        return
    if event.kind == "document":
        own_data.import_file(turn)
        if not turn.at_home:
            turn.show_card()
        return
    if event.kind == "text" and not event.text:
        turn.say("empty_message")
        return
    if intents.handle(turn):
        return
    fired = _transition(turn)
    if fired is not None:
        target, run = fired
        run()
        turn.go(target)
    elif event.kind == "command":
        turn.say("unknown_command", command=event.command)
        turn.show_card()
    elif event.kind == "button":  # a button of this drawing no transition takes (an older release's, forged)
        turn.notice = turn.coach.catalog.label("stale_menu")  # a toast: the card is shown as it is, in place
        turn.show_card()
    elif event.kind == "timer":
        return  # a timer this step does not listen to: nothing to say
    elif not logbook.take(turn):
        answers.answer(turn, event.text)


def _transition(turn: Turn) -> tuple[str, Callable[[], None]] | None:
    """The target of the first transition of the current state that the event fires, and what
    firing it does (its action, given what its guard recognised: `Transition.fire`)."""
    event = turn.event
    trigger = trigger_of(event.kind, event.command, event.payload)
    for transition in turn.flow.transitions:
        if transition.source == turn.state_name and transition.trigger == trigger:
            run = transition.fire(turn)
            if run is not None:
                return transition.target, run
    return None
