"""What effects answer: plain data that words itself (`reply(coach)`), sent before the engine's
own replies. `Later` is an answer whose file is made after the event's transaction committed,
in a worker process (`bot.files`: a chart takes a quarter of a second of CPU, an export of a
long log as long, and the bot's process serves every chat). Its `recipe` says how to make the
file again from the runner's log (`bot.storage.logbook.remake`): the outbox keeps the words and the
recipe, never the file, so a reply sent again after a crash brings its file too."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from bot.message import Attachment
    from dialogs.coach import Coach
    from dialogs.outcome import Reply


Recipe = tuple[tuple[str, str], ...]


class Answer(Protocol):
    def reply(self, coach: Coach) -> Reply: ...


@dataclass(frozen=True)
class Later:
    answer: Answer
    make: Callable[[], Attachment]  # the file of the answer's message; run in a worker, so it must pickle
    key: Hashable | None = None  # what the file shows: a runner's file with an equal key is not made again
    # The request that made it, without the runner's data (`bot.storage.logbook.remake`); its "kind",
    # "photo" or "document", is what the chat is told is on its way (a chat action).
    recipe: Recipe = ()

    def reply(self, coach: Coach) -> Reply:
        return self.answer.reply(coach)
