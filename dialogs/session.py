"""The per-chat conversation record that the engine reads and returns.

A `Session` is small, immutable and JSON-serialisable, so the storage layer can save it after
every event and a restart continues at exactly the same step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from dialogs.units import Unit

ChartTheme = Literal["light", "dark"]  # the /progress chart's colours (dark for Telegram's dark theme)


@dataclass(frozen=True)
class Profile:
    """What the coach knows about the runner; stored as columns of the user's row."""

    first_name: str = ""
    units: Unit | None = None
    timezone: str | None = None
    # The training record: "dumbbells" (what the runner owns, in their units), "workouts"
    # (finished workouts) and "reminders" (days, time, pause) are written by the engine;
    # "exercises" (last sets and best per exercise) is recomputed by storage from the set log
    # whenever the log changes.
    record: dict[str, Any] = field(default_factory=dict)
    chart: ChartTheme = "light"

    @property
    def onboarded(self) -> bool:
        return self.units is not None and self.timezone is not None


@dataclass(frozen=True)
class Frame:
    """Where a flow was when something interrupted it (a question in the middle of a workout)."""

    flow: str
    state: str
    data: dict[str, Any] = field(default_factory=dict)


HOME_FLOW = "home"
HOME_STATE = "home:idle"


@dataclass(frozen=True)
class Session:
    flow: str = HOME_FLOW
    state: str = HOME_STATE
    data: dict[str, Any] = field(default_factory=dict)
    stack: tuple[Frame, ...] = ()
    version: int = 0
    profile: Profile = field(default_factory=Profile)
    tap: str = ""  # the button data that made this version, to recognise a double tap

    def conversation(self) -> dict[str, Any]:
        """The part of the session that lives in the sessions table (the profile has columns)."""
        return {
            "flow": self.flow,
            "state": self.state,
            "data": self.data,
            "stack": [asdict(frame) for frame in self.stack],
            "tap": self.tap,
        }

    @classmethod
    def restore(cls, conversation: dict[str, Any] | None, version: int, profile: Profile) -> Session:
        if not conversation:
            return cls(version=version, profile=profile)
        return cls(
            flow=conversation["flow"],
            state=conversation["state"],
            data=dict(conversation.get("data") or {}),
            stack=tuple(Frame(**frame) for frame in conversation.get("stack") or ()),
            version=version,
            profile=profile,
            tap=conversation.get("tap", ""),
        )

    def timer(self) -> tuple[str, datetime] | None:
        """The current step's timer (`Turn.set_timer`): its name and when it is due. A flow opened
        on top keeps the interrupted step's timer in its frame: it rings once that step is back."""
        timer = self.data.get("timer")
        return (timer["name"], datetime.fromisoformat(timer["at"])) if timer else None

    def wake_at(self) -> datetime | None:
        timer = self.timer()
        return timer[1] if timer else None

    def moved(self, **changes: Any) -> Session:
        return replace(self, **changes)
