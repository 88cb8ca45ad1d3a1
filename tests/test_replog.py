"""The rep-log parser: a table of messages and results, the card line, and properties; and the
day a log names (dialogs.log_day)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from dialogs.log_day import MAX_DAYS_BACK, day_said
from dialogs.replog import (
    MAX_CHARS,
    MAX_REPS,
    MAX_SETS,
    MAX_WEIGHT_KG,
    Ambiguous,
    Invalid,
    LogEntry,
    NotALog,
    Parsed,
    SetLog,
    describe,
    parse_log,
)

DATA = yaml.safe_load((Path(__file__).parent / "data" / "replog_cases.yaml").read_text(encoding="utf-8"))
EXERCISES: dict[str, list[str]] = DATA["exercises"]
NAMES = {exercise_id: names[0] for exercise_id, names in EXERCISES.items()}
CASES: list[dict] = DATA["cases"]

_SET = re.compile(r"(?:(\d+)x)?(\d+)(?:@([\d.]+)(kg|lb))?")


def entry(spec: str) -> LogEntry:
    """The LogEntry that a spec such as `shoulder_press 3x12@8kg 10@8kg` names (see the YAML)."""
    exercise_id, *parts = spec.split()
    sets: list[SetLog] = []
    for part in parts:
        match = _SET.fullmatch(part)
        assert match, f"bad set {part!r} in {spec!r}"
        count, reps, weight, unit = match.groups()
        sets += [SetLog(int(reps), Decimal(weight) if weight else None, unit)] * int(count or 1)
    return LogEntry(exercise_id, tuple(sets))


def expected(case: dict):
    if "parsed" in case:
        return Parsed(entry(case["parsed"]))
    if "ambiguous" in case:
        return Ambiguous(tuple(entry(spec) for spec in case["ambiguous"]))
    if "invalid" in case:
        return Invalid(case["invalid"], case.get("detail", {}))
    assert case.get("not_a_log") is True, case
    return NotALog()


def parse(text: str, *, unit: str = "kg", current: str | None = None):
    return parse_log(text, exercises=EXERCISES, default_unit=unit, current_exercise=current)


# --- the table -----------------------------------------------------------------------------


def test_the_table_is_big_and_has_no_repeats():
    keys = [(c["text"], c.get("current"), c.get("unit", "kg")) for c in CASES]
    assert len(CASES) >= 120
    assert len(keys) == len(set(keys))
    assert all(sum(k in c for k in ("parsed", "ambiguous", "invalid", "not_a_log")) == 1 for c in CASES)


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['text']!r}{' in ' + c['current'] if c.get('current') else ''}" for c in CASES]
)
def test_case(case):
    assert parse(case["text"], unit=case.get("unit", "kg"), current=case.get("current")) == expected(case)


def test_every_ambiguous_case_really_has_two_readings():
    assert all(len(c["ambiguous"]) >= 2 for c in CASES if "ambiguous" in c)


# --- huge and hostile input ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "3x12 ohp 8kg " * 400,  # a log, but 5,200 characters
        "x" * 4096,
        "1" * 4096,
        "💪" * 4096,
        "<b>" * 1365,
        ("ohp 3x12 8kg " * 40)[: MAX_CHARS + 1],
    ],
)
def test_long_messages_are_not_logs(text):
    assert parse(text, current="shoulder_press") == NotALog()


@pytest.mark.parametrize(
    "text, result",
    [
        ("ohp " * 124, NotALog()),
        ("1x" * 249 + "1", Invalid("unreadable")),
        ("1 " * 249, Invalid("too_many_sets", {"sets": 249, "max": MAX_SETS})),
        ("9" * 499, Invalid("too_many_reps", {"reps": int("9" * 499), "max": MAX_REPS})),
    ],
)
def test_messages_just_under_the_cap_are_read(text, result):
    assert len(text) <= MAX_CHARS
    assert parse(text, current="shoulder_press") == result


# --- the card line -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec, line",
    [
        ("shoulder_press 3x12@8kg", "Shoulder press — 3 × 12 @ 8 kg"),
        ("chest_press 12@10kg 10@12kg", "Chest press — 12 @ 10 kg, 10 @ 12 kg"),
        ("lateral_raise 15", "Lateral raise — 1 × 15"),
        ("lateral_raise 2x15 12", "Lateral raise — 2 × 15, 1 × 12"),
        ("chest_press 12@15lb", "Chest press — 12 @ 15 lb"),
        ("curl_to_press 2x15@5kg 12@5kg", "Curl to press — 2 × 15 @ 5 kg, 12 @ 5 kg"),
        ("bent_over_row 12@10kg 12@10lb", "Bent-over row — 12 @ 10 kg, 12 @ 10 lb"),
        ("renegade_row 3x8@6.5kg", "Renegade row — 3 × 8 @ 6.5 kg"),
        ("shoulder_press 12@8kg 10@8kg 12@8kg", "Shoulder press — 12 @ 8 kg, 10 @ 8 kg, 12 @ 8 kg"),
    ],
)
def test_describe(spec, line):
    assert describe(entry(spec), NAMES) == line


@pytest.mark.parametrize(
    "weight, shown",
    [("8.0", "8"), ("7.50", "7.5"), ("100", "100"), ("1E+2", "100"), ("0.25", "0.25"), ("12.500", "12.5")],
)
def test_describe_writes_weights_without_trailing_zeros(weight, shown):
    line = describe(LogEntry("shoulder_press", (SetLog(12, Decimal(weight), "kg"),) * 3), NAMES)
    assert line == f"Shoulder press — 3 × 12 @ {shown} kg"


def test_weight_in_kg_is_exact():
    assert SetLog(12, Decimal(8), "lb").weight_kg == Decimal("3.62873896")
    assert SetLog(12, Decimal("17.5"), "lb").weight_kg == Decimal("7.937866475")
    assert SetLog(12, Decimal("7.5"), "kg").weight_kg == Decimal("7.5")
    assert SetLog(12, None, None).weight_kg is None


def test_a_weight_keeps_the_digits_typed():
    result = parse("ohp 3x12 8.50 kg")
    assert isinstance(result, Parsed)
    assert str(result.entry.sets[0].weight) == "8.50"


@pytest.mark.parametrize(("text", "reason"), [("rows 3x-12", "reps_zero"), ("rows 3 x -12", "reps_zero")])
def test_a_minus_after_a_times_sign_is_a_negative_number(text, reason):
    result = parse(text)  # "3x-12" logged "1 × 3, 1 × 12": the minus was read as a separator
    assert isinstance(result, Invalid) and result.reason == reason


def test_a_weight_is_read_as_it_is_stored_so_the_card_says_what_the_log_holds():
    result = parse("ohp 3x12 7.123456 kg")  # the card said 7.123456 kg, the log kept 7.12
    assert isinstance(result, Parsed)
    assert result.entry.sets[0].weight == Decimal("7.12")
    assert describe(result.entry, NAMES) == "Shoulder press — 3 × 12 @ 7.12 kg"
    tiny = parse("ohp 3x12 0.001 kg")  # stored as 0 kg before
    assert isinstance(tiny, Invalid) and tiny.reason == "weight_not_positive"


# --- properties ----------------------------------------------------------------------------

RESULTS = (Parsed, Ambiguous, Invalid, NotALog)
LOGGISH = st.sampled_from(
    [
        "3x12",
        "12",
        "8",
        "0",
        "-5",
        "7.5",
        "7,5",
        "101",
        "21",
        "4x10x12",
        "x",
        "X",
        "×",
        "*",
        "@",
        "kg",
        "kgs",
        "kilos",
        "lb",
        "lbs",
        "pounds",
        "sets",
        "set",
        "reps",
        "rep",
        "of",
        "with",
        "at",
        "times",
        "and",
        "then",
        ",",
        ";",
        ":",
        "/",
        "-",
        "—",
        "(",
        ")",
        ".",
        "?",
        "!",
        "\n",
        "did",
        "each",
        "side",
        "ohp",
        "shoulder press",
        "sholder pres",
        "rows",
        "renegade rows",
        "curl and press",
        "lateral",
        "bench press",
        "should",
        "what",
        "how many",
        "deadlifts",
        "one",
        "twelve",
        "💪",
        "<b>",
        "</b>",
        "'; DROP TABLE logs; --",
        "&amp;",
        "١٢",
        "ｘ",
    ]
)
LOGGISH_TEXT = st.lists(LOGGISH, max_size=25).map(" ".join) | st.lists(LOGGISH, max_size=25).map("".join)
CURRENT = st.none() | st.sampled_from(sorted(EXERCISES))
UNITS = st.sampled_from(["kg", "lb"])


def _is_storable(e: LogEntry) -> bool:
    weighed = [s.weight is not None for s in e.sets]
    return (
        e.exercise_id in EXERCISES
        and 1 <= len(e.sets) <= MAX_SETS
        and (all(weighed) or not any(weighed))
        and all(1 <= s.reps <= MAX_REPS for s in e.sets)
        and all(s.weight is None or 0 < s.weight_kg <= MAX_WEIGHT_KG for s in e.sets)
    )


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=MAX_CHARS + 20) | LOGGISH_TEXT, current=CURRENT, unit=UNITS)
@example(text="1" * 4096, current=None, unit="kg")
@example(text="\x00\ud7ff\U0010ffff", current=None, unit="kg")
def test_parse_never_raises_and_only_accepts_storable_logs(text, current, unit):
    result = parse(text, unit=unit, current=current)
    assert isinstance(result, RESULTS)
    assert parse(text, unit=unit, current=current) == result  # deterministic
    if isinstance(result, Parsed):
        assert _is_storable(result.entry)
    if isinstance(result, Ambiguous):
        assert len(result.options) >= 2
        assert len(set(result.options)) == len(result.options)
        assert all(_is_storable(option) for option in result.options)
    if isinstance(result, Invalid):
        assert isinstance(result.reason, str) and isinstance(result.detail, dict)


def _weights():
    kilos = st.integers(1, MAX_WEIGHT_KG * 100).map(lambda c: (Decimal(c) / 100, "kg"))
    pounds = st.integers(1, 44092).map(lambda c: (Decimal(c) / 100, "lb"))  # 440.92 lb ≈ 199.999 kg
    return kilos | pounds


@st.composite
def entries(draw) -> LogEntry:
    """Any entry the parser may return: 1–20 sets of 1–100 reps, every set weighed or none."""
    reps = st.integers(1, MAX_REPS)
    if draw(st.booleans()):
        one_set = st.builds(lambda r, w: SetLog(r, *w), reps, _weights())
    else:
        one_set = st.builds(lambda r: SetLog(r, None, None), reps)
    pool = draw(st.lists(one_set, min_size=1, max_size=MAX_SETS))  # a small pool makes runs likely
    sets = draw(st.lists(st.sampled_from(pool), min_size=1, max_size=MAX_SETS))
    return LogEntry(draw(st.sampled_from(sorted(EXERCISES))), tuple(sets))


@settings(max_examples=300, deadline=None)
@given(e=entries(), current=CURRENT, unit=UNITS)
def test_the_card_line_reads_back_to_its_entry(e, current, unit):
    line = describe(e, NAMES)
    assert len(line) <= MAX_CHARS
    assert parse(line, unit=unit, current=current) == Parsed(e)


# --- the day a log is for (dialogs.log_day) --------------------------------------------------
TUESDAY = date(2026, 11, 24)


@pytest.mark.parametrize(
    "text, days_back, rest",
    [
        ("3x12 rows 8kg", 0, "3x12 rows 8kg"),
        ("yesterday 3x12 rows 8kg", 1, "3x12 rows 8kg"),
        ("Yesterday evening: rows 3x12", 1, ": rows 3x12"),
        ("last night 3x12 ohp", 1, "3x12 ohp"),
        ("the day before yesterday 3x12 rows", 2, "3x12 rows"),
        ("2 days ago rows 3x12", 2, "rows 3x12"),
        ("two days ago rows 3x12", 2, "rows 3x12"),
        ("a week ago 3x12 rows", 7, "3x12 rows"),
        ("on monday 3x12 rows", 1, "3x12 rows"),
        ("3x12 rows on sun", 2, "3x12 rows"),
        ("sunday 12 12 10 curls", 2, "12 12 10 curls"),
        ("tuesday rows 3x12", 0, "rows 3x12"),  # today is a Tuesday
        ("last tuesday rows 3x12", 7, "rows 3x12"),
        ("23 nov rows 3x12", 1, "rows 3x12"),
        ("on the 3rd of nov 3x12 rows", 21, "3x12 rows"),
        ("nov 20th: 3x12 rows", 4, ": 3x12 rows"),
        ("did rows 3x12 this morning", 0, "did rows 3x12"),
        ("a couple of days ago 3x12 rows", 2, "3x12 rows"),
    ],
)
def test_a_day_named_is_days_back_and_its_words_leave_the_text(text, days_back, rest):
    said = day_said(text, TUESDAY)
    assert said.problem is None and said.days_back == days_back
    assert " ".join(said.text.split()) == rest


def test_a_date_late_last_year_is_last_years():
    assert day_said("30 dec rows 3x12", date(2027, 1, 5)).days_back == 6


@pytest.mark.parametrize(
    "text, reason",
    [
        ("tomorrow 3x12 rows", "future_day"),
        ("in 2 days rows 3x12", "future_day"),
        ("next friday rows 3x12", "future_day"),
        ("3 dec rows 3x12", "future_day"),
        ("40 days ago rows 3x12", "too_long_ago"),
        ("6 weeks ago rows 3x12", "too_long_ago"),
        ("31 feb rows 3x12", "no_such_day"),
        ("yesterday and today 3x12 rows", "several_days"),
        ("last week 3x12 rows", "which_day"),
        ("did rows 3x12 the other day", "which_day"),
        ("a few days ago 3x12 rows", "which_day"),
    ],
)
def test_a_day_that_cannot_be_the_logs_day_is_a_problem(text, reason):
    said = day_said(text, TUESDAY)
    assert said.problem is not None and said.problem.reason == reason and said.days_back == 0


def test_two_days_ago_is_never_read_as_reps():
    said = day_said("2 days ago 3x12 rows", TUESDAY)
    assert parse(said.text) == Parsed(entry("bent_over_row 3x12"))


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_day_said_never_raises_and_stays_within_bounds(text):
    said = day_said(text, TUESDAY)
    assert 0 <= said.days_back <= MAX_DAYS_BACK and (said.problem is None or said.days_back == 0)
