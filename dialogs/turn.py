"""One step of the engine in progress: what guards and actions read and write.

A `Turn` is a private, mutable working copy of the session; `finish` freezes it into an
`Outcome`. Navigation (entering states, starting and ending flows) lives here so that flows,
global intents and the engine all move the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from dialogs.effects import Effect
from dialogs.flow import END
from dialogs.outcome import Button, Keyboard, Outcome, Reply
from dialogs.payload import argument_of
from dialogs.session import HOME_FLOW, Frame, Profile, Session

if TYPE_CHECKING:
    from dialogs.coach import Coach
    from dialogs.events import Event
    from dialogs.flow import Flow, State

R = TypeVar("R")

MAX_STACK = 3  # interrupted flows kept; an older one is dropped rather than growing forever


class Turn:
    def __init__(self, session: Session, event: Event, coach: Coach):
        self.event = event
        self.coach = coach
        self.flow_name = session.flow
        self.state_name = session.state
        # A private copy to work on; session data is JSON by contract, and this is faster than deepcopy.
        self.data: dict[str, Any] = json.loads(json.dumps(session.data))
        self.stack: list[Frame] = list(session.stack)
        self.profile: Profile = session.profile
        self.replies: list[Reply] = []
        self.effects: list[Effect] = []
        self.notice = ""
        self.about = ""  # see `Outcome.about`
        self.private = False  # see `Outcome.private`
        self._read: dict[Callable[[Turn], object], object] = {}  # see `once`
        self.timer_set = False
        self.closing: Reply | None = None  # see `Outcome.closing`
        self.stale = False

    # --- reading -------------------------------------------------------------------------
    @property
    def flow(self) -> Flow:
        return self.coach.flows[self.flow_name]

    @property
    def state(self) -> State:
        return self.flow.state(self.state_name)

    @property
    def argument(self) -> str:
        """What the tapped button chose (`units:kg` → `kg`; `dialogs.payload`)."""
        return argument_of(self.event.payload)

    @property
    def at_home(self) -> bool:
        return self.flow_name == HOME_FLOW

    def once(self, read: Callable[[Turn], R]) -> R:
        """`read(self)`, computed once for this event: the guards of one trigger that read the
        text the same way (a log, days and a time) parse it once. `read` is a module-level
        function (a closure made per call would never be found again)."""
        if read not in self._read:
            self._read[read] = read(self)
        return cast(R, self._read[read])

    # --- writing -------------------------------------------------------------------------
    def say(self, template: str, buttons: Keyboard = (), /, **context: Any) -> None:
        self.replies.append(Reply(template, context, buttons))

    def note(self, template: str, /, **context: Any) -> None:
        """Say something the card that follows carries above itself (`Reply.fold`): one message,
        not two; when that card is the one edited in place, it shows this itself."""
        self.replies.append(Reply(template, context, fold=True))

    def button(self, label: str, payload: str, /, **context: Any) -> Button:
        return Button(self.coach.catalog.label(label, **context), payload)

    def effect(self, effect: Effect, /) -> None:
        """Ask storage to do `effect` in this event's transaction (`dialogs.effects`)."""
        self.effects.append(effect)

    def set_timer(self, name: str, seconds: float) -> None:
        """Ring `timer:<name>` in `seconds` from the event's time, unless the runner leaves this
        step first. Stored in the session (`Session.wake_at`): storage fires it when it is due."""
        at = self.event.now + timedelta(seconds=seconds)
        self.data["timer"] = {"name": name, "at": at.isoformat()}
        self.timer_set = True

    def take_timer(self) -> bool:
        """The event is the step's timer and it is due: consume it (it rings once)."""
        timer = self.data.get("timer")
        event = self.event
        if timer is None or timer["name"] != event.payload or event.now < datetime.fromisoformat(timer["at"]):
            return False
        del self.data["timer"]
        return True

    # --- moving --------------------------------------------------------------------------
    def show_card(self) -> None:
        """Show the current step again, so the newest message carries the buttons that work. It
        is the live card (named by its state, unless the prompt names it)."""
        reply = self.state.prompt(self)
        self.replies.append(reply if reply.card else replace(reply, card=self.state_name))

    def go(self, target: str) -> None:
        if target == END:
            self.end_flow()
        else:
            if target != self.state_name and not self.timer_set:
                self.data.pop("timer", None)  # a step's timer is for that step only
            self.state_name = target
            self.show_card()

    def start_flow(self, name: str, at: str | None = None, data: dict[str, Any] | None = None) -> None:
        """Begin a flow (at its initial state, or `at`, with `data`); an unfinished flow it
        interrupts is kept to come back to."""
        self.stack = [frame for frame in self.stack if frame.flow != name]
        if not self.at_home and self.flow_name != name:
            self.stack = [*self.stack, Frame(self.flow_name, self.state_name, self.data)][-MAX_STACK:]
        self.flow_name, self.data = name, dict(data or {})
        self.go(at or self.flow.initial)

    def return_to(self, name: str) -> bool:
        """Go back to an interrupted `name` flow, dropping what interrupted it; False if none."""
        for depth, frame in enumerate(self.stack):
            if frame.flow == name:
                self.flow_name, self.state_name, self.data = frame.flow, frame.state, frame.data
                self.stack = self.stack[:depth]
                return True
        return False

    def step_name(self) -> str:
        """How "Back to …" names the current step."""
        label = self.state.resume_label
        return label(self) if callable(label) else self.coach.catalog.label(f"step/{label}")

    def end_flow(self) -> None:
        """Leave the current flow: back to the one it interrupted, or home."""
        if self.stack:
            frame = self.stack.pop()
            self.flow_name, self.state_name, self.data = frame.flow, frame.state, frame.data
            self.say("resume", title=self.flow.title)
        else:
            self.flow_name, self.data = HOME_FLOW, {}
            self.state_name = self.flow.initial
        self.show_card()

    def leave_all(self) -> None:
        """Drop every flow and go home without showing anything."""
        self.stack = []
        self.flow_name, self.data = HOME_FLOW, {}
        self.state_name = self.flow.initial

    def finish(self, before: Session) -> Outcome:
        """Freeze the turn. The version moves only when the conversation moved, so the buttons
        of the newest card stay valid after a question or a reply that changed nothing, and after
        a timer: the runner did nothing, so the buttons on their screen still mean what they said."""
        after = Session(
            self.flow_name, self.state_name, self.data, tuple(self.stack), before.version, self.profile, before.tap
        )
        if after.conversation() != before.conversation() and self.event.kind != "timer":
            tap = f"{self.event.version}|{self.event.payload}" if self.event.kind == "button" else ""
            after = after.moved(version=before.version + 1, tap=tap)
        return Outcome(
            after,
            tuple(self.replies),
            tuple(self.effects),
            self.notice,
            closing=self.closing,
            stale=self.stale,
            about=self.about,
            private=self.private,
        )
