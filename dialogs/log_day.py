"""The day a typed log is for, in the runner's words: "yesterday 3x12 rows 8kg", "on monday …",
"2 days ago …", "last night", "23 nov".

`day_said(text, today)` finds the words that name a day, takes them out of the text (so that the
rep-log parser never reads "2 days ago" as two reps) and says how many days before `today` they
mean. `today` is the runner's local date, which the caller works out from the event's time and
the runner's timezone: nothing here reads a clock.

    today, tonight, this morning          0
    yesterday, last night                 1
    the day before yesterday              2
    a couple of days ago                  2
    3 days ago, a week ago, two weeks ago 3, 7, 14
    (on / last) monday, on tue …          the latest such day, today included ("last monday"
                                          on a Monday is a week ago)
    23 nov, nov 23rd, on the 3rd of dec   the latest such date, today included

A day after today ("tomorrow", "in 2 days", "next friday", "3 dec" on 24 Nov) is refused as
`future_day`, more than `MAX_DAYS_BACK` days back as `too_long_ago`, a date that does not exist
("31 feb") as `no_such_day`, a day too vague to store ("last week", "the other day", "a few
days ago") as `which_day`, two different days in one message as `several_days`: `Said.problem`
holds that `Invalid`, and the engine explains it like any other log it cannot store (when the
rest of the message is a log: "tomorrow I run" is just chat).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from dialogs.reminder_words import DAYS, MONTHS
from dialogs.replog import NUMBER_WORDS, Invalid

MAX_DAYS_BACK = 31  # a month: older sets are history to import, not a log to catch up on

_WEEKDAY = "|".join(sorted((name for name in DAYS if len(name) > 3), key=len, reverse=True))
_SHORT_WEEKDAY = "|".join(name for name in DAYS if len(name) <= 3)
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_COUNT = r"(?P<count>\d{1,4}|an?|" + "|".join(NUMBER_WORDS) + ")"
_ORDINAL = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_PHRASES = [  # (pattern, what it means); an earlier pattern claims its words first
    (r"(?:the )?day before yesterday", "2"),
    (r"yesterday(?: (?:morning|afternoon|evening|night))?|last night", "1"),
    (r"today|tonight|this (?:morning|afternoon|evening)", "0"),
    (r"tomorrow|the day after tomorrow|in " + _COUNT + r" (?:days?|weeks?)|next (?:week|" + _WEEKDAY + ")", "future"),
    (r"a couple (?:of )?days ago", "2"),
    (r"last week|the other day|earlier this week|(?:a )?few days ago|(?:some|several) days ago", "vague"),
    (_COUNT + r" (?P<unit>days?|weeks?) ago", "ago"),
    (r"(?:on )?(?P<last>last |this past |past )?(?P<weekday>" + _WEEKDAY + ")", "weekday"),
    (r"(?:on|last) (?P<weekday>" + _SHORT_WEEKDAY + ")", "weekday"),
    (r"(?:on )?(?:the )?" + _ORDINAL + r" (?:of )?(?P<month>" + _MONTH + ")", "date"),
    (r"(?:on )?(?P<month>" + _MONTH + r") (?:the )?" + _ORDINAL, "date"),
]
_PATTERNS = [(re.compile(rf"\b(?:{pattern})\b", re.IGNORECASE), meaning) for pattern, meaning in _PHRASES]


@dataclass(frozen=True)
class Said:
    text: str  # the message without the day's words
    days_back: int = 0  # 0: today
    problem: Invalid | None = None  # why the day named cannot be the log's day (then days_back is 0)


def day_said(text: str, today: date) -> Said:
    """The day the text names (today when it names none), and the text without those words."""
    claimed: list[tuple[int, int]] = []
    found: set[int] = set()
    problem: Invalid | None = None
    for pattern, meaning in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < e and s < end for s, e in claimed):
                continue
            claimed.append((start, end))
            days_back = _days_back(meaning, match, today)
            if isinstance(days_back, Invalid):
                problem = problem or days_back
            else:
                found.add(days_back)
    for start, end in sorted(claimed, reverse=True):
        text = f"{text[:start]} {text[end:]}"
    if problem is None and len(found) > 1:
        problem = Invalid("several_days")
    if problem is None and found and max(found) > MAX_DAYS_BACK:
        problem = Invalid("too_long_ago", {"days": max(found), "max": MAX_DAYS_BACK})
    return Said(text, 0, problem) if problem is not None else Said(text, found.pop() if found else 0)


def _days_back(meaning: str, match: re.Match[str], today: date) -> int | Invalid:
    """How many days before `today` the phrase means."""
    words = {name: value.casefold() for name, value in match.groupdict().items() if value}
    if meaning.isdigit():
        return int(meaning)
    if meaning == "vague":
        return Invalid("which_day")
    if meaning == "ago":
        count = words["count"]
        number = 1 if count in ("a", "an") else NUMBER_WORDS.get(count) or int(count)
        return number * (7 if words["unit"].startswith("week") else 1)
    if meaning == "weekday":
        back = (today.weekday() - DAYS[words["weekday"]]) % 7
        return 7 if back == 0 and "last" in words else back
    if meaning == "date":
        try:
            day = date(today.year, MONTHS[words["month"]], int(words["day"]))
        except ValueError:
            return Invalid("no_such_day")
        if day <= today:
            return (today - day).days
        # "30 dec" in January is last month's; "3 dec" in November is still to come
        earlier = date(today.year - 1, day.month, day.day) if (day.month, day.day) != (2, 29) else None
        if earlier is not None and (today - earlier).days <= MAX_DAYS_BACK:
            return (today - earlier).days
    return Invalid("future_day")


def local_date(now: datetime, timezone: str | None) -> date:
    """The runner's calendar day at the moment `now` (UTC when they have not set a zone)."""
    return now.astimezone(ZoneInfo(timezone or "UTC")).date()
