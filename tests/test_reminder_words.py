"""Reminder schedules and pause dates in plain words: a table of readings, and properties."""

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.reminder_words import DAYS, parse_date, parse_days, parse_schedule, parse_time, read

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
WEEKDAYS = frozenset(range(5))

SCHEDULES = [
    ("remind me tuesdays and fridays at 7am", {TUE, FRI}, time(7)),
    ("mon wed fri 18:30", {MON, WED, FRI}, time(18, 30)),
    ("weekdays at 6", WEEKDAYS, time(6)),
    ("Remind me on Tuesdays & Fridays at 7 a.m.", {TUE, FRI}, time(7)),
    ("tue/thu 7.30pm", {TUE, THU}, time(19, 30)),
    ("mon-thu 12:15", {MON, TUE, WED, THU}, time(12, 15)),
    ("tuesday to friday at noon", {TUE, WED, THU, FRI}, time(12)),
    ("fri-mon 8am", {FRI, SAT, SUN, MON}, time(8)),
    ("every day at 8", set(range(7)), time(8)),
    ("daily 20:00", set(range(7)), time(20)),
    ("weekends 9am", {SAT, SUN}, time(9)),
    ("tue fri 7 in the evening", {TUE, FRI}, time(19)),
    ("saturday mornings at 8", {SAT}, time(8)),
    ("18h30 wednesdays", {WED}, time(18, 30)),
    ("please remind me every monday and thursday around 6:45pm", {MON, THU}, time(18, 45)),
    ("12am sun", {SUN}, time(0)),
    ("12pm sun", {SUN}, time(12)),
    ("MON, WED, FRI at 07:00!", {MON, WED, FRI}, time(7)),
]

NOT_SCHEDULES = [
    "",
    "hello",
    "7am",
    "tue fri",
    "curls 3x12 at 10kg",
    "we train at 7",
    "mon fri 13pm",
    "sat sun 25:00",
    "tue 7:75",
    "1830 mon",
    "how heavy should the dumbbells be on tuesday at 7",
    "tue 7 and 8",
    "tue at 7.5",
    "monday " * 40 + "7am",
]


@pytest.mark.parametrize("text, days, at", SCHEDULES)
def test_schedules_are_read(text, days, at):
    assert parse_schedule(text) == (frozenset(days), at)


@pytest.mark.parametrize("text", NOT_SCHEDULES)
def test_other_text_is_not_a_schedule(text):
    assert parse_schedule(text) is None


def test_days_or_a_time_alone():
    assert parse_days("tue and fri") == {TUE, FRI}
    assert parse_days("tue 7am") is None
    assert parse_time("6:30 pm") == time(18, 30)
    assert parse_time("tue 7am") is None
    assert read("the and at") is None


TODAY = date(2026, 11, 24)  # a Tuesday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("pause until 12 dec", date(2026, 12, 12)),
        ("pause until dec 12th", date(2026, 12, 12)),
        ("pause until 2026-12-10", date(2026, 12, 10)),
        ("pause until friday", date(2026, 11, 27)),
        ("pause until tuesday", date(2026, 12, 1)),  # today is Tuesday: the next one
        ("pause for 2 weeks", date(2026, 12, 8)),
        ("pause for a week", date(2026, 12, 1)),
        ("pause 10 days", date(2026, 12, 4)),
        ("pause until 3 jan", date(2027, 1, 3)),
        ("pause until 1 mar 2027", date(2027, 3, 1)),
        ("pause until 24 nov", date(2027, 11, 24)),  # today's date: next year's
        ("pause until 2026-11-20", None),  # the past
        ("pause until 30 feb", None),
        ("pause until later", None),
        ("pause for 999 weeks", None),
    ],
)
def test_pause_dates(text, expected):
    assert parse_date(text, TODAY) == expected


@given(st.text(max_size=300))
def test_any_text_reads_without_error(text):
    reading = read(text)
    if reading is not None:
        assert reading.days <= set(range(7)) and (reading.days or reading.at is not None)
    parse_date(text, TODAY)


@given(
    st.lists(st.sampled_from(sorted(DAYS)), min_size=1, max_size=4),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_any_days_and_24_hour_time_are_read_back(words, hour, minute):
    text = f"remind me {' and '.join(words)} at {hour:02d}:{minute:02d}"
    assert parse_schedule(text) == (frozenset(DAYS[w] for w in words), time(hour, minute))
