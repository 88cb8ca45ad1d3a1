"""Everything the engine consults, loaded and checked once at start-up."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from content.catalog import Catalog
from content.places import Places
from dialogs.flow import Flow
from dialogs.flows import FLOWS
from dialogs.matcher import Matcher


@dataclass(frozen=True)
class Coach:
    catalog: Catalog
    matcher: Matcher
    places: Places
    flows: Mapping[str, Flow]
    exercise_names: Mapping[str, tuple[str, ...]]  # id -> display name and aliases, for the log parser

    @classmethod
    def load(cls) -> Coach:
        catalog = Catalog.load()
        names = {e.id: (e.name.lower(), *e.aliases) for e in catalog.knowledge.exercises.values()}
        return cls(catalog, Matcher(catalog.knowledge), Places.load(), FLOWS, names)
