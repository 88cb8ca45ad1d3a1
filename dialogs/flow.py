"""Flows declared as data: states, an initial state and a table of transitions.

A transition fires when the event matches its trigger in its source state and its guard allows;
its action (a small function of the turn) runs, then the engine enters the target state and
shows that state's card. `END` leaves the flow: back to the interrupted flow, or home.

A guard either says yes or no (a `Guard`: True or False; its action takes the turn alone), or
says what it recognised in the event (a `Reader`: the sets typed, a reading of days and a time, a
zone; None when it recognised nothing). The engine hands what a reader recognised to the
transition's action (a `Take`: the turn and that value), so the action neither reads the event
again nor asserts what its guard saw. `Transition`'s overloads let mypy check that the action
takes what the guard gives. Two rules follow from the engine telling the two kinds apart by the
value: a reader never recognises a bool, and a reader's transition has an action that takes the
value. When a reader recognises one of several kinds (a union: `Ambiguous | Invalid`, a unit
`Literal`), name the kind (`Transition[Unit](…)`): mypy would infer their common base instead.
The guards of one trigger that read the text the same way share one reading per event
(`Turn.once`).

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
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast, overload

from dialogs.payload import name_of

if TYPE_CHECKING:
    from dialogs.outcome import Reply
    from dialogs.turn import Turn

END = "end"


class FlowError(Exception):
    """The flows as declared are unsound (`Flow.problems`): the coach refuses to start."""


T = TypeVar("T")

Guard = Callable[["Turn"], bool]
Action = Callable[["Turn"], None]
Reader = Callable[["Turn"], T | None]  # what a guard recognised in the event, or None
Take = Callable[["Turn", T], None]  # an action given what its transition's guard recognised
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


class Edge(Protocol):
    """A transition, whatever its guard recognises: what a flow holds, and what the engine, the
    checks and the diagrams read. (Typed so, not as `Transition[Any]`, so that mypy infers each
    transition's `T` from its guard and checks its action against it.)"""

    @property
    def source(self) -> str: ...
    @property
    def trigger(self) -> str: ...
    @property
    def target(self) -> str: ...
    @property
    def guard_name(self) -> str | None: ...
    def fire(self, turn: Turn) -> Callable[[], None] | None: ...


@dataclass(frozen=True)
class Transition(Generic[T]):
    """`T` is what the guard recognises (`Reader[T]`), handed to the action (`Take[T]`); a
    transition with a yes-or-no guard, or none, is a `Transition[bool]` and its action (if any)
    takes the turn alone."""

    source: str
    trigger: str
    target: str
    guard: Guard | Reader[T] | None = None
    action: Action | Take[T] | None = None

    if TYPE_CHECKING:

        @overload
        def __init__(
            self: Transition[bool],
            source: str,
            trigger: str,
            target: str,
            guard: Guard | None = None,
            action: Action | None = None,
        ) -> None: ...

        @overload
        def __init__(self, source: str, trigger: str, target: str, guard: Reader[T], action: Take[T]) -> None: ...

        def __init__(self, *args: Any, **kwargs: Any) -> None: ...

    @property
    def guard_name(self) -> str | None:
        """The guard's name (as the diagrams label it), or None when there is no guard."""
        return None if self.guard is None else self.guard.__name__.strip("_")

    def fire(self, turn: Turn) -> Callable[[], None] | None:
        """What firing this transition does (its action, given what its guard recognised; a
        no-op when it has no action), or None when its guard does not allow it."""
        found = True if self.guard is None else self.guard(turn)
        if found is None or found is False:
            return None
        action = self.action
        if action is None:
            return _nothing
        if found is True:
            return lambda: cast(Action, action)(turn)
        return lambda: cast(Take[Any], action)(turn, found)


def _nothing() -> None:
    pass


@dataclass(frozen=True)
class Flow:
    name: str
    title: str  # how the coach names the flow to the user ("setup", "settings")
    initial: str
    states: tuple[State, ...]
    transitions: tuple[Edge, ...]
    root: bool = False  # the home flow: never ends, so it needs no way to END
    # The states that read typed sets themselves (the guided workout's, from its first exercise);
    # in any other the logbook does.
    logs_sets: frozenset[str] = frozenset()

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


def then(first: Take[T], after: Action | None) -> Take[T]:
    """One action that runs `first` with what the guard recognised, then `after` (when there is
    one): how a reusable step lets the flow that includes it add its own follow-up."""
    if after is None:
        return first

    def both(turn: Turn, found: T) -> None:
        first(turn, found)
        after(turn)

    return both


def trigger_of(kind: str, command: str, payload: str) -> str:
    """The trigger an event fires: what `Transition.trigger` is compared with."""
    if kind in ("button", "timer"):
        return f"{kind}:" + name_of(payload)
    if kind == "command":
        return "command:" + command
    return kind
