"""Grounded answers: a cited answer uses only words of its sections' facts (content/grounding.py),
and `armswing content check` reports one that does not. Runs on content/ alone: the article is
never read."""

from dataclasses import replace
from pathlib import Path

import pytest

from content.grounding import Sections, load_sections, stems_of, ungrounded
from content.knowledge import ContentError

LATERAL = "How to Train Upper Body for Runners — 4. Lateral Raises"


@pytest.fixture(scope="module")
def sections() -> Sections:
    return load_sections()


def _with_exercise(knowledge, exercise_id, **changes):
    exercise = replace(knowledge.exercises[exercise_id], **changes)
    return replace(knowledge, exercises={**knowledge.exercises, exercise_id: exercise})


def _with_topic(knowledge, topic_id, **changes):
    topic = replace(knowledge.topics[topic_id], **changes)
    return replace(knowledge, topics={**knowledge.topics, topic_id: topic})


def test_every_cited_answer_of_the_shipped_content_is_grounded(coach, sections):
    assert ungrounded(coach.catalog.knowledge, sections) == []


def test_every_source_cited_is_a_listed_section(coach, sections):
    knowledge = coach.catalog.knowledge
    cited = {t.source for t in knowledge.topics.values()} | {e.source for e in knowledge.exercises.values()}
    assert all(sections.allowed(source) is not None for source in cited)


def test_cues_the_article_never_gives_are_flagged(coach, sections):
    knowledge = coach.catalog.knowledge
    lateral = knowledge.exercises["lateral_raise"]
    renegade = knowledge.exercises["renegade_row"]
    knowledge = _with_exercise(knowledge, "lateral_raise", cues=(*lateral.cues, "Keep a soft bend in your elbows."))
    knowledge = _with_exercise(
        knowledge, "renegade_row", mistakes=(*renegade.mistakes, "A slightly wider stance makes balancing easier.")
    )
    problems = ungrounded(knowledge, sections)
    assert len(problems) == 2
    assert problems[0].startswith("exercise lateral_raise cues #3: cites") and problems[0].endswith(": bend, soft")
    assert problems[1].startswith("exercise renegade_row mistakes #4") and "easier, slight, stanc, wider" in problems[1]


def test_a_topic_answer_that_adds_to_its_section_is_flagged(coach, sections):
    knowledge = coach.catalog.knowledge
    answer = knowledge.topics["should_train_upper_body"].answer + "\nIt also makes your pace faster.\n"
    [problem] = ungrounded(_with_topic(knowledge, "should_train_upper_body", answer=answer), sections)
    assert problem.startswith("topic should_train_upper_body: cites 'Should Runners Train Upper Body?'")
    assert problem.endswith("words its facts lack: faster, pace")


def test_a_subsection_may_say_what_its_parent_says_but_not_what_its_siblings_say(coach, sections):
    allowed = sections.allowed(LATERAL)
    assert stems_of("quality reps beat heavy weights") <= allowed  # the intro of the exercises
    assert "rib" not in allowed and "rib" in sections.allowed("How to Train Upper Body for Runners — 2. Bent-Over Rows")
    assert stems_of("ribs") <= sections.allowed("How to Train Upper Body for Runners")  # which holds all six


def test_numbers_count_as_words(coach, sections):
    knowledge = coach.catalog.knowledge
    answer = "Do <b>8 sets</b> of 10–15 reps."
    [problem] = ungrounded(_with_topic(knowledge, "reps", answer=answer), sections)
    assert problem.endswith("words its facts lack: 8")


def test_an_unknown_section_is_reported(coach, sections):
    knowledge = _with_topic(coach.catalog.knowledge, "bulky", source="Chapter 9: Protein")
    assert ungrounded(knowledge, sections) == [
        "topic bulky: cites 'Chapter 9: Protein', which sources.yaml does not list"
    ]


def test_general_advice_is_not_checked_and_comes_after_the_source_marked(coach, sections):
    topic = coach.catalog.knowledge.topics["equipment"]
    assert topic.general and not stems_of(topic.general) <= sections.allowed(topic.source)  # "home", "space"
    text = coach.catalog.render("answer/topic", {"topic_id": "equipment"})
    cited, _, after = text.partition(f"<i>From: {topic.source}</i>")
    assert topic.general not in cited
    assert after.strip() == f"<i>General advice, not from the article:</i> {topic.general}"


def test_the_content_check_reports_an_ungrounded_answer(coach):
    knowledge = _with_topic(coach.catalog.knowledge, "warm_up_cool_down", answer="Stretch for ten minutes.")
    catalog = type(coach.catalog)(
        knowledge,
        {name: coach.catalog.env.loader.mapping[name] for name in coach.catalog.names if not name.startswith("topic/")},
        coach.catalog.commands,
    )
    problems = replace(coach, catalog=catalog).problems()
    expected = "cites 'Tips for Upper Body Training Success' but uses words its facts lack: minut, stretch, ten"
    assert [p for p in problems if "warm_up_cool_down" in p] == [f"topic warm_up_cool_down: {expected}"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("sections: nope\nplain: a\n", "expected a mapping with 'plain' and 'sections'"),
        ("plain: a\nsections:\n  - heading: X\n", "section #1: needs a 'heading' and a list of 'facts'"),
        (
            "plain: a\nsections:\n  - {heading: X, facts: []}\n  - {heading: X, facts: []}\n",
            "section 'X': listed twice",
        ),
        ("sections: []\n", "field 'plain' must be a text of words"),
    ],
)
def test_a_broken_sources_file_is_reported(tmp_path: Path, text, message):
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match=message):
        load_sections(tmp_path)
