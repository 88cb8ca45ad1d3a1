"""Small talk, calls for care and "not covered" are answered in a line or two: under 300
characters, no coaching advice, no "From:" line, whatever the runner's name and wherever they are."""

from __future__ import annotations

import pytest

from dialogs.vocabulary import SMALL_TALK

LIMIT = 300
NAME = "Bartholomew-Alexander"  # a long name, for the replies that greet by name
KINDS = (*SMALL_TALK, "emoji")


def assert_short_and_no_advice(text: str) -> None:
    assert 0 < len(text) < LIMIT, (len(text), text)
    for advice in ("From:", "10–15", "Twice", "90 degrees", "light to moderate"):
        assert advice not in text


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("in_flow", [False, True])
def test_small_talk_is_short(coach, kind, in_flow):
    text = coach.catalog.render("answer/smalltalk", {"kind": kind, "first_name": NAME, "in_flow": in_flow})
    assert_short_and_no_advice(text)
    assert ("carry on where you were" in text) == in_flow


def test_small_talk_differs_by_kind(coach):
    replies = {coach.catalog.render("answer/smalltalk", {"kind": k, "first_name": "", "in_flow": False}) for k in KINDS}
    assert len(replies) >= 8


@pytest.mark.parametrize("in_workout", [False, True])
def test_the_safe_reply_is_short_and_says_stop_and_ask_a_professional(coach, in_workout):
    text = coach.catalog.render("answer/safety", {"in_workout": in_workout})
    assert_short_and_no_advice(text)
    assert "pain" in text and "doctor" in text and "physiotherapist" in text
    assert ("skip this exercise" in text) == in_workout


def test_not_covered_is_short_and_says_so(coach):
    text = coach.catalog.render("answer/unknown", {})
    assert_short_and_no_advice(text)
    assert "doesn't cover" in text
