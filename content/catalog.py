"""The coach's words: every reply and button label as a Jinja2 template, plus the knowledge.

One `Environment` with `StrictUndefined`, so a missing value fails loudly in tests instead of
showing an empty string to a runner. Replies are Telegram HTML and autoescaped (a name like
`<b>&` comes out literally); button labels (`label/…`) are plain text and not escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from content.knowledge import ContentError, Knowledge, load_knowledge

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    groups: bool = True  # in the menu of group chats too (a runner's own data is not)


class Catalog:
    def __init__(self, knowledge: Knowledge, templates: dict[str, str], commands: tuple[Command, ...]):
        self.knowledge = knowledge
        self.commands = commands
        for topic in knowledge.topics.values():
            templates[f"topic/{topic.id}"] = topic.answer
        self.names = frozenset(templates)
        self.env = Environment(
            loader=DictLoader(templates),
            autoescape=lambda name: not (name or "").startswith("label/"),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,  # the templates are this dict's, never changed: no check at every render
        )
        # Labels are short and few, and a card shows several: each distinct one is rendered once.
        self._labels = lru_cache(maxsize=4096)(self._label)

    @classmethod
    def load(cls, directory: Path = HERE) -> Catalog:
        templates: dict[str, str] = {}
        for path in sorted((directory / "replies").glob("*.yaml")):
            for name, source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
                if name in templates:
                    raise ContentError(f"{path.name}: template {name!r} is defined twice")
                templates[name] = source
        commands = tuple(Command(**entry) for entry in yaml.safe_load((directory / "commands.yaml").read_text()))
        return cls(load_knowledge(directory), templates, commands)

    def render(self, name: str, context: dict[str, Any]) -> str:
        return self.env.get_template(name).render(self._resolved(context)).strip()

    def label(self, key: str, /, **context: str | int) -> str:
        return self._labels(key, tuple(sorted(context.items())))

    def _label(self, key: str, context: tuple[tuple[str, str | int], ...]) -> str:
        return self.env.get_template(f"label/{key}").render(dict(context)).strip()

    def _resolved(self, context: dict[str, Any]) -> dict[str, Any]:
        """Replies carry ids (so they stay plain data); templates get the entries themselves."""
        resolved = dict(context)
        if "topic_id" in context:
            topic = self.knowledge.topics[context["topic_id"]]
            # Our own rendered template (already escaped), not user text: mark it safe once here.
            body = Markup(self.env.get_template(f"topic/{topic.id}").render(exercises=self.knowledge.exercises))
            resolved.update(topic=topic, body=body, source=topic.source)
        if "exercise_id" in context:
            resolved["exercise"] = self.knowledge.exercises[context["exercise_id"]]
        return resolved
