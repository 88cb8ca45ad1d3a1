"""Grounded means grounded: an answer that says "From: <section>" says only what that section of
the coaching article says. Part of `armswing content check`.

`content/sources.yaml` restates, in the project's own words, what each section of the article
says: its `facts`, a few short statements each. It is the one place where the article's
content lives in the project (the article itself is never read, neither here nor by the tests),
and reviewing it against the article is a reading job: every fact must be something the section
says, never an addition.

What the check can do mechanically is the other half: make sure each cited answer stays inside
its section's facts. It compares words. Every word of a cited text (a topic's answer; an
exercise's muscles, equipment, start position, steps, cues, "why" and mistakes), reduced to its
stem by the Snowball English stemmer (so "raises", "raising" and "raise" are one word), must be

- a word of the cited section's facts or heading, of its parent section's (the intro of
  "How to Train Upper Body for Runners" applies to each of its six exercises) or of its
  subsections' (that section holds the six); a source may cite several sections, separated by
  "; ";
- or a `plain` word of sources.yaml: function words and the few coaching words that claim
  nothing by themselves ("rep", "dumbbell", "exercise"). Off-the-shelf stop-word lists are not
  used because they count "back", "down", "forward", "front" and "face" as empty words, which
  here are exactly the claims to check;
- numbers count as words: "10–15 reps" needs a 10 and a 15 in the facts.

A word outside them is reported with the answer that uses it: "a soft bend in your elbows" under
the lateral raise's section is flagged for "soft", a "wider stance" under the renegade row's for
"wider" and "stanc". What the check cannot see is meaning built from allowed words ("don't keep
your elbows bent" uses only grounded words); that stays for review, and a section's facts are
short enough to read beside its answers (`tools/article_overlap.py` helps the reading: copied
runs of words, and the words of the facts the article never uses). Sections marked
`article: false` (the coach describing itself) are not part of the article and are not checked,
and neither is a topic's `general` advice, which the reply shows after the "From:" line, marked
as not from the article.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import snowballstemmer
import yaml

from content.knowledge import ContentError, Exercise, Knowledge

HERE = Path(__file__).parent
SECTIONS_FILE = "sources.yaml"
CITATION_SEPARATOR = "; "
PARENT_SEPARATOR = " — "

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_TAG = re.compile(r"<[^<>]*>")
_STEMMER = snowballstemmer.stemmer("english")


@dataclass(frozen=True)
class Sections:
    facts: Mapping[str, tuple[str, ...]]  # section heading -> what it says, in our words
    own: frozenset[str]  # headings that are not the article's (not checked)
    plain: frozenset[str]  # stems any answer may use

    def allowed(self, source: str) -> frozenset[str] | None:
        """The stems an answer citing `source` may use; None when it cites something that is
        not in sources.yaml."""
        stems: set[str] = set(self.plain)
        for heading in source.split(CITATION_SEPARATOR):
            if heading not in self.facts:
                return None
            parent = heading.split(PARENT_SEPARATOR)[0]
            children = [known for known in self.facts if known.startswith(heading + PARENT_SEPARATOR)]
            for known in dict.fromkeys((parent, heading, *children)):
                stems |= stems_of(known, *self.facts.get(known, ()))
        return frozenset(stems)


def stems_of(*texts: str) -> set[str]:
    """The stems of the words of `texts` (HTML tags dropped, entities read), in lower case."""
    words = [w.replace("'", "") for text in texts for w in _WORD.findall(html.unescape(_TAG.sub(" ", text)).lower())]
    return set(_STEMMER.stemWords(words))


def load_sections(folder: Path = HERE) -> Sections:
    path = folder / SECTIONS_FILE
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path.name}: cannot read: {error}") from error
    if not isinstance(raw, dict) or not isinstance(raw.get("sections"), list):
        raise ContentError(f"{path.name}: expected a mapping with 'plain' and 'sections'")
    facts: dict[str, tuple[str, ...]] = {}
    own: set[str] = set()
    for index, entry in enumerate(raw["sections"]):
        heading = entry.get("heading") if isinstance(entry, dict) else None
        listed = entry.get("facts") if isinstance(entry, dict) else None
        if not isinstance(heading, str) or not isinstance(listed, list) or not all(isinstance(f, str) for f in listed):
            raise ContentError(f"{path.name}: section #{index + 1}: needs a 'heading' and a list of 'facts'")
        if heading in facts:
            raise ContentError(f"{path.name}: section {heading!r}: listed twice")
        facts[heading] = tuple(listed)
        if entry.get("article", True) is False:
            own.add(heading)
    plain = raw.get("plain")
    if not isinstance(plain, str):
        raise ContentError(f"{path.name}: field 'plain' must be a text of words")
    return Sections(facts, frozenset(own), frozenset(stems_of(plain)))


def ungrounded(knowledge: Knowledge, sections: Sections) -> list[str]:
    """The cited answers that use words their sections' facts lack, one problem per answer."""
    problems = []
    for where, source, text in cited(knowledge):
        if source in sections.own:
            continue
        allowed = sections.allowed(source)
        if allowed is None:
            problems.append(f"{where}: cites {source!r}, which {SECTIONS_FILE} does not list")
            continue
        extra = sorted(stems_of(text) - allowed)
        if extra:
            problems.append(f"{where}: cites {source!r} but uses words its facts lack: {', '.join(extra)}")
    return problems


def cited(knowledge: Knowledge) -> Iterator[tuple[str, str, str]]:
    """(where, source, text) of every text shown under a "From:" line."""
    for topic in knowledge.topics.values():
        yield f"topic {topic.id}", topic.source, topic.answer
    for exercise in knowledge.exercises.values():
        for field, text in _fields(exercise):
            yield f"exercise {exercise.id} {field}", exercise.source, text


def _fields(exercise: Exercise) -> Iterator[tuple[str, str]]:
    yield "muscles", " ".join(exercise.muscles)
    yield "equipment", exercise.equipment
    if exercise.no_bench:
        yield "no_bench", exercise.no_bench
    yield "start_position", exercise.start_position
    for field in ("steps", "cues", "mistakes"):
        for number, text in enumerate(getattr(exercise, field), start=1):
            yield f"{field} #{number}", text
    yield "why_runners", exercise.why_runners
