"""Ending a guided workout: under half of its sets logged, it does not count as one of the
week's sessions, and the summary says so; with half or more, it counts."""

from datetime import UTC, datetime

from support.transcript import Player

NOW = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)


def ended_after(coach, sets):
    player = Player(coach, NOW)
    for text in ("/start", "kg", "Berlin"):
        player.say(text)
    player.tap("Not now")
    player.say("/today")
    player.say("6 kg")
    player.tap("Start ▶")
    for _ in range(sets):
        player.say("12")
    player.tap("Finish")
    outcome = player.tap("End workout")
    summary = next(r for r in outcome.replies if r.template == "workout/summary")
    return player.session, coach.catalog.render(summary.template, summary.context)


def test_under_half_the_sets_does_not_count_toward_the_week(coach):
    session, summary = ended_after(coach, 5)  # of 12
    assert "doesn't count as one of this week's 2 sessions" in summary
    assert "This week: 0 of 2 sessions" in summary
    assert session.profile.record.get("workouts", []) == []


def test_half_the_sets_counts(coach):
    session, summary = ended_after(coach, 6)
    assert "doesn't count" not in summary
    assert "This week: 1 of 2 sessions" in summary
    assert len(session.profile.record["workouts"]) == 1
