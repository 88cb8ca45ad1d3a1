"""How right and how fast the question matcher is.

    .venv/bin/python bench/matching.py [--set tuning|dev|retired|probe|slice|slice2|slice3|slice4|slice5|heldout|paraphrase|slice6|heldout2|original|all] [--rounds N] [--misses]

Scores every question of the chosen set (tests/data/questions_<set>.yaml, or the original
tests/data/questions.yaml; `all`: every split as README's Markdown table, then the original) and prints, per category, how many were answered right, "not covered"
(don't know), "did you mean" and confidently wrong; then times every question over many rounds
(the first round separately: it fills the caches) and 500 random 4,096-character messages, and
prints p50 / p99 / max milliseconds per message, wall clock and CPU. Target: p99 under 5 ms.

`--misses` lists what was not right, for every set but the held-out ones (HELD_OUT: heldout2,
the second sealed set): those are scored as wholes only. The earlier held-out ones (heldout,
slice3, slice4, slice5) were retired into tuning data after being scored once more, as wholes, at
66945c1 (README, "Question matching"); a held-out set stays so until a round that studies it
retires it too.
"""

from __future__ import annotations

import argparse
import random
import statistics
import string
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the question sets and their scoring live with the tests

from support.questions import HELD_OUT, OUTCOMES, QUESTIONS, SPLITS, is_right, load_split, outcome, top1

from content.knowledge import load_knowledge
from dialogs.matcher import Matcher


def timings(matcher: Matcher, items: list[dict], rounds: int) -> tuple[list[float], list[float]]:
    """Milliseconds per call, for every question in every round: wall clock, and this thread's
    CPU time (on a shared machine the wall clock also counts the time other processes ran)."""
    wall, cpu = [], []
    for _ in range(rounds):
        for item in items:
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            matcher.match(item["q"], item.get("current"))
            cpu.append((time.thread_time_ns() - started_cpu) / 1e6)
            wall.append((time.perf_counter_ns() - started) / 1e6)
    return wall, cpu


def noise(count: int) -> list[dict]:
    """4,096-character messages of random letters and spaces: every word is new to the cache."""
    rng = random.Random(4096)
    alphabet = string.ascii_lowercase + "    "
    return [{"q": "".join(rng.choices(alphabet, k=4096))} for _ in range(count)]


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98], max(values)


def verdicts(matcher: Matcher, items: list[dict], misses: bool = False) -> dict[str, Counter[str]]:
    """Per category (and "all"), how many questions got each of OUTCOMES."""
    table: dict[str, Counter[str]] = {}
    for item in items:
        match = matcher.match(item["q"], item.get("current"))
        verdict = outcome(item, match)
        table.setdefault(item["cat"], Counter())[verdict] += 1
        table.setdefault("all", Counter())[verdict] += 1
        if misses and verdict != "right":
            where = f" [on screen: {item['current']}]" if item.get("current") else ""
            print(f"{verdict:<16} {item['q']!r}{where}: expected {item['expect']}, got {top1(match)}")
    return table


def score_split(matcher: Matcher, items: list[dict], misses: bool) -> None:
    table = verdicts(matcher, items, misses)
    if misses:
        print()
    print(f"{'category':<12}{'questions':>10}" + "".join(f"{name:>17}" for name in OUTCOMES))
    for category in [*sorted(c for c in table if c != "all"), "all"]:
        counts = table[category]
        total = sum(counts.values())
        cells = "".join(f"{f'{counts[name]} ({counts[name] / total:.1%})':>17}" for name in OUTCOMES)
        print(f"{category:<12}{total:>10}{cells}")


def score_all(matcher: Matcher) -> None:
    """Every split as one Markdown table (README's): a row per category, a column per split, each
    cell right/questions · don't know · did you mean · confident wrong."""
    tables = {name: verdicts(matcher, load_split(name)) for name in SPLITS}
    categories = sorted({c for table in tables.values() for c in table} - {"all"})
    print("| category | " + " | ".join(SPLITS) + " |")
    print("| --- |" + " --- |" * len(SPLITS))
    for category in [*categories, "all"]:
        cells = []
        for name in SPLITS:
            counts = tables[name].get(category, Counter())
            total = sum(counts.values())
            right, *others = (counts[o] for o in OUTCOMES)
            cells.append(f"{right}/{total} · " + " · ".join(map(str, others)) if total else "–")
        label = "**all**" if category == "all" else category
        print(f"| {label} | " + " | ".join(cells) + " |")
    print()
    score_original(matcher)


def score_original(matcher: Matcher) -> None:
    right = sum(1 for item in QUESTIONS if is_right(item, matcher.match(item["q"], item.get("current"))))
    print(f"top-1 right (answer or first suggestion): {right}/{len(QUESTIONS)} ({right / len(QUESTIONS):.1%})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="tuning", choices=(*SPLITS, "original", "all"))
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--misses", action="store_true", help="list what was not right")
    args = parser.parse_args()
    if args.misses and args.set in (*HELD_OUT, "all"):
        parser.error(f"--misses is not for held-out questions ({', '.join(HELD_OUT)}): score them as a whole")

    if args.set == "all":
        items = [item for name in SPLITS for item in load_split(name)]
    else:
        items = QUESTIONS if args.set == "original" else load_split(args.set)
    started = time.perf_counter()
    matcher = Matcher(load_knowledge())
    build_ms = (time.perf_counter() - started) * 1e3
    print(f"matcher built in {build_ms:.1f} ms; set {args.set}: {len(items)} questions, {args.rounds} rounds\n")
    if args.set == "original":
        score_original(matcher)
    elif args.set == "all":
        score_all(matcher)
    else:
        score_split(matcher, items, args.misses)

    cold = timings(matcher, items, 1)
    warm = timings(matcher, items, args.rounds)
    huge = timings(matcher, noise(500), 1)
    print(f"\n{'timing (ms/question)':<24}{'wall p50':>10}{'p99':>8}{'max':>8}{'CPU p50':>10}{'p99':>8}{'max':>8}")
    rows = (("first round (cold)", cold), (f"{args.rounds} rounds (warm)", warm), ("4,096-char noise", huge))
    for label, (wall, cpu) in rows:
        cells = "".join(f"{p50:>10.3f}{p99:>8.3f}{worst:>8.3f}" for p50, p99, worst in map(percentiles, (wall, cpu)))
        print(f"{label:<24}{cells}")


if __name__ == "__main__":
    main()
