"""Everything the engine consults, loaded and checked once at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from content.catalog import Catalog
from content.grounding import load_sections, ungrounded
from content.places import Places
from dialogs import intents
from dialogs.exercise_names import index_of
from dialogs.flow import Flow, FlowError
from dialogs.flows import FLOWS
from dialogs.matcher import Matcher


@dataclass(frozen=True)
class Coach:
    catalog: Catalog
    matcher: Matcher
    places: Places
    flows: Mapping[str, Flow]
    exercise_names: Mapping[str, tuple[str, ...]]  # id -> display name and aliases, for the log parser
    # The bot's own deep link without its payload (`https://t.me/<username>?start=`), known once
    # the adapter asked Telegram who the bot is; empty (the terminal chat): no share buttons.
    start_link: str = ""

    @classmethod
    def load(cls) -> Coach:
        """Everything, loaded; an unsound flow stops it here (`FlowError`), before any runner
        meets it."""
        unsound = flow_problems(FLOWS)
        if unsound:
            raise FlowError("\n".join(unsound))
        catalog = Catalog.load()
        names = index_of({e.id: (e.name.lower(), *e.aliases) for e in catalog.knowledge.exercises.values()})
        return cls(catalog, Matcher(catalog.knowledge), Places.load(), FLOWS, names)

    def problems(self) -> list[str]:
        """What `armswing content check` reports: unsound flows, cited answers that say more
        than their sections (`content.grounding`), answers that do not render, exercises no
        question reaches. Loading already checked ids and required fields."""
        found = flow_problems(self.flows)
        knowledge = self.catalog.knowledge
        found += ungrounded(knowledge, load_sections())
        for topic in knowledge.topics.values():
            found += self._render("answer/topic", {"topic_id": topic.id})
        for exercise in knowledge.exercises.values():
            for aspect in ("overview", "howto", "muscles", "why", "mistakes", "equipment"):
                found += self._render("answer/exercise", {"exercise_id": exercise.id, "aspect": aspect})
            for name in (exercise.name, *exercise.aliases):
                if self.matcher.find_exercise(f"how do I do {name}") != exercise.id:
                    found.append(f"exercise {exercise.id}: asking about {name!r} does not reach it")
        return found

    def _render(self, template: str, context: dict[str, Any]) -> list[str]:
        try:
            self.catalog.render(template, context)
        except Exception as error:  # noqa: BLE001 — reported, not raised: the check lists them all
            return [f"{template} {context}: {type(error).__name__}: {error}"]
        return []


def flow_problems(flows: Mapping[str, Flow]) -> list[str]:
    """What is wrong with the flows (`Flow.problems`), given the buttons the global intents take."""
    return [problem for flow in flows.values() for problem in flow.problems(intents.BUTTONS)]
