"""The question sets and how a match is scored against them; shared by the matcher's tests and
its benchmark so both count the same way.

- tests/data/questions.yaml: the project's first set (written beside the topics).
- tests/data/questions_tuning.yaml: written from the article without looking at the topics.
- tests/data/questions_retired.yaml: the first held-out split, retired into tuning data once its
  totals had been looked at after many rounds of tuning (it no longer measured unseen questions).
- tests/data/questions_dev.yaml: regression questions written by the matcher's tuner.
- tests/data/questions_probe.yaml and questions_slice.yaml: the second tuner's own questions,
  split by hash; the probe tuned on, the slice scored as a whole once and then tuned on too.
- tests/data/questions_slice2.yaml: the second held-out slice, scored once and then tuned on.
- tests/data/questions_slice3.yaml: the second tuner's third held-out slice.
- tests/data/questions_slice4.yaml: the third tuner's held-out slice, written before that tuner's
  changes and scored once, as a whole, after them; questions_slice5.yaml likewise for that
  tuner's second round.
- tests/data/questions_heldout.yaml: the sealed held-out set, written from the article and the
  answer labels only, kept out of the repository while the matcher changed and scored once as a
  whole.
  These four were retired into tuning data (as questions_retired.yaml was) by issue 13's fourth
  round, after one last score of each as a whole on the code before it (66945c1): from then on
  they measure nothing unseen.
- tests/data/questions_paraphrase.yaml: that round's own questions: paraphrases, a few per class of
  miss, to check that each fix covers its class and not only the wording it was found in, and
  batches written before their fixes.
- tests/data/questions_slice6.yaml: written blind by an outsider from the article and the answer
  labels, scored once as a whole (at ce5b331) when it came in part way through that round, then
  studied like the rest.
- tests/data/questions_heldout2.yaml: the second sealed set, by the same outsider in the same way,
  kept outside the repository until round 6 ended and scored once as a whole (at d5a5222); held
  out (HELD_OUT): nothing is tuned on it.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from dialogs.matcher import Match

DATA = Path(__file__).parent.parent / "data"
QUESTIONS: list[dict] = yaml.safe_load((DATA / "questions.yaml").read_text())
SPLITS = (
    "tuning",
    "dev",
    "retired",
    "probe",
    "slice",
    "slice2",
    "slice3",
    "slice4",
    "slice5",
    "heldout",
    "paraphrase",
    "slice6",
    "heldout2",
)
# The sets nothing is tuned on: scored as wholes only (bench/matching.py refuses --misses for them).
HELD_OUT = ("heldout2",)
# What a reply that is no coaching answer counts as: the expectation it meets.
NOT_COVERED = "not-covered"
OUTCOMES = ("right", "dont_know", "did_you_mean", "confident_wrong")


def load_split(name: str) -> list[dict]:
    """One of SPLITS: items with q, cat, expect, optional current and also."""
    if name not in SPLITS:
        raise ValueError(f"no question split {name!r}")
    return yaml.safe_load((DATA / f"questions_{name}.yaml").read_text())


def expected(item: dict) -> str:
    if "expect" in item:
        return str(item["expect"])
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
    return match.kind  # unknown, smalltalk, safety


def is_right(item: dict, match: Match) -> bool:
    """For tests/data/questions.yaml: top-1 right; for a question the content does not cover,
    any reply that is no coaching answer (unknown, small talk, safety) or a choice is right."""
    if item.get("unknown") or item.get("unanswered"):
        allowed = ("unknown", "smalltalk", "safety") + (("suggest",) if item.get("unanswered") else ())
        return match.kind in allowed
    return top1(match) == expected(item)


def outcome(item: dict, match: Match) -> str:
    """One of OUTCOMES for an item of the tuning or held-out split.

    right: the expected answer (or one in `also`) outright; a "not covered" reply for a question
    the article does not cover. dont_know: "not covered" for a question it does cover.
    did_you_mean: a choice of answers. confident_wrong: any other answer, given outright.
    """
    accepted = {expected(item), *item.get("also", ())}
    if match.kind == "suggest":
        return "did_you_mean"
    if match.kind == "unknown":
        return "right" if NOT_COVERED in accepted else "dont_know"
    return "right" if top1(match) in accepted else "confident_wrong"
