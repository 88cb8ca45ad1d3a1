"""Flows declared as data: states, an initial state and a table of transitions.

A transition fires when the event matches its trigger in its source state and its guard allows;
its action (a small function of the turn) runs, then the engine enters the target state and
shows that state's card. `END` leaves the flow: back to the interrupted flow, or home.

Triggers:
- ``"button:<name>"`` — a button whose payload is ``<name>`` or ``<name>:<argument>``;
- ``"command:<name>"`` — ``/<name>``;
- ``"text"`` — any typed text;
- ``"timer:<name>"`` — a timer the step set (`Turn.set_timer`) is due.

Each state names the buttons a tap in it can carry (`State.buttons`), and `Flow.problems` checks
them against its transitions: a button nothing takes leaves the runner with "that menu is old",
and a button transition no card offers is code that never runs.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dialogs.payload import name_of

if TYPE_CHECKING:
    from dialogs.outcome import Reply
    from dialogs.turn import Turn

END = "end"


class FlowError(Exception):
    """The flows as declared are unsound (`Flow.problems`): the coach refuses to start."""


Guard = Callable[["Turn"], bool]
Action = Callable[["Turn"], None]
Prompt = Callable[["Turn"], "Reply"]


@dataclass(frozen=True)
class State:
    name: str
    prompt: Prompt  # the card that shows this step and carries the buttons that work in it
    resume_label: str | Callable[[Turn], str] = "step"  # a `label/step/…` name, or a function
    fallback: str | None = None  # reply for text this step and the matcher both do not understand
    # The buttons a tap in this step can carry, by name (a payload up to its first ':'): those its
    # card can show, and those of messages said while the runner is in it. Each needs a
    # transition here or a global intent; each button transition here needs one of them.
    buttons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Transition:
    source: str
    trigger: str
    target: str
    guard: Guard | None = None
    action: Action | None = None


@dataclass(frozen=True)
class Flow:
    name: str
    title: str  # how the coach names the flow to the user ("setup", "settings")
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Transition, ...]
    root: bool = False  # the home flow: never ends, so it needs no way to END
    logs_sets: bool = False  # reads typed sets itself (the guided workout); elsewhere the logbook does

    def state(self, name: str) -> State:
        for state in self.states:
            if state.name == name:
                return state
        raise KeyError(f"{self.name}: no state {name!r}")

    def has_state(self, name: str) -> bool:
        return any(state.name == name for state in self.states)

    def problems(self, global_buttons: Collection[str] = ()) -> list[str]:
        """Everything wrong with the declaration; empty when the flow is sound. `global_buttons`
        are the buttons the global intents take in every state (`dialogs.intents.BUTTONS`)."""
        names = [state.name for state in self.states]
        found: list[str] = []
        if len(set(names)) != len(names):
            found.append(f"{self.name}: duplicate state names")
        if self.initial not in names:
            found.append(f"{self.name}: initial state {self.initial!r} is not declared")
        for name in names:
            if not name.startswith(f"{self.name}:"):
                found.append(f"{self.name}: state {name!r} is not named '{self.name}:…'")
        edges: dict[str, set[str]] = {name: set() for name in names}
        for t in self.transitions:
            if t.source not in edges:
                found.append(f"{self.name}: transition from unknown state {t.source!r}")
                continue
            if t.target != END and t.target not in edges:
                found.append(f"{self.name}: transition to unknown state {t.target!r}")
            if t.target == END and self.root:
                found.append(f"{self.name}: the root flow cannot end")
            if t.trigger.partition(":")[0] not in {"button", "command", "text", "timer"}:
                found.append(f"{self.name}: unknown trigger {t.trigger!r}")
            edges[t.source].add(t.target)
        found += self._button_problems(global_buttons)
        reachable = _closure(self.initial, edges)
        for state in self.states:
            name = state.name
            if name not in reachable:
                found.append(f"{self.name}: state {name!r} is unreachable")
            if not edges.get(name) and not set(state.buttons) & set(global_buttons):
                found.append(f"{self.name}: state {name!r} is a dead end (no way out)")
            elif not self.root and END not in _closure(name, edges):
                found.append(f"{self.name}: state {name!r} can never reach the end")
        return found

    def _button_problems(self, global_buttons: Collection[str]) -> list[str]:
        """Each button a state shows is taken there, and each button transition can fire: its
        state shows that button, and no global intent takes the button first (they run before
        the state's transitions)."""
        found: list[str] = []
        shown = {state.name: set(state.buttons) for state in self.states}
        taken: dict[str, set[str]] = {name: set() for name in shown}
        for t in self.transitions:
            kind, _, button = t.trigger.partition(":")
            if kind != "button" or t.source not in shown:
                continue
            taken[t.source].add(button)
            if button in global_buttons:
                found.append(
                    f"{self.name}: state {t.source!r}: transition on button {button!r} can never fire"
                    " (a global intent takes that button first)"
                )
            elif button not in shown[t.source]:
                found.append(
                    f"{self.name}: state {t.source!r}: transition on button {button!r} can never fire"
                    " (the state shows no such button)"
                )
        for state in self.states:
            for button in state.buttons:
                if button not in taken[state.name] and button not in global_buttons:
                    found.append(
                        f"{self.name}: state {state.name!r} shows button {button!r},"
                        " but no transition or global intent takes it"
                    )
        return list(dict.fromkeys(found))  # a button with several guarded transitions: said once


def _closure(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = {start}, [start]
    while todo:
        for target in edges.get(todo.pop(), ()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def then(first: Action, after: Action | None) -> Action:
    """One action that runs `first`, then `after` (when there is one): how a reusable step
    lets the flow that includes it add its own follow-up."""
    if after is None:
        return first

    def both(turn: Turn) -> None:
        first(turn)
        after(turn)

    return both


def trigger_of(kind: str, command: str, payload: str) -> str:
    """The trigger an event fires: what `Transition.trigger` is compared with."""
    if kind in ("button", "timer"):
        return f"{kind}:" + name_of(payload)
    if kind == "command":
        return "command:" + command
    return kind
