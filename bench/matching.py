"""How fast and how right the question matcher is, over tests/data/questions.yaml.

    .venv/bin/python bench/matching.py [rounds]

Times every question many times (the first round separately: it fills the typo cache), and 500
random 4,096-character messages, and prints p50 / p99 / max milliseconds per message, then the
accuracy. Target: p99 under 1 ms.
"""

from __future__ import annotations

import random
import statistics
import string
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # the question set and its scoring live with the tests

from support.questions import QUESTIONS, expected, is_right, top1

from content.knowledge import load_knowledge
from dialogs.matcher import Matcher


def timings(matcher: Matcher, items: list[dict], rounds: int) -> list[float]:
    """Milliseconds per call, for every question in every round."""
    result = []
    for _ in range(rounds):
        for item in items:
            started = time.perf_counter_ns()
            matcher.match(item["q"], item.get("current"))
            result.append((time.perf_counter_ns() - started) / 1e6)
    return result


def noise(count: int) -> list[dict]:
    """4,096-character messages of random letters and spaces: every word is new to the cache."""
    rng = random.Random(4096)
    alphabet = string.ascii_lowercase + "    "
    return [{"q": "".join(rng.choices(alphabet, k=4096))} for _ in range(count)]


def percentiles(values: list[float]) -> tuple[float, float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98], max(values)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    items = QUESTIONS
    started = time.perf_counter()
    matcher = Matcher(load_knowledge())
    build_ms = (time.perf_counter() - started) * 1e3

    cold = timings(matcher, items, 1)
    warm = timings(matcher, items, rounds)
    huge = timings(matcher, noise(500), 1)

    matches = [(item, matcher.match(item["q"], item.get("current"))) for item in items]
    right = sum(1 for item, m in matches if is_right(item, m))
    outright = sum(1 for item, m in matches if m.kind != "suggest" and top1(m) == expected(item))
    off_topic = [(item, m) for item, m in matches if item.get("unknown") or item.get("unanswered")]
    answered_off_topic = sum(1 for _, m in off_topic if m.kind in ("topic", "exercise"))

    print(f"matcher built in {build_ms:.1f} ms; {len(items)} questions, {rounds} rounds\n")
    print(f"{'timing (ms/question)':<24}{'p50':>8}{'p99':>8}{'max':>8}")
    rows = (("first round (cold)", cold), (f"{rounds} rounds (warm)", warm), ("4,096-char noise", huge))
    for label, values in rows:
        p50, p99, worst = percentiles(values)
        print(f"{label:<24}{p50:>8.3f}{p99:>8.3f}{worst:>8.3f}")
    print()
    print(f"{'accuracy':<40}{'count':>10}{'share':>8}")
    for label, count, total in (
        ("top-1 (answer or first suggestion)", right, len(items)),
        ("answered outright and right", outright, len(items)),
        ("off-topic answered with coaching", answered_off_topic, len(off_topic)),
    ):
        print(f"{label:<40}{f'{count}/{total}':>10}{count / total:>8.1%}")


if __name__ == "__main__":
    main()
