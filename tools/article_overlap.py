"""Read the coaching content against the article it restates: what `armswing content check`
cannot do, because the project never ships or reads the article.

    .venv/bin/python tools/article_overlap.py ARTICLE.txt [--longest 8]

Run it at review time, with the article at hand, after changing content/sources.yaml,
topics.yaml or exercises.yaml. It reports

- copied wording: every fact, topic answer and exercise field that shares a run of `--longest`
  or more words with the article (the content restates the article in its own words; short
  runs such as "straight line from head to tailbone" are the names of cues and are fine), and
  exits 1 if there is one;
- the words of each section's facts that the article never uses, as stems: the place to look
  for a fact the article does not state. Most are the restatement's own words ("steady" for
  "stable"); a reviewer reads them, the tool does not judge them.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from content.grounding import Sections, cited, load_sections, stems_of
from content.knowledge import Knowledge, load_knowledge

_WORD = re.compile(r"[a-z0-9]+")
_TAG = re.compile(r"<[^<>]*>")


def words(text: str) -> list[str]:
    return _WORD.findall(_TAG.sub(" ", text.lower()).replace("’", "'").replace("'", ""))


def longest_shared_run(text: str, article: list[str]) -> list[str]:
    """The longest run of consecutive words that `text` and the article both contain."""
    mine = words(text)
    runs = {n: {tuple(article[i : i + n]) for i in range(len(article) - n + 1)} for n in range(1, len(mine) + 1)}
    for n in range(len(mine), 0, -1):
        for i in range(len(mine) - n + 1):
            if tuple(mine[i : i + n]) in runs[n]:
                return mine[i : i + n]
    return []


def _texts(knowledge: Knowledge, sections: Sections) -> Iterator[tuple[str, str]]:
    for heading, facts in sections.facts.items():
        if heading not in sections.own:
            for number, fact in enumerate(facts, start=1):
                yield f"fact {heading!r} #{number}", fact
    for where, source, text in cited(knowledge):
        if source not in sections.own:
            yield where, text


def copied(knowledge: Knowledge, sections: Sections, article: str, longest: int) -> list[str]:
    """One line per text sharing `longest` or more consecutive words with the article."""
    article_words = words(article)
    found = []
    for where, text in _texts(knowledge, sections):
        run = longest_shared_run(text, article_words)
        if len(run) >= longest:
            found.append(f"{where}: {len(run)} words as in the article: {' '.join(run)!r}")
    return found


def unstated(sections: Sections, article: str) -> dict[str, list[str]]:
    """Per section, the stems of its facts that the article never uses (its own words, or an
    addition: for a reviewer to tell)."""
    known = stems_of(article) | sections.plain
    return {
        heading: extra
        for heading, facts in sections.facts.items()
        if heading not in sections.own and (extra := sorted(stems_of(*facts) - known))
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("article", type=Path, help="the coaching article, as plain text")
    parser.add_argument("--longest", type=int, default=8, help="shortest run of shared words to report (8)")
    args = parser.parse_args(argv)
    article = args.article.read_text(encoding="utf-8")
    knowledge, sections = load_knowledge(), load_sections()
    problems = copied(knowledge, sections, article, args.longest)
    for line in problems:
        print(f"copied: {line}")
    for heading, extra in unstated(sections, article).items():
        print(f"not in the article's words ({heading}): {', '.join(extra)}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
