"""Reminder schedules and pause dates in plain words.

"remind me tuesdays and fridays at 7am", "mon wed fri 18:30", "weekdays at 6", "mon-thu 7.30pm",
"tue fri 7 in the evening". The reading is strict on purpose: every word must be a day, a time or
one of a few filler words, so that typed text in any state ("curls 3x12 at 10kg") is only taken
for a schedule when it plainly is one. A bare hour is read on the 24-hour clock ("at 6" is 06:00).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta

DAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
GROUPS = {
    "weekdays": frozenset(range(5)),
    "weekday": frozenset(range(5)),
    "weekends": frozenset({5, 6}),
    "weekend": frozenset({5, 6}),
    "daily": frozenset(range(7)),
    "everyday": frozenset(range(7)),
}
MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}
FILLER = frozenset(
    [
        "remind",
        "reminder",
        "reminders",
        "me",
        "us",
        "please",
        "set",
        "my",
        "a",
        "an",
        "the",
        "on",
        "at",
        "every",
        "each",
        "and",
        "also",
        "plus",
        "to",
        "for",
        "around",
        "about",
        "by",
        "in",
        "of",
        "from",
        "i",
        "want",
        "would",
        "like",
        "could",
        "can",
        "you",
        "ping",
        "train",
        "training",
        "workout",
        "workouts",
    ]
)
DATE_FILLER = frozenset({"pause", "until", "till", "for", "the", "on", "next", "of", "it", "them", "reminders"})
RANGE_WORDS = frozenset({"-", "to", "through", "thru", "till", "until"})
AM_WORDS, PM_WORDS = (
    frozenset({"morning", "mornings"}),
    frozenset({"afternoon", "evening", "evenings", "night", "tonight"}),
)
NAMED_TIMES = {"noon": time(12), "midday": time(12), "midnight": time(0)}

_TOKEN = re.compile(r"(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm|h)?(?!\w|[:.]\d)|[a-z]+|\d+|\S")
MAX_LENGTH = 200  # a schedule is a short sentence; longer text is something else


@dataclass(frozen=True)
class Reading:
    days: frozenset[int] = frozenset()
    at: time | None = None


def parse_schedule(text: str) -> tuple[frozenset[int], time] | None:
    """Days and a time, when the text is a reminder schedule and nothing else."""
    reading = read(text)
    if reading is None or not reading.days or reading.at is None:
        return None
    return reading.days, reading.at


def parse_days(text: str) -> frozenset[int] | None:
    reading = read(text)
    return reading.days if reading is not None and reading.days and reading.at is None else None


def parse_time(text: str) -> time | None:
    reading = read(text)
    return reading.at if reading is not None and reading.at is not None and not reading.days else None


def read(text: str) -> Reading | None:
    """Whatever days and time the text names; None when any word is not part of a schedule."""
    if len(text) > MAX_LENGTH:
        return None
    tokens = list(_tokens(text))
    if not tokens:
        return None
    days: set[int] = set()
    at: time | None = None
    half: str | None = None  # "am" or "pm" from words like "evening"
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if isinstance(token, time):
            if at is not None:
                return None
            at = token
        elif (first := _day(token)) is not None:
            last = _day(tokens[index + 2]) if index + 2 < len(tokens) and tokens[index + 1] in RANGE_WORDS else None
            if last is not None:  # "mon-thu", "tuesday to friday"
                days |= {(first + step) % 7 for step in range((last - first) % 7 + 1)}
                index += 2
            else:
                days.add(first)
        elif token in GROUPS:
            days |= GROUPS[token]
        elif token in AM_WORDS | PM_WORDS:
            half = "am" if token in AM_WORDS else "pm"
        elif token in NAMED_TIMES:
            if at is not None:
                return None
            at = NAMED_TIMES[token]
        elif token not in FILLER:
            return None
        index += 1
    if at is not None and half == "pm" and at.hour < 12:
        at = at.replace(hour=at.hour + 12)
    if not days and at is None:
        return None
    return Reading(frozenset(days), at)


def parse_date(text: str, today: date) -> date | None:
    """A day after `today`: "12 dec", "dec 12", "2026-12-10", "friday", "2 weeks", "a week"."""
    if len(text) > MAX_LENGTH:
        return None
    normal = re.sub(r"(\d+)(?:st|nd|rd|th)\b", r"\1", text.lower())
    words = [w for w in re.findall(r"[a-z]+|\d+(?:-\d+-\d+)?", normal) if w not in DATE_FILLER]
    if len(words) == 1 and words[0].rstrip("s") in ("day", "week"):  # "next week"
        words = ["a", *words]
    if len(words) == 1 and re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", words[0]):
        year, month, day = (int(part) for part in words[0].split("-"))
        found = _date(year, month, day)
        return found if found is not None and found > today else None
    weekday = _day(words[0]) if len(words) == 1 else None
    if weekday is not None:
        ahead = (weekday - today.weekday() - 1) % 7 + 1
        return today + timedelta(days=ahead)
    if len(words) == 2 and words[1].rstrip("s") in ("day", "week") and (words[0].isdigit() or words[0] in ("a", "one")):
        count = int(words[0]) if words[0].isdigit() else 1
        if not 1 <= count <= 366:
            return None
        return today + timedelta(days=count * (7 if words[1].startswith("week") else 1))
    if len(words) in (2, 3):
        month_first = words[0] in MONTHS
        month, day = (words[0], words[1]) if month_first else (words[1], words[0])
        if month not in MONTHS or not day.isdigit() or (len(words) == 3 and not words[2].isdigit()):
            return None
        if len(words) == 3:
            found = _date(int(words[2]), MONTHS[month], int(day))
            return found if found is not None and found > today else None
        for year in (today.year, today.year + 1):
            found = _date(year, MONTHS[month], int(day))
            if found is not None and found > today:
                return found
    return None


def _tokens(text: str) -> Iterator[str | time]:
    normal = text.lower().replace("a.m.", "am").replace("p.m.", "pm").replace("o'clock", "")
    normal = normal.replace("every day", "daily")
    for match in _TOKEN.finditer(normal):
        whole, hour, minute, suffix = match.group(0), match.group(1), match.group(2), match.group(3)
        if hour is None:
            if whole in (",", "&", "/", ".", "!", "?"):
                continue
            yield whole
            continue
        moment = _time(int(hour), int(minute or 0), suffix)
        yield moment if moment is not None else whole


def _time(hour: int, minute: int, suffix: str | None) -> time | None:
    if minute > 59:
        return None
    if suffix in ("am", "pm"):
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    elif hour > 23:
        return None
    return time(hour, minute)


def _plural(word: str) -> str:
    return word.removesuffix("s")


def _day(token: object) -> int | None:
    if not isinstance(token, str):
        return None
    return DAYS.get(token, DAYS.get(_plural(token)))


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
