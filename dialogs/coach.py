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

    @classmethod
    def load(cls) -> Coach:
        catalog = Catalog.load()
        return cls(catalog, Matcher(catalog.knowledge), Places.load(), FLOWS)
