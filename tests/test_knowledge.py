"""The coach's knowledge: the real content loads, every reply renders, broken content is refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from jinja2 import DictLoader, Environment, StrictUndefined
from markupsafe import Markup

from content.knowledge import ContentError, Knowledge, load_knowledge

CONTENT = Path(__file__).parent.parent / "content"
EXERCISE_IDS = (
    "shoulder_press",
    "bent_over_row",
    "chest_press",
    "lateral_raise",
    "renegade_row",
    "curl_to_press",
)
ASPECTS = ("overview", "howto", "muscles", "why", "mistakes", "equipment")
TELEGRAM_LIMIT = 4096

# Every fact of the coaching article, by the topic that answers it and words its answer must say.
FACTS = {
    "should_train_upper_body": ("Yes", "forward", "balance", "recover"),
    "benefit_posture": ("tall", "energy", "hunch"),
    "benefit_arm_swing": ("90 degrees", "straight forward and back", "across your body"),
    "arm_swing_technique": ("90 degrees", "straight forward and back", "cross"),
    "benefit_injury": ("muscle imbalances", "overuse injuries", "connective tissue", "upper spine"),
    "benefit_core_breathing": ("core", "breathe"),
    "benefit_endurance": ("tire more slowly", "stamina"),
    "weights": ("light to moderate",),
    "reps": ("10–15 reps",),
    "frequency": ("Twice a week",),
    "form_basics": ("head to tailbone", "90 degrees", "joints"),
    "warm_up_cool_down": ("Warm up", "mobility"),
    "bulky": ("No.", "without bulk"),
    "which_exercises": (
        "Shoulder press",
        "Bent-over row",
        "Chest press",
        "Lateral raise",
        "Renegade row",
        "Curl to press",
    ),
    "personal_coaching": ("1-on-1", "tailor", "safe"),
    "what_can_you_do": ("/exercises", "remind"),
    "muscles_to_train": ("shoulders", "back", "core"),
    "faster_running": ("speed", "pace"),
    "equipment": ("dumbbells", "floor"),
}


@pytest.fixture(scope="module")
def knowledge() -> Knowledge:
    return load_knowledge()


@pytest.fixture(scope="module")
def env(knowledge: Knowledge) -> Environment:
    """The environment as the catalog builds it: every reply file, plus topic/<id> per topic."""
    templates: dict[str, str] = {}
    for path in sorted((CONTENT / "replies").glob("*.yaml")):
        for name, source in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            assert name not in templates, f"{path.name}: template {name!r} is defined twice"
            templates[name] = source
    for topic in knowledge.topics.values():
        templates[f"topic/{topic.id}"] = topic.answer
    return Environment(
        loader=DictLoader(templates), autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True
    )


def render(env: Environment, name: str, **context) -> str:
    return env.get_template(name).render(**context).strip()


def assert_telegram_html(text: str) -> None:
    bare = re.sub(r"</?[bi]>|&(?:lt|gt|amp|quot|#\d+);", "", text)
    assert not re.search(r"[<>&]", bare), text
    assert 0 < len(text) < TELEGRAM_LIMIT


# -- the real content ------------------------------------------------------------------------


def test_exercises_keep_their_fixed_ids_and_order(knowledge):
    assert tuple(knowledge.exercises) == EXERCISE_IDS


@pytest.mark.parametrize("exercise_id", EXERCISE_IDS)
def test_every_exercise_is_complete(knowledge, exercise_id):
    exercise = knowledge.exercises[exercise_id]
    assert len(exercise.aliases) >= 6
    assert all(alias == alias.lower() for alias in exercise.aliases)
    assert exercise.muscles and exercise.equipment and exercise.start_position
    assert len(exercise.steps) >= 3 and len(exercise.cues) >= 2 and len(exercise.mistakes) >= 3
    assert exercise.why_runners
    assert exercise.source.startswith("How to Train Upper Body for Runners — ")


def test_chest_press_offers_the_floor(knowledge):
    assert "floor" in knowledge.exercises["chest_press"].no_bench


@pytest.mark.parametrize("topic_id", sorted(FACTS))
def test_every_fact_of_the_article_has_a_topic(knowledge, env, topic_id):
    answer = render(env, f"topic/{topic_id}")
    for fact in FACTS[topic_id]:
        assert fact in answer, f"{topic_id}: the answer should mention {fact!r}"


def test_topics_are_usable(knowledge):
    for topic in knowledge.topics.values():
        assert len(topic.title) <= 30, topic.id
        assert len(topic.questions) >= 8, topic.id
        assert all(q == q.lower() for q in topic.questions), topic.id
        for ref in topic.related:
            assert knowledge.title(ref)


def test_title_resolves_every_kind_of_reference(knowledge):
    assert knowledge.title("ex:renegade_row") == "Renegade row"
    assert knowledge.title("topic:reps") == knowledge.title("reps") == "How many reps?"


# -- the templates ---------------------------------------------------------------------------


def test_every_topic_answer_renders_with_its_source(knowledge, env, coach):
    for topic in knowledge.topics.values():
        body = env.get_template(f"topic/{topic.id}").render()
        text = coach.catalog.render("answer/topic", {"topic_id": topic.id})
        assert text.startswith(body.strip()[:20]), topic.id  # the HTML is not escaped twice
        cited = text.split("\n\n<i>General advice, not from the article:</i> ")[0]  # general advice comes after
        assert cited.endswith(f"<i>From: {Markup.escape(topic.source)}</i>"), topic.id
        assert_telegram_html(text)


@pytest.mark.parametrize("aspect", ASPECTS)
def test_every_exercise_renders_in_every_aspect(knowledge, env, aspect):
    for exercise in knowledge.exercises.values():
        text = render(env, "answer/exercise", exercise=exercise, aspect=aspect)
        assert text.endswith(f"<i>From: {Markup.escape(exercise.source)}</i>")
        assert_telegram_html(text)


def test_the_overview_shows_everything_and_the_aspects_stay_short(knowledge, env):
    exercise = knowledge.exercises["chest_press"]
    overview = render(env, "answer/exercise", exercise=exercise, aspect="overview")
    for part in (*exercise.muscles, exercise.start_position, exercise.why_runners):
        assert str(Markup.escape(part)) in overview
    for number, step in enumerate(exercise.steps, 1):
        assert f"{number}. {Markup.escape(step)}" in overview
    for aspect in ASPECTS[1:]:
        assert len(render(env, "answer/exercise", exercise=exercise, aspect=aspect)) < len(overview)
    mistakes = render(env, "answer/exercise", exercise=exercise, aspect="mistakes")
    assert all(str(Markup.escape(m)) in mistakes for m in exercise.mistakes)
    equipment = render(env, "answer/exercise", exercise=exercise, aspect="equipment")
    assert str(Markup.escape(exercise.no_bench)) in equipment


def test_did_you_mean_lists_the_options_and_escapes_them(env):
    assert render(env, "answer/did_you_mean", options=["Reps", "Sets"]).endswith("<b>Reps</b> or <b>Sets</b>?")
    three = render(env, "answer/did_you_mean", options=["A", "B", "<b>&"])
    assert three.endswith("<b>A</b>, <b>B</b> or <b>&lt;b&gt;&amp;</b>?")
    assert_telegram_html(three)
    # Titles that are questions lose their own mark: one question mark, at the end.
    asked = render(env, "answer/did_you_mean", options=["How many reps?", "How heavy should I go?"])
    assert asked.endswith("<b>How many reps</b> or <b>How heavy should I go</b>?")


def test_unknown_admits_it_and_gives_no_advice(knowledge, env):
    text = render(
        env,
        "answer/unknown",
        topics=[t.title for t in knowledge.topics.values()],
        exercises=[e.name for e in knowledge.exercises.values()],
    )
    assert "don't know" in text
    for advice in ("10–15", "Twice", "90 degrees", "light to moderate", "From:"):
        assert advice not in text
    assert_telegram_html(text)


def test_exercise_list_names_all_six(knowledge, env):
    text = render(env, "exercise/list", exercises=list(knowledge.exercises.values()))
    assert all(f"<b>{e.name}</b>" in text for e in knowledge.exercises.values())
    assert_telegram_html(text)


# -- broken content --------------------------------------------------------------------------


def _exercise(exercise_id: str, aliases: list[str]) -> dict:
    return {
        "id": exercise_id,
        "name": exercise_id.title(),
        "source": "Section",
        "aliases": aliases,
        "muscles": ["Back"],
        "equipment": "Dumbbells",
        "start_position": "Stand.",
        "steps": ["Lift.", "Lower."],
        "cues": ["Slowly."],
        "why_runners": "Posture.",
        "mistakes": ["Swinging."],
    }


def _topic(topic_id: str, related: list[str] | None = None) -> dict:
    return {
        "id": topic_id,
        "title": topic_id,
        "source": "Tips",
        "questions": [f"{topic_id} question {n}" for n in range(8)],
        "answer": "<b>Yes.</b>",
        "related": related or [],
    }


def _write(folder: Path, exercises: list[dict], topics: list[dict]) -> Path:
    (folder / "exercises.yaml").write_text(yaml.safe_dump(exercises, allow_unicode=True))
    (folder / "topics.yaml").write_text(yaml.safe_dump(topics, allow_unicode=True))
    return folder


def test_minimal_valid_content_loads(tmp_path):
    folder = _write(tmp_path, [_exercise("row", ["rows"])], [_topic("a", ["ex:row"]), _topic("b")])
    knowledge = load_knowledge(folder)
    assert list(knowledge.exercises) == ["row"] and list(knowledge.topics) == ["a", "b"]
    assert knowledge.exercises["row"].no_bench is None


def _broken(tmp_path: Path, exercises=None, topics=None) -> str:
    _write(tmp_path, exercises or [_exercise("row", ["rows"])], topics or [_topic("a")])
    with pytest.raises(ContentError) as error:
        load_knowledge(tmp_path)
    return str(error.value)


def test_duplicate_ids_are_refused(tmp_path):
    message = _broken(tmp_path, exercises=[_exercise("row", ["a"]), _exercise("row", ["b"])])
    assert message == "exercises.yaml: 'row': duplicate id"


def test_missing_or_empty_fields_are_refused(tmp_path):
    exercise = _exercise("row", ["rows"])
    del exercise["muscles"]
    assert _broken(tmp_path, exercises=[exercise]) == (
        "exercises.yaml: 'row': field 'muscles' must be a non-empty list"
    )
    topic = _topic("a")
    topic["answer"] = "  "
    assert _broken(tmp_path, topics=[topic]) == ("topics.yaml: 'a': field 'answer' must be a non-empty string")
    assert _broken(tmp_path, topics=[{"title": "no id"}]) == (
        "topics.yaml: entry #1: field 'id' must be a non-empty string"
    )


def test_unknown_fields_are_refused(tmp_path):
    topic = _topic("a")
    topic["answr"] = "typo"
    assert _broken(tmp_path, topics=[topic]) == "topics.yaml: 'a': unknown field(s) answr"


def test_unknown_related_references_are_refused(tmp_path):
    message = _broken(tmp_path, topics=[_topic("a", ["ex:plank"])])
    assert message == "topics.yaml: 'a': field 'related': unknown 'ex:plank'"
    assert "unknown 'nope'" in _broken(tmp_path, topics=[_topic("a", ["nope"])])


def test_too_few_phrasings_are_refused(tmp_path):
    topic = _topic("a")
    topic["questions"] = topic["questions"][:7]
    assert _broken(tmp_path, topics=[topic]) == (
        "topics.yaml: 'a': field 'questions' has 7 phrasings, needs at least 8"
    )


def test_a_phrasing_in_two_topics_is_refused(tmp_path):
    second = _topic("b")
    second["questions"][3] = "A Question 0?"  # the same as "a question 0" once normalised
    message = _broken(tmp_path, topics=[_topic("a"), second])
    assert message == ("topics.yaml: 'b': field 'questions': 'A Question 0?' duplicates a phrasing of 'a'")


def test_an_alias_claimed_by_two_exercises_is_refused(tmp_path):
    exercises = [_exercise("row", ["db row"]), _exercise("plank_row", ["DB-row"])]
    assert _broken(tmp_path, exercises=exercises) == (
        "exercises.yaml: 'plank_row': field 'aliases': 'db-row' is already claimed by 'row'"
    )


def test_html_telegram_would_reject_is_refused(tmp_path):
    topic = _topic("a")
    topic["answer"] = "Use <u>light</u> weights & go"
    assert "field 'answer' may only use <b>, <i>" in _broken(tmp_path, topics=[topic])


def test_unreadable_files_are_refused(tmp_path):
    (tmp_path / "exercises.yaml").write_text("- id: [unclosed\n")
    (tmp_path / "topics.yaml").write_text("[]\n")
    with pytest.raises(ContentError, match=r"^exercises\.yaml: cannot read"):
        load_knowledge(tmp_path)
    _write(tmp_path, [_exercise("row", ["rows"])], [])
    with pytest.raises(ContentError, match=r"^topics\.yaml: expected a non-empty list"):
        load_knowledge(tmp_path)
