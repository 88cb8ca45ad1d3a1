"""The held-out question set (tests/data/questions.yaml) and how a match is scored against it;
shared by the matcher's tests and its benchmark so both count the same way."""

from __future__ import annotations

from pathlib import Path

import yaml

from dialogs.matcher import Match

QUESTIONS: list[dict] = yaml.safe_load((Path(__file__).parent.parent / "data" / "questions.yaml").read_text())


def expected(item: dict) -> str:
    if item.get("unknown") or item.get("unanswered"):
        return "unknown"
    if "topic" in item:
        return f"topic:{item['topic']}"
    return f"ex:{item['exercise']}/{item['aspect']}"


def top1(match: Match) -> str:
    """The matcher's first choice: its answer, or the first "did you mean" option."""
    if match.kind == "topic":
        return f"topic:{match.id}"
    if match.kind == "exercise":
        return f"ex:{match.id}/{match.aspect}"
    if match.kind == "suggest":
        return match.options[0]
    return "unknown"


def is_right(item: dict, match: Match) -> bool:
    """Top-1 right; for a question the content does not cover, "unknown" or a choice is right."""
    if item.get("unanswered"):
        return match.kind in ("unknown", "suggest")
    return top1(match) == expected(item)
