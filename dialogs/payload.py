"""Button payloads, written and read in one place.

A payload is `<name>` or `<name>:<argument>`. The name says what takes the tap: the transition
whose trigger is `button:<name>` (`dialogs.flow`) or the global intent of that name
(`dialogs.intents`); the argument says what the tap chose (a weight, a zone, an entry). An
argument may hold several fields, joined the same way (`hist:<exercise>:<page>`). The adapters
stamp the payload with the session version (`Button.data`) and Telegram caps the whole at 64
bytes, so payloads stay short ids, never text.
"""

from __future__ import annotations

SEPARATOR = ":"
EXERCISE = "ex"  # `ex:<exercise id>[/<aspect>]`: explain an exercise (a button or a deep link)
TOPIC = "topic"  # `topic:<topic id>`: a topic's answer


def payload(name: str, *fields: object) -> str:
    """`name`, followed by each field (`payload("hist", "all", 2)` is `hist:all:2`)."""
    return SEPARATOR.join((name, *(str(field) for field in fields)))


def name_of(payload: str) -> str:
    """What takes the tap: the payload up to its first separator (`units:kg` → `units`)."""
    return payload.partition(SEPARATOR)[0]


def argument_of(payload: str) -> str:
    """What the tap chose: everything after the first separator (`units:kg` → `kg`), "" if none."""
    return payload.partition(SEPARATOR)[2]


def fields_of(argument: str, count: int) -> tuple[str, ...]:
    """An argument's `count` fields (`all:2` → `("all", "2")`); missing ones are "", and the last
    keeps any separator left over."""
    fields = argument.split(SEPARATOR, count - 1)
    return (*fields, *[""] * (count - len(fields)))


def exercise_ref(exercise_id: str, aspect: str = "") -> str:
    """The ref that explains an exercise, or one aspect of it (`ex:chest_press/howto`)."""
    return payload(EXERCISE, f"{exercise_id}/{aspect}" if aspect else exercise_id)


def read_ref(ref: str) -> tuple[str, str, str]:
    """(kind, id, aspect) of `topic:<id>` or `ex:<id>[/<aspect>]`; the aspect "" when none."""
    ident, _, aspect = argument_of(ref).partition("/")
    return name_of(ref), ident, aspect
