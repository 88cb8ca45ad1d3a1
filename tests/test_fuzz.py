"""Fuzzing: whatever a runner (or an attacker) sends, the engine never raises, every reply
renders as valid Telegram HTML, every button shown is one its step declares (and so one the flow
validator checked), the session stays serialisable, and user text is never run as a template. Short here; raise ARMSWING_FUZZ_EXAMPLES for the long campaign."""

import json
import os
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.botapi import HtmlParser
from support.transcript import undeclared_buttons

from dialogs.engine import step
from dialogs.events import Event
from dialogs.session import Profile, Session

EXAMPLES = int(os.environ.get("ARMSWING_FUZZ_EXAMPLES", "60"))
NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)

WORDS = [
    "/start",
    "/today",
    "/help",
    "/cancel",
    "/settings",
    "/menu",
    "/exercises",
    "/ask",
    "kg",
    "lb",
    "Berlin",
    "portland",
    "4 and 8 kg",
    "12",
    "12 @ 8kg",
    "3x12 shoulder press 8kg",
    "how do I do this?",
    "what muscles?",
    "{{ 7*7 }}",
    "{% raw %}",
    "<b>bold</b>",
    "'; DROP TABLE users; --",
    "x" * 4096,
    "",
    "🏃‍♀️💪",
    "/start ex_chest_press",
    "/start ex_../../etc",
    "remind me tuesdays at 7am",
    "let's train",
]
texts = st.one_of(st.sampled_from(WORDS), st.text(max_size=300))
payloads = st.one_of(
    st.sampled_from(
        [
            "units:kg",
            "tz:Europe/Berlin",
            "tz:Not/AZone",
            "start",
            "go",
            "did:12",
            "did:-5",
            "did:99999",
            "have:6",
            "skip",
            "back",
            "pause",
            "finish",
            "discard",
            "resume",
            "ex:chest_press/howto",
            "ex:nope",
            "topic:reps",
            "topic:../x",
            "today",
            "help",
            "settings",
            "menu",
        ]
    ),
    st.text(max_size=60),
)
events = st.one_of(
    st.builds(lambda t: ("text", t), texts),
    st.builds(
        lambda p, v: ("button", f"{v}|{p}"), payloads, st.one_of(st.integers(0, 40), st.just("g"), st.text(max_size=3))
    ),
    st.builds(lambda p: ("timer", p), st.sampled_from(["rest", "nothing"])),
    st.just(("media", "")),
)


def event_of(kind, value, session, minutes):
    now = NOW + timedelta(minutes=minutes)
    if kind == "text":
        return Event.from_text(value, now, "Fuzz")
    if kind == "button":
        return Event.from_button(value, now, "Fuzz")
    if kind == "timer":
        return Event.timer(value, session.version, now)
    return Event("media", now)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(events, min_size=1, max_size=25))
def test_any_sequence_of_events_is_answered_safely(coach, script):
    session = Session(profile=Profile("Fuzz"))
    for minutes, (kind, value) in enumerate(script):
        outcome = step(session, event_of(kind, value, session, minutes), coach)
        for reply in outcome.replies:
            html = coach.catalog.render(reply.template, reply.context)
            assert 0 < len(html) <= 4096
            HtmlParser(html).parse()  # raises on markup Telegram would refuse
            for row in reply.buttons:
                for button in row:
                    assert 0 < len(button.label) <= 64 and len(button.data(outcome.session.version).encode()) <= 64
        assert not undeclared_buttons(outcome, coach)
        session = outcome.session
        restored = Session.restore(json.loads(json.dumps(session.conversation())), session.version, session.profile)
        assert restored.conversation() == session.conversation()


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=500))
def test_text_in_every_state_of_a_workout_never_raises(coach, text):
    from dialogs.flows import FLOWS, workout
    from dialogs.turn import Turn

    profile = Profile("Fuzz", "kg", "Europe/Berlin", {"dumbbells": ["6"]})
    turn = Turn(Session(flow="workout", state="workout:plan", profile=profile), Event.from_text("x", NOW), coach)
    workout.start(turn)
    for state in FLOWS["workout"].states:
        session = Session(
            flow="workout", state=state.name, data={**turn.data, "paused_at": "workout:set"}, profile=profile
        )
        outcome = step(session, Event.from_text(text, NOW, "Fuzz"), coach)
        assert outcome.replies, f"{state.name}: no answer to {text!r}"


def test_template_syntax_from_users_is_shown_literally(coach):
    session = Session(profile=Profile("{{ 7*7 }}<b>"))
    outcome = step(session, Event.from_text("/start", NOW, "{{ 7*7 }}<b>"), coach)
    greeting = coach.catalog.render(outcome.replies[0].template, outcome.replies[0].context)
    assert greeting.startswith("Hi {{ 7*7 }}&lt;b&gt;!")
    outcome = step(outcome.session, Event.from_text("{% for x in range(9) %}{{ x }}{% endfor %}", NOW, "x"), coach)
    assert all("012345678" not in coach.catalog.render(r.template, r.context) for r in outcome.replies)


def test_a_timer_the_current_step_does_not_listen_to_says_nothing(coach):
    session = Session(profile=Profile("Ann", "kg", "Europe/Berlin"))
    outcome = step(session, Event.timer("rest", session.version, NOW), coach)
    assert outcome.replies == () and outcome.session == session
