"""Reading a few words as an exercise's name: one rule for the question matcher and the rep-log
parser, so that whatever names an exercise in a question names it in a log too.

A window of words names an exercise when it is one of its names or aliases (normalised: lower
case, punctuation as spaces), or misspells one within a typo or two (`fuzz.ratio` ≥
`NAME_SCORE`): word for word when the counts agree, each word close to the alias's own ("lateral
raize" is the lateral raise, "dumbbells how" is not the dumbbell rows: a typo stays inside its
word); with the spaces left out when a space was dropped ("shoulderpress", "bent overrow"), or
moved or added with the letters all right ("bentover row").
Names shorter than `FUZZY_LENGTH` ("ohp", "row") are read only exactly: too easy to hit by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache

from rapidfuzz import fuzz, process

NAME_SCORE = 86.0  # fuzz.ratio; 86 rather than 85 keeps "literal" (85.7) from naming "lateral"
WORD_SCORE = 70.0  # and, word for word, each word against the alias's word
FUZZY_LENGTH = 5


def normalised(name: str) -> str:
    return " ".join(re.sub(r"[^\w]+|_", " ", name.casefold().replace("'", "")).split())


class ExerciseNames(Mapping[str, tuple[str, ...]]):
    """Exercise id -> its names (display name first, then aliases), and `read` over them."""

    def __init__(self, names: Mapping[str, Sequence[str]]):
        self._names = {exercise_id: tuple(aliases) for exercise_id, aliases in names.items()}
        self._exact: dict[str, str] = {}
        for exercise_id, aliases in self._names.items():
            for alias in (exercise_id, *aliases):
                self._exact.setdefault(normalised(alias), exercise_id)
        fuzzy = [alias for alias in self._exact if len(alias) >= FUZZY_LENGTH]
        self._by_words: dict[int, list[str]] = {}
        for alias in fuzzy:
            self._by_words.setdefault(len(alias.split()), []).append(alias)
        # Spaces left out -> the alias of most words spelt so ("bent over row", not "bentover row").
        self._compact: dict[str, str] = {}
        for alias in sorted(fuzzy, key=lambda alias: len(alias.split())):
            self._compact[alias.replace(" ", "")] = alias
        # For a window of n words, the aliases of more words (a space may have been left out).
        most = max((len(alias.split()) for alias in fuzzy), default=0)
        self._more_words = {
            n: [key for key, alias in self._compact.items() if len(alias.split()) > n] for n in range(1, most)
        }
        self.longest = max((len(alias.split()) for alias in self._exact), default=0) + 1  # a space added

    def __getitem__(self, exercise_id: str) -> tuple[str, ...]:
        return self._names[exercise_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def read(self, words: Sequence[str]) -> tuple[str, float] | None:
        """The exercise these (normalised) words name, and how closely (100: exactly)."""
        window = " ".join(words)
        exact = self._exact.get(window)
        if exact is not None:
            return exact, 100.0
        if len(window) < FUZZY_LENGTH:
            return None
        for alias, score, _ in process.extract(
            window, self._by_words.get(len(words), ()), scorer=fuzz.ratio, score_cutoff=NAME_SCORE, limit=3
        ):
            if all(fuzz.ratio(typed, meant) >= WORD_SCORE for typed, meant in zip(words, alias.split(), strict=True)):
                return self._exact[alias], score
        compact = window.replace(" ", "")
        moved = self._compact.get(compact)  # the letters all right, a space moved or added
        if moved is not None:
            return self._exact[moved], 100.0
        # A space left out, with a typo or not ("shoulderpress", "bent overow"); never a word
        # more with a typo: "lateral raise why" keeps its "why".
        found = process.extractOne(
            compact, self._more_words.get(len(words), ()), scorer=fuzz.ratio, score_cutoff=NAME_SCORE
        )
        return None if found is None else (self._exact[self._compact[found[0]]], found[1])


@lru_cache(maxsize=8)
def _index(names: tuple[tuple[str, tuple[str, ...]], ...]) -> ExerciseNames:
    return ExerciseNames(dict(names))


def index_of(names: Mapping[str, Sequence[str]]) -> ExerciseNames:
    """`names` as an index (built once for each distinct mapping of names)."""
    if isinstance(names, ExerciseNames):
        return names
    return _index(tuple((exercise_id, tuple(aliases)) for exercise_id, aliases in names.items()))
