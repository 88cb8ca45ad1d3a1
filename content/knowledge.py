"""The coach's knowledge: the six exercises and the Q&A topics, loaded and validated once.

`load_knowledge()` reads `exercises.yaml` and `topics.yaml` and raises `ContentError` naming the
file, the entry and the field for anything a reply or the matcher would trip over later.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from rapidfuzz.utils import default_process

MIN_QUESTIONS = 8
EXERCISE_REF = "ex:"
TOPIC_REF = "topic:"
T = TypeVar("T")

# Telegram's HTML mode rejects any tag it does not know and any bare "<" or "&".
_ALLOWED_HTML = re.compile(r"</?[bi]>|&(?:lt|gt|amp|quot);")
_HTML_HAZARD = re.compile(r"[<>&]")


class ContentError(ValueError):
    """The content files are broken; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class Exercise:
    id: str
    name: str
    source: str
    aliases: tuple[str, ...]
    muscles: tuple[str, ...]
    equipment: str
    start_position: str
    steps: tuple[str, ...]
    cues: tuple[str, ...]
    why_runners: str
    mistakes: tuple[str, ...]
    no_bench: str | None = None
    # Which of the runner's pairs a first session plans: the lightest for a move that lifts the
    # weight away from the body (overhead, out to the side, one arm from a plank), else the middle.
    first_pair: Literal["lightest", "middle"] = "middle"
    shared_words: tuple[str, ...] = ()  # words for this move and others ("press"): which one is meant?


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    source: str
    questions: tuple[str, ...]
    answer: str
    related: tuple[str, ...]
    general: str | None = None  # general coaching advice, not from the article: shown after "From:", marked


@dataclass(frozen=True)
class Knowledge:
    exercises: dict[str, Exercise]
    topics: dict[str, Topic]

    def title(self, ref: str) -> str:
        """The button label for `ex:<id>`, `topic:<id>` or a bare topic id."""
        if ref.startswith(EXERCISE_REF):
            return self.exercises[ref.removeprefix(EXERCISE_REF)].name
        return self.topics[ref.removeprefix(TOPIC_REF)].title


def load_knowledge(directory: Path | None = None) -> Knowledge:
    folder = directory or Path(__file__).parent
    exercises = {e.id: e for e in _entries(folder / "exercises.yaml", _exercise)}
    topics = {t.id: t for t in _entries(folder / "topics.yaml", _topic)}
    _check_aliases(folder / "exercises.yaml", exercises)
    _check_topics(folder / "topics.yaml", topics, exercises)
    return Knowledge(exercises, topics)


class _Entry:
    """One mapping from a content file, read field by field with precise error messages."""

    def __init__(self, path: Path, index: int, raw: Any):
        self.where = f"{path.name}: entry #{index + 1}"
        if not isinstance(raw, dict):
            raise ContentError(f"{self.where}: expected a mapping, got {type(raw).__name__}")
        self.raw = raw
        self.id = self.text("id")
        self.where = f"{path.name}: {self.id!r}"

    def text(self, field: str) -> str:
        value = self.raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(f"{self.where}: field {field!r} must be a non-empty string")
        return value.strip()

    def optional_text(self, field: str) -> str | None:
        return None if self.raw.get(field) is None else self.text(field)

    def texts(self, field: str) -> tuple[str, ...]:
        value = self.raw.get(field)
        if not isinstance(value, list) or not value:
            raise ContentError(f"{self.where}: field {field!r} must be a non-empty list")
        if not all(isinstance(item, str) and item.strip() for item in value):
            raise ContentError(f"{self.where}: field {field!r} has an empty or non-text item")
        return tuple(item.strip() for item in value)

    def no_other_fields(self, allowed: set[str]) -> None:
        unknown = sorted(set(self.raw) - allowed)
        if unknown:
            raise ContentError(f"{self.where}: unknown field(s) {', '.join(unknown)}")


def _entries(path: Path, build: Callable[[_Entry], T]) -> list[T]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise ContentError(f"{path.name}: cannot read: {error}") from error
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{path.name}: expected a non-empty list of entries")
    built: list[T] = []
    seen: set[str] = set()
    for index, item in enumerate(raw):
        entry = _Entry(path, index, item)
        if entry.id in seen:
            raise ContentError(f"{entry.where}: duplicate id")
        seen.add(entry.id)
        built.append(build(entry))
    return built


def _exercise(entry: _Entry) -> Exercise:
    entry.no_other_fields(
        {
            "id",
            "name",
            "source",
            "aliases",
            "muscles",
            "equipment",
            "start_position",
            "steps",
            "cues",
            "why_runners",
            "mistakes",
            "no_bench",
            "first_pair",
            "shared_words",
        }
    )
    first_pair = entry.raw.get("first_pair", "middle")
    if first_pair not in ("lightest", "middle"):
        raise ContentError(f"{entry.where}: field 'first_pair' must be lightest or middle")
    return Exercise(
        id=entry.id,
        name=entry.text("name"),
        source=entry.text("source"),
        aliases=tuple(alias.lower() for alias in entry.texts("aliases")),
        muscles=entry.texts("muscles"),
        equipment=entry.text("equipment"),
        start_position=entry.text("start_position"),
        steps=entry.texts("steps"),
        cues=entry.texts("cues"),
        why_runners=entry.text("why_runners"),
        mistakes=entry.texts("mistakes"),
        no_bench=entry.optional_text("no_bench"),
        first_pair=first_pair,
        shared_words=tuple(word.lower() for word in entry.texts("shared_words")) if "shared_words" in entry.raw else (),
    )


def _topic(entry: _Entry) -> Topic:
    entry.no_other_fields({"id", "title", "source", "questions", "answer", "related", "general"})
    related = entry.raw.get("related") or []
    if not isinstance(related, list) or not all(isinstance(ref, str) for ref in related):
        raise ContentError(f"{entry.where}: field 'related' must be a list of ids")
    topic = Topic(
        id=entry.id,
        title=entry.text("title"),
        source=entry.text("source"),
        questions=entry.texts("questions"),
        answer=entry.text("answer"),
        related=tuple(related),
        general=entry.optional_text("general"),
    )
    if len(topic.questions) < MIN_QUESTIONS:
        raise ContentError(
            f"{entry.where}: field 'questions' has {len(topic.questions)} phrasings, needs at least {MIN_QUESTIONS}"
        )
    if _HTML_HAZARD.search(_ALLOWED_HTML.sub("", topic.answer)):
        raise ContentError(f"{entry.where}: field 'answer' may only use <b>, <i> and escaped &lt; &gt; &amp;")
    return topic


def _check_aliases(path: Path, exercises: dict[str, Exercise]) -> None:
    owner: dict[str, str] = {}
    for exercise in exercises.values():
        for alias in (exercise.name, *exercise.aliases):
            key = default_process(alias)
            if not key:
                raise ContentError(f"{path.name}: {exercise.id!r}: alias {alias!r} has no letters")
            if owner.get(key, exercise.id) != exercise.id:
                raise ContentError(
                    f"{path.name}: {exercise.id!r}: field 'aliases': {alias!r} is already claimed by {owner[key]!r}"
                )
            owner[key] = exercise.id


def _check_topics(path: Path, topics: dict[str, Topic], exercises: dict[str, Exercise]) -> None:
    owner: dict[str, str] = {}
    for topic in topics.values():
        for ref in topic.related:
            if not _known_ref(ref, topic.id, topics, exercises):
                raise ContentError(f"{path.name}: {topic.id!r}: field 'related': unknown {ref!r}")
        for question in topic.questions:
            key = default_process(question)
            if not key:
                raise ContentError(f"{path.name}: {topic.id!r}: field 'questions': {question!r} has no words")
            if key in owner:
                raise ContentError(
                    f"{path.name}: {topic.id!r}: field 'questions': {question!r} duplicates a"
                    f" phrasing of {owner[key]!r}"
                )
            owner[key] = topic.id


def _known_ref(ref: str, own_id: str, topics: dict[str, Topic], exercises: dict[str, Exercise]) -> bool:
    if ref.startswith(EXERCISE_REF):
        return ref.removeprefix(EXERCISE_REF) in exercises
    return ref in topics and ref != own_id
