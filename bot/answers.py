"""What effects answer: plain data that words itself (`reply(coach)`), sent before the engine's
own replies. `Later` is an answer whose file is made after the event's transaction committed,
off the database thread (a chart takes a quarter of a second; that thread serves every chat)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from dialogs.coach import Coach
    from dialogs.outcome import Attachment, Reply


class Answer(Protocol):
    def reply(self, coach: Coach) -> Reply: ...


@dataclass(frozen=True)
class Later:
    answer: Answer
    make: Callable[[], Attachment]  # the file of the answer's message

    def reply(self, coach: Coach) -> Reply:
        return self.answer.reply(coach)
