"""A runner's reminder settings as the engine sees them, and the reminder message itself.

The settings are part of the training record (`record["reminders"]`), written by the engine like
the rest of the record, so every card shows them as they are in this very turn. An
`SyncReminders()` (`dialogs.effects`) has storage copy them into the reminders table, where
the runner keeps its own state beside them (next due time, snooze, lease, blocked). The timezone
is the profile's.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from dialogs.outcome import Button, Keyboard, Reply
from dialogs.payload import payload
from dialogs.plan import WEEKLY_GOAL, plan_today
from dialogs.session import Profile
from scheduler.policy import Schedule, describe_days, local_time, next_due

if TYPE_CHECKING:
    from dialogs.coach import Coach


@dataclass(frozen=True)
class ReminderSettings:
    days: frozenset[int]
    at: time
    allow_quiet_hours: bool = False
    paused: bool = False  # until the runner resumes them
    paused_until: datetime | None = None

    @classmethod
    def of(cls, profile: Profile) -> ReminderSettings | None:
        stored = profile.record.get("reminders")
        if not stored:
            return None
        until = stored.get("paused_until")
        return cls(
            frozenset(stored["days"]),
            time.fromisoformat(stored["at"]),
            stored.get("allow_quiet_hours", False),
            stored.get("paused", False),
            datetime.fromisoformat(until) if until else None,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "days": sorted(self.days),
            "at": self.at.strftime("%H:%M"),
            "allow_quiet_hours": self.allow_quiet_hours,
            "paused": self.paused,
            "paused_until": self.paused_until.isoformat() if self.paused_until else None,
        }

    def schedule(self, timezone: str) -> Schedule:
        return Schedule(self.days, self.at, timezone, self.paused_until, self.paused, None, self.allow_quiet_hours)

    def next_reminder(self, timezone: str, now: datetime) -> datetime | None:
        """The next regular reminder as the runner's clock on the wall shows it."""
        due = next_due(self.schedule(timezone), now)
        return None if due is None else local_time(due, timezone)

    def describe(self, timezone: str, now: datetime) -> dict[str, Any]:
        """The context every reply about the schedule shows."""
        upcoming = self.next_reminder(timezone, now)
        return {
            "days": describe_days(self.days),
            "at": self.at.strftime("%H:%M"),
            "timezone": timezone,
            "quiet": self.allow_quiet_hours,
            "next": when(upcoming) if upcoming else None,
        }


def stored(profile: Profile, settings: ReminderSettings | None) -> Profile:
    """The profile with these settings in its record (None removes them)."""
    record = {key: value for key, value in profile.record.items() if key != "reminders"}
    if settings is not None:
        record["reminders"] = settings.to_json()
    return replace(profile, record=record)


def when(local: datetime) -> str:
    """ "Tue 3 Nov, 07:00": a moment in the runner's own time."""
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def reminder_message(coach: Coach, profile: Profile, kind: str, due: datetime, now: datetime) -> Reply:
    """The message the runner sends: today's workout in two lines and what to do about it, or
    the morning-after nudge. Its buttons work whatever the conversation did since."""

    def button(label: str, tapped: str) -> Button:
        return Button(coach.catalog.label(f"reminders/{label}"), tapped, anytime=True)

    rows: Keyboard
    if kind == "nudge":
        rows = (
            (button("start_now", "today"),),
            (button("snooze_evening", "rem_snooze:evening"), button("snooze_tomorrow", "rem_snooze:tomorrow")),
        )
        return Reply("reminders/nudge", {"first_name": profile.first_name}, rows)
    exercises = coach.catalog.knowledge.exercises
    plan = plan_today(profile, list(exercises.values()), now)
    day = local_time(due, profile.timezone or "UTC").date()
    rows = (
        (button("start", "today"),),
        (button("snooze_1h", "rem_snooze:1h"), button("snooze_evening", "rem_snooze:evening")),
        (button("skip", payload("rem_skip", day.isoformat())),),
    )
    return Reply(
        "reminders/due",
        {
            "first_name": profile.first_name,
            "names": [exercises[item.exercise_id].name for item in plan.exercises],
            "sets": max(item.sets for item in plan.exercises),
            "reps": plan.exercises[0].reps,
            "minutes": plan.minutes,
            "session": plan.session_of_week,
            "goal": WEEKLY_GOAL,
        },
        rows,
    )
