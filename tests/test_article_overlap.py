"""tools/article_overlap.py, the review-time reading of the content against the article, on
articles made up here (the real one is never read by the tests)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import article_overlap

from content.knowledge import load_knowledge


def test_the_longest_shared_run_of_words():
    article = article_overlap.words("Always keep a straight line from head to tailbone, please.")
    assert article_overlap.longest_shared_run("Keep a <b>straight line</b>, always.", article) == [
        "keep",
        "a",
        "straight",
        "line",
    ]
    assert article_overlap.longest_shared_run("Nothing alike here", article) == []


def test_a_sentence_copied_from_the_article_is_reported(tmp_path, capsys):
    answer = load_knowledge().topics["weights"].answer
    article = tmp_path / "article.txt"
    article.write_text(f"Some words of ours.\n{answer}\nMore words.", encoding="utf-8")
    assert article_overlap.main([str(article)]) == 1
    out = capsys.readouterr().out
    assert "copied: topic weights: " in out and "words as in the article: 'go light to moderate" in out


def test_an_article_in_other_words_passes_and_the_facts_own_words_are_listed(tmp_path, capsys):
    article = tmp_path / "article.txt"
    article.write_text("Runners should lift. Shoulders and the back matter.", encoding="utf-8")
    assert article_overlap.main([str(article)]) == 0
    out = capsys.readouterr().out
    assert "copied:" not in out
    assert "not in the article's words (Tips for Upper Body Training Success): " in out and "tailbon" in out
