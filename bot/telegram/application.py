"""The PTB `Application` of Armswing, and how one update goes through it (`process`).

PTB's own `run_polling` confirms updates to Telegram before the handlers ran, and its
`run_webhook` answers 200 before they ran; both lose updates when the process dies. So the
application is built without an `Updater`, and `bot.telegram.polling` / `bot.telegram.webhook` feed it updates
themselves, confirming each only after its transaction committed. `bot.lifecycle` runs it.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from telegram import BotCommand, BotCommandScopeAllGroupChats
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    MessageHandler,
    filters,
)
from telegram.request import BaseRequest

from bot.metrics import MeasuredRateLimiter, Pseudonym
from bot.runtime import Runtime
from bot.storage.store import REDELIVERY_WINDOW
from bot.telegram import adapter, reminders
from bot.telegram.processor import PerUserUpdateProcessor
from bot.telegram.replies import Replies
from bot.telegram.request import make_request
from bot.telegram.services import CONTEXT_TYPES, Context, services

log = logging.getLogger(__name__)
POLL_TIMEOUT = 25  # seconds Telegram holds a getUpdates call open when there is nothing new
# Seconds a call may wait for a free connection. PTB's 1 s failed updates whenever a burst
# (a polling batch of 100, three calls each) met a slow Telegram; every call holding a connection
# is bounded by its own timeouts, so the wait is bounded too.
POOL_WAIT = 15


def build_application(
    runtime: Runtime, request: BaseRequest | None = None, updates_request: BaseRequest | None = None
) -> Application:
    """`request` objects replace the HTTP layer (tests and benchmarks use an offline one)."""
    settings = runtime.settings
    assert settings.token, "the Telegram bot needs a token (the terminal chat does not)"
    builder = (
        Application.builder()
        .token(settings.token)
        .updater(None)
        .concurrent_updates(PerUserUpdateProcessor())
        .context_types(CONTEXT_TYPES)
        .rate_limiter(MeasuredRateLimiter(overall_max_rate=settings.send_rate, max_retries=3))
        .request(
            request
            or make_request(
                settings.http_client,
                connection_pool_size=settings.pool_size,
                connect_timeout=10,
                read_timeout=15,
                pool_timeout=POOL_WAIT,
            )
        )
        .get_updates_request(
            updates_request
            or make_request(settings.http_client, connection_pool_size=2, read_timeout=POLL_TIMEOUT + 10)
        )
    )
    if settings.api_base_url:
        builder = builder.base_url(settings.api_base_url)
    if settings.api_base_file_url:
        builder = builder.base_file_url(settings.api_base_file_url)
    application = builder.build()
    found = services(application)
    found.conversations = runtime.conversations
    found.runtime = runtime
    found.pseudonym = Pseudonym(settings.token or "")
    found.replies = Replies(runtime.store, application.bot, found.pseudonym, runtime.conversations.file)
    application.add_handler(MessageHandler(filters.ALL, adapter.dispatch))
    application.add_handler(CallbackQueryHandler(adapter.dispatch))
    application.add_error_handler(adapter.on_error)
    if application.job_queue is not None:
        application.job_queue.run_repeating(_forget_old_updates, interval=timedelta(hours=1), first=60)
    reminders.install(application, runtime)
    adapter.install_timers(application, runtime.conversations, settings.timer_tick_seconds)
    return application


async def _forget_old_updates(context: Context) -> None:
    runtime = context.bot_data.runtime
    removed = await runtime.store.forget_updates_before(datetime.now(UTC) - REDELIVERY_WINDOW)
    log.debug("forgot %d processed update ids", removed)


async def process(application: Application, update: object) -> bool:
    """Handle one update and return when it is done: True if for good (committed, ignored, or
    failed and apologised for), False if nothing could be stored and Telegram must send it again.
    The replies of a committed update go out after, from the chat's worker (`bot.telegram.replies`)."""
    with adapter.verdict() as verdict:
        await application.update_processor.process_update(update, application.process_update(update))
    return not verdict.again


async def announce_commands(application: Application, runtime: Runtime) -> None:
    """The menu of commands (in groups without a runner's own data: /export, /deletedata) and
    what a new user sees in the empty chat and on the bot's profile."""
    catalog = runtime.conversations.coach.catalog
    bot = application.bot
    await bot.set_my_commands([BotCommand(c.name, c.description) for c in catalog.commands])
    in_groups = [BotCommand(c.name, c.description) for c in catalog.commands if c.groups]
    await bot.set_my_commands(in_groups, scope=BotCommandScopeAllGroupChats())
    await bot.set_my_description(html.unescape(catalog.render("bot/description", {})).strip())
    await bot.set_my_short_description(html.unescape(catalog.render("bot/short_description", {})).strip())


def name_the_bot(application: Application, runtime: Runtime) -> None:
    """Once Telegram said who the bot is (getMe, in `Application.initialize`): the coach's deep
    links (the share button of an exercise) point at this bot."""
    coach = runtime.conversations.coach
    runtime.conversations.coach = replace(coach, start_link=f"https://t.me/{application.bot.username}?start=")
