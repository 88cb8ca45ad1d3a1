"""The logbook's pure parts: the README's examples through the engine, and the progress
arithmetic (weeks, sessions, streak, trend)."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from dialogs.effects import EditEntry, LogSets
from dialogs.engine import step
from dialogs.events import Event
from dialogs.flows import workout
from dialogs.history import Logged, display_names, entry_id_at
from dialogs.progress import Ever, Report, summarize, window_start
from dialogs.replog import LogEntry, SetLog
from dialogs.session import Profile, Session

README = Path(__file__).parent.parent / "README.md"
NOW = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)  # a Tuesday


def readme_examples():
    section = README.read_text().split("## Logging sets", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([^`]+)` \| (.+?) \|$", section, re.MULTILINE)


def test_the_readme_has_the_examples():
    assert len(readme_examples()) == 11


@pytest.mark.parametrize("message, result", readme_examples())
def test_each_readme_example_does_what_the_readme_says(coach, message, result):
    profile = Profile("Ann", "kg", "Europe/Berlin")
    outcome = step(Session(profile=profile), Event.from_text(message, NOW), coach)
    rendered = [coach.catalog.render(r.template, r.context) for r in outcome.replies]
    templates = [r.template for r in outcome.replies]
    if result.startswith("asks: "):  # no exercise named: inside the workout, at the shoulder press
        turn_session = _at_the_shoulder_press(coach, profile)
        outcome = step(turn_session, Event.from_text(message, NOW), coach)
        options = [line.split(" — ")[1] for line in outcome.replies[0].context["options"]]
        assert outcome.replies[0].template == "log/ambiguous"
        assert result == "asks: " + ", or ".join(options) + "?"
    elif result.startswith("explains"):
        assert templates == ["log/invalid"] and not outcome.effects
    elif result.startswith("not a log"):
        assert not any(t.startswith("log/") for t in templates) and not outcome.effects
    else:
        line, _, day = result.removesuffix(")").partition(" (for ")  # "… (for yesterday)": the day named
        assert templates == ["log/card"] and [type(e) for e in outcome.effects] == [LogSets]
        assert rendered[0].startswith(f"✓ Logged <b>{line}</b>" + (f" for {day}" if day else "\n"))


def _at_the_shoulder_press(coach, profile):
    from dialogs.turn import Turn

    turn = Turn(Session(flow="workout", state="workout:plan", profile=profile), Event.from_text("go", NOW), coach)
    workout.start(turn)
    return Session(flow="workout", state="workout:set", data=turn.data, profile=profile)


# --- progress -----------------------------------------------------------------------------
def logged(days_ago, exercise="shoulder_press", weight="8", unit="kg", reps=12, sets=3):
    at = NOW - timedelta(days=days_ago)
    weight = None if weight is None else Decimal(weight)
    return Logged(entry_id_at(at), at, LogEntry(exercise, (SetLog(reps, weight, unit if weight else None),) * sets))


def ever(logged):
    """What storage's aggregates say of the whole log (`bot.storage.logbook.progress`)."""
    if not logged:
        return None
    best = {}
    for item in logged:  # oldest first: among equal sets the first stays
        for s in item.entry.sets:
            rank = (s.weight_kg if s.weight_kg is not None else Decimal(-1), s.reps)
            if item.entry.exercise_id not in best or rank > best[item.entry.exercise_id][0]:
                best[item.entry.exercise_id] = (rank, s)
    return Ever(logged[0].at, logged[-1].at, {exercise: s for exercise, (_, s) in best.items()})


def progress(*entries, unit="kg"):
    logged = sorted(entries, key=lambda e: e.at)
    recent = [item for item in logged if item.at >= window_start(NOW, "Europe/Berlin")]
    return summarize(recent, ever(logged), ["shoulder_press", "bent_over_row"], "Europe/Berlin", unit, NOW)


def test_nothing_logged_is_no_progress(coach):
    assert progress() is None
    assert Report(None).reply(coach).template == "log/progress_empty"


def test_a_single_session_says_what_the_chart_will_show_and_when(coach):
    first = progress(logged(0), logged(0, "bent_over_row", weight="10"))  # one day, two exercises
    assert not first.charted
    reply = Report(first).reply(coach)
    text = coach.catalog.render(reply.template, reply.context)
    assert reply.template == "log/progress_first"
    assert text.startswith("<b>Your progress</b> · your first session, Tuesday 24 November\n")
    assert "• Shoulder press — 12 @ 8 kg\n• Bent-over row — 12 @ 10 kg\n" in text
    assert "Your chart comes with your next session" in text
    second = progress(logged(0), logged(3))
    assert second.charted
    assert Report(second).reply(coach).template == "log/progress"
    old_and_new = progress(logged(100, weight="12"), logged(0))  # the first session long before the window
    assert old_and_new.charted
    [press] = old_and_new.lifts
    assert press.best == SetLog(12, Decimal(12), "kg") and len(press.days) == 1  # best ever, days in the window


def test_the_window_starts_on_a_monday_at_midnight_in_the_runners_zone():
    assert window_start(NOW, "Europe/Berlin") == datetime(2026, 9, 6, 22, 0, tzinfo=UTC)  # Mon 7 Sep, CEST
    assert window_start(NOW, "America/New_York") == datetime(2026, 9, 7, 4, 0, tzinfo=UTC)


def test_sessions_are_days_and_the_streak_counts_weeks_on_target():
    # this week: Tuesday only; last week: Mon + Thu (twice on the Thursday); the week before: Wed + Fri;
    # three weeks ago: once
    week = progress(logged(0), logged(8), logged(5), logged(5, "bent_over_row"), logged(13), logged(11), logged(20))
    assert [w.sessions for w in week.weeks[-4:]] == [1, 2, 2, 1]
    assert week.this_week == 1
    assert week.streak == 2  # last week and the week before; this week is not on target yet
    assert week.average == Decimal(5) / 3  # the finished weeks since the first entry: 1, 2, 2
    assert progress(logged(0), logged(1), logged(8), logged(5)).streak == 2  # this week counts once on target


def test_volume_is_in_the_runners_unit_and_the_trend_is_the_heaviest_weight_per_day():
    week = progress(logged(0, weight="10"), logged(7, weight="8"), logged(14, weight="20", unit="lb"), unit="kg")
    [press] = week.lifts
    assert [weight for _, weight in press.days] == [Decimal(9), Decimal(8), Decimal(10)]  # 20 lb ≈ 9 kg
    assert press.change == Decimal(1)
    assert press.best == SetLog(12, Decimal(10), "kg")
    assert week.weeks[-1].volume == Decimal(360)
    in_lb = progress(logged(0, weight="10"), unit="lb")
    assert round(in_lb.weeks[-1].volume) == 794  # 360 kg


def test_sets_without_weight_count_reps_and_best_by_reps(coach):
    week = progress(logged(0, weight=None, reps=15, sets=2), logged(1, weight=None, reps=20, sets=1))
    [press] = week.lifts
    assert press.best.reps == 20 and press.days == () and press.change is None
    assert week.weeks[-1].volume == 0 and week.weeks[-1].reps == 50
    reply = Report(week).reply(coach)
    assert "• Shoulder press — 1 × 20\n" in coach.catalog.render(reply.template, reply.context)


def test_names_come_from_the_content(coach):
    assert display_names(coach)["bent_over_row"] == "Bent-over row"


def test_entry_ids_are_the_logging_time_and_fit_the_column():
    assert entry_id_at(NOW) == "20261124T170000000000"
    assert len(entry_id_at(NOW)) <= 40


# --- a day named, and edited messages ------------------------------------------------------
BERLIN = Profile("Ann", "kg", "Europe/Berlin")


def test_a_day_named_travels_with_a_reading_still_to_pick(coach):
    outcome = step(Session(profile=BERLIN), Event.from_text("yesterday rows 4x10x12", NOW), coach)
    assert outcome.replies[0].template == "log/ambiguous" and outcome.session.flow == "log_choice"
    pick = next(b for row in outcome.replies[0].buttons for b in row if b.payload.startswith("pick:"))
    tap = Event.from_button(pick.data(outcome.session.version), NOW + timedelta(minutes=5))
    picked = step(outcome.session, tap, coach)
    [effect] = picked.effects
    assert isinstance(effect, LogSets) and effect.logged_at == "2026-11-23T18:00:00+01:00"
    assert picked.replies[0].context["day"] == {"date": "Mon 23 Nov", "back": 1}


def test_the_day_is_the_runners_local_day(coach):
    late = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # already Wednesday in Berlin
    outcome = step(Session(profile=BERLIN), Event.from_text("yesterday 3x12 rows", late), coach)
    assert outcome.effects[0].logged_at == "2026-11-24T00:30:00+01:00"


def test_a_correction_that_names_a_day_moves_the_entry(coach):
    reply = replace(Event.from_text("on sunday 3x10 @ 9", NOW), reply_to="entry:20261124T170000000000/shoulder_press")
    [effect] = step(Session(profile=BERLIN), reply, coach).effects
    assert isinstance(effect, EditEntry) and effect.logged_at and effect.logged_at.startswith("2026-11-22T18:00")
    assert effect.day == {"date": "Sun 22 Nov", "back": 2} and not effect.edited


def test_an_edited_message_corrects_its_entry_and_only_its_entry(coach):
    edit = Event.from_text("3x10 @ 9", NOW, edited=True)
    mine = step(Session(profile=BERLIN), replace(edit, edit_of="entry:20261124T170000000000/shoulder_press"), coach)
    [effect] = mine.effects
    assert isinstance(effect, EditEntry) and effect.edited and effect.exercise_id == "shoulder_press"
    assert effect.entry_id == "20261124T170000000000" and not mine.replies  # storage answers with the card
    assert mine.about == "entry:20261124T170000000000/shoulder_press"  # a further edit corrects it again

    nothing = step(Session(profile=BERLIN), edit, coach)  # an edit of a message that logged nothing
    assert [r.template for r in nothing.replies] == ["log/edit_ignored"] and not nothing.effects
    command = step(Session(profile=BERLIN), Event.from_text("/deletedata", NOW, edited=True), coach)
    assert [r.template for r in command.replies] == ["log/edit_ignored"] and not command.effects


def test_a_new_log_says_what_its_message_made(coach):
    outcome = step(Session(profile=BERLIN), Event.from_text("3x12 ohp 8kg", NOW), coach)
    assert outcome.about == outcome.replies[0].ref and outcome.about.startswith("entry:")
    assert step(Session(profile=BERLIN), Event.from_text("how heavy?", NOW), coach).about == ""


def test_a_set_of_another_day_is_not_one_of_todays_workout(coach):
    at_the_set = _at_the_shoulder_press(coach, BERLIN)
    outcome = step(at_the_set, Event.from_text("yesterday 12", NOW), coach)
    assert outcome.replies[0].template == "log/invalid" and not outcome.effects
    assert outcome.replies[0].context["reason"] == "not_today"
    assert outcome.session.data["set"] == at_the_set.data["set"]  # still the same set
    logged = step(at_the_set, Event.from_text("today 12", NOW), coach)
    assert [type(e) for e in logged.effects] == [LogSets] and logged.effects[0].logged_at is None
