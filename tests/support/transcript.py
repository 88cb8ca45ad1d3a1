"""Transcripts: conversations written as YAML and played through the pure engine.

Each step is what the user does and what the coach must answer, by template key:

    - user: /start                 # typed text or a command
      bot: [welcome, profile/units]  # the reply templates, in order
      buttons: [kg, lb]            # optional: labels of the last reply's buttons
    - tap: kg                      # tap the newest button with this label, as it was drawn:
      bot: [profile/timezone]      # a button of an older card keeps its old version (stale)
    - tap: kg
      bot: [stale_menu, profile/timezone]
    - timer: rest                  # the clock moves to the step's timer, which fires
      bot: [workout/rest_over, workout/set]
    - later: 4                     # four hours pass
    - expect: {state: home:idle, units: kg, timezone: Europe/Berlin}
    - user: 3x10 @ 9               # a Telegram reply to the newest message that had a ref
      replying: log/card           # (a `Reply.ref`), by the template of that message
      effects: [EditEntry]         # optional: the kinds (dialogs.effects classes) of the effects asked for
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from dialogs.coach import Coach
from dialogs.engine import step
from dialogs.events import Event
from dialogs.intents import BUTTONS
from dialogs.outcome import Outcome
from dialogs.payload import name_of
from dialogs.session import Profile, Session


@dataclass
class Player:
    coach: Coach
    now: datetime
    session: Session = field(default_factory=lambda: Session(profile=Profile(first_name="Ann")))
    last: Outcome | None = None
    drawn: dict[str, str] = field(default_factory=dict)  # label -> callback data, as last drawn
    refs: dict[str, str] = field(default_factory=dict)  # template -> the ref of its newest message

    def say(self, text: str, replying: str | None = None) -> Outcome:
        event = Event.from_text(text, self.now, self.session.profile.first_name)
        return self._step(replace(event, reply_to=self.refs[replying]) if replying else event)

    def tap(self, label: str) -> Outcome:
        return self._step(Event.from_button(self.drawn[label], self.now, self.session.profile.first_name))

    def timer(self, payload: str) -> Outcome:
        due = self.session.wake_at()
        self.now = max(self.now, due) if due is not None else self.now
        return self._step(Event.timer(payload, self.session.version, self.now))

    def current_buttons(self) -> dict[str, str]:
        assert self.last is not None, "no reply yet"
        version = self.last.session.version
        return {b.label: b.data(version) for r in self.last.replies for row in r.buttons for b in row}

    def _step(self, event: Event) -> Outcome:
        self.last = step(self.session, event, self.coach)
        assert not (undeclared := undeclared_buttons(self.last, self.coach)), f"buttons no step declares: {undeclared}"
        self.session = self.last.session
        self.drawn.update(self.current_buttons())
        self.refs.update({reply.template: reply.ref for reply in self.last.replies if reply.ref})
        return self.last


def undeclared_buttons(outcome: Outcome, coach: Coach) -> list[str]:
    """The buttons `outcome` shows that neither its state declares (`State.buttons`, which the
    flow validator checks against the transitions) nor a global intent takes: a tap on one
    would be answered "that menu is old". A link button never comes back; an anytime button
    reaches the global intents only."""
    session = outcome.session
    declared = set(coach.flows[session.flow].state(session.state).buttons)
    return [
        f"{session.state}: {button.payload!r}"
        for reply in outcome.replies
        for row in reply.buttons
        for button in row
        if not button.url
        and name_of(button.payload) not in (set(BUTTONS) if button.anytime else declared | set(BUTTONS))
    ]


def play(path: Path, coach: Coach, now: datetime) -> None:
    script = yaml.safe_load(path.read_text())
    player = Player(coach, now)
    for number, item in enumerate(script["steps"], start=1):
        where = f"{path.name} step {number} ({item})"
        if "user" in item:
            outcome = player.say(str(item["user"]), item.get("replying"))
        elif "tap" in item:
            outcome = player.tap(item["tap"])
        elif "timer" in item:
            outcome = player.timer(item["timer"])
        elif "later" in item:  # time passes: `later: 4` hours
            player.now += timedelta(hours=item["later"])
            continue
        else:
            _check_state(player.session, item["expect"], where)
            continue
        templates = [reply.template for reply in outcome.replies]
        assert templates == item["bot"], f"{where}: coach answered {templates}"
        if "buttons" in item:
            labels = [b.label for row in outcome.replies[-1].buttons for b in row]
            assert labels == item["buttons"], f"{where}: buttons were {labels}"
        if "effects" in item:
            kinds = [type(effect).__name__ for effect in outcome.effects]
            assert kinds == item["effects"], f"{where}: effects were {kinds}"
        if "notice" in item:
            assert outcome.notice == item["notice"], f"{where}: notice was {outcome.notice!r}"


def _check_state(session: Session, expected: dict[str, Any], where: str) -> None:
    actual = {
        "flow": session.flow,
        "state": session.state,
        "units": session.profile.units,
        "timezone": session.profile.timezone,
        "chart": session.profile.chart,
        "stack": [frame.flow for frame in session.stack],
    }
    for key, value in expected.items():
        assert actual[key] == value, f"{where}: {key} is {actual[key]!r}"
