"""The English words a runner may type, so that typo correction leaves real words alone ("place"
is not a misspelt "pace"). The list is the frequency dictionary that symspellpy ships (82,765
words, from Google's n-grams): read once, at start-up, never downloaded."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

DICTIONARY = "frequency_dictionary_en_82_765.txt"


@cache
def english_words() -> frozenset[str]:
    text = (files("symspellpy") / DICTIONARY).read_text(encoding="utf-8")
    return frozenset(line.split(" ", 1)[0] for line in text.splitlines() if line)
