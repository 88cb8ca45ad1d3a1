"""What the handlers need from this process, typed: PTB's `bot_data` is one `Services`
(`ContextTypes(bot_data=Services)`), filled in once while the application is built
(`bot.telegram.application.build_application`, `bot.telegram.adapter.install_timers`, `bot.telegram.reminders.install`)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

if TYPE_CHECKING:
    from bot.conversation import Conversations
    from bot.metrics import Pseudonym
    from bot.runtime import Runtime
    from bot.storage.timers import TimerRunner
    from bot.telegram.reminders import Reminders
    from bot.telegram.replies import Replies


class Services:
    runtime: Runtime
    conversations: Conversations
    pseudonym: Pseudonym  # user ids as the logs show them
    replies: Replies  # each chat's worker that sends what committed
    timers: TimerRunner
    reminders: Reminders


CONTEXT_TYPES = ContextTypes(bot_data=Services)
Context = CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], Services]


def services(application: Application[Any, Any, Any, Any, Any, Any]) -> Services:
    found = application.bot_data
    assert isinstance(found, Services), "built without CONTEXT_TYPES"
    return found
