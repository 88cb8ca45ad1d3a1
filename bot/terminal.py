"""The terminal chat: the same engine and database as Telegram, for one local user.

Works interactively and from a pipe: one message per input line; buttons are listed as numbered
choices, and typing a number taps that button. Files the coach sends (a progress chart, an
export) are saved in the working directory and their paths printed.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
import sys
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TextIO

from bot.conversation import Result
from bot.message import Message
from bot.runtime import Runtime
from bot.storage import cards, outbox
from bot.storage.store import Who
from bot.storage.timers import Due, TimerRunner
from dialogs.events import Event

TAG = re.compile(r"<[^>]+>")
log = logging.getLogger(__name__)


def as_text(text: str) -> str:
    """Telegram HTML as terminal text."""
    return html.unescape(TAG.sub("", text))


class Screen:
    """What the terminal shows. Messages are numbered as Telegram numbers a chat's, and what the
    cards are is noted as `bot.telegram.replies` notes it, so a live card is edited in place here too: it
    is printed again as it is now (`card>`), and a collapsed card as its record."""

    def __init__(self, runtime: Runtime, who: Who, out: TextIO):
        self.runtime, self.who, self.out = runtime, who, out
        self.next_id = int(time.time() * 1000)  # above the ids of earlier chats in this database
        self.choices: list[tuple[str, int]] = []  # the numbered buttons: (callback data, message id)

    async def show(self, result: Result) -> None:
        out = self.out
        if result.notice:
            out.write(f"  ({result.notice})\n")
        choices: list[tuple[str, int]] = []
        refs = []
        for message in result.messages:
            if message.edit and not message.text:
                continue  # only buttons taken away
            if message.edit:
                message_id = message.edit
            else:
                self.next_id += 1
                message_id = self.next_id
                ref = message.ref or (cards.REF + message.card if message.card else "")
                if ref:
                    refs.append((self.who.user_id, self.who.answer_chat, message_id, ref))
            out.write(_indent(as_text(message.text), "card" if message.edit and message.buttons else "coach") + "\n")
            if message.file is not None:
                path = Path.cwd() / Path(message.file.filename).name
                path.write_bytes(message.file.content)
                out.write(f"       [{message.file.kind} saved: {path}]\n")
            choices = [(data, message_id) for data in _buttons(message, out)] or choices
        out.write("\n")
        out.flush()
        self.choices = choices or self.choices
        if refs:
            await self.runtime.store.run(partial(outbox.finish, done=[], refs=refs))


def _buttons(message: Message, out: TextIO) -> list[str]:
    choices = []
    for row in message.buttons:
        cells = []
        for label, data in row:
            choices.append(data)
            cells.append(f"[{len(choices)}] {label}")
        out.write("    " + "   ".join(cells) + "\n")
    return choices


def _indent(text: str, who: str = "coach") -> str:
    """ "coach> " before the first line ("card> " for a live card edited in place)."""
    head = f"{who}> ".rjust(7)
    return "\n".join(head + line if i == 0 else "       " + line for i, line in enumerate(text.splitlines()))


async def chat(runtime: Runtime, who: Who, source: TextIO = sys.stdin, out: TextIO = sys.stdout) -> None:
    interactive = source.isatty()
    if interactive:
        out.write("Armswing terminal chat. Type /start to begin, a number to tap a button, Ctrl-D to leave.\n\n")
    screen = Screen(runtime, who, out)
    waiting: set[asyncio.Task] = set()

    async def ring(due: Due) -> None:
        result = await runtime.conversations.wake(due, datetime.now(UTC))
        if result is not None:
            out.write("\n")
            await screen.show(result)
            out.write("you> ")
            out.flush()

    runner = TimerRunner(runtime.store, ring, user_id=who.user_id)
    while True:
        if interactive:
            out.write("you> ")
            out.flush()
        line = await asyncio.to_thread(source.readline)
        if not line:
            break
        line = line.rstrip("\n")
        if not interactive:
            out.write(f"you> {line}\n")
        now = datetime.now(UTC)
        number, tapped = line.strip(), None
        if number.isdigit() and 1 <= int(number) <= len(screen.choices):
            data, tapped = screen.choices[int(number) - 1]
            event = Event.from_button(data, now, who.first_name)
        else:
            event = Event.from_text(line, now, who.first_name)
        result = await _handle(runtime, who, event, tapped)
        await screen.show(result)
        if interactive and result.wake_at is not None:  # from a pipe the next line is already there
            waiting = {task for task in waiting if not task.done()}
            waiting.add(asyncio.create_task(_ring_at(result.wake_at, runner)))
    for task in waiting:
        task.cancel()


async def _handle(runtime: Runtime, who: Who, event: Event, tapped: int | None = None) -> Result:
    try:
        return await runtime.conversations.handle(who, event, tapped=tapped)
    except Exception:  # one bad message must not end the chat; the transaction rolled back
        log.exception("the terminal chat could not handle a %s event", event.kind)  # not the runner's words
        return Result((runtime.conversations.error_message(),))


async def _ring_at(when: datetime, runner: TimerRunner) -> None:
    await asyncio.sleep(max(0.0, (when - datetime.now(UTC)).total_seconds()))
    await runner.wake()
