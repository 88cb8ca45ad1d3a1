"""Telegram's backlog, read every minute in both modes (getWebhookInfo answers for a bot that
polls too): the updates Telegram holds for the bot (`armswing_telegram_pending_updates`), and
when delivering to the webhook last failed. Polling confirms a batch only after it committed,
so a backlog that grows while no update is handled shows a stuck bot in either mode."""

from __future__ import annotations

import logging

from telegram.error import TelegramError
from telegram.ext import Application

from bot import metrics
from bot.telegram.services import Context

log = logging.getLogger(__name__)
POLL_SECONDS = 60  # how often getWebhookInfo is asked


def watch(application: Application) -> None:
    if application.job_queue is not None:
        application.job_queue.run_repeating(_read, interval=POLL_SECONDS, first=1, name="backlog")


async def _read(context: Context) -> None:
    try:
        info = await context.bot.get_webhook_info()
    except TelegramError as error:  # counted in armswing_bot_api_errors_total; try again next minute
        log.warning("getWebhookInfo failed: %s", error)
        return
    metrics.TELEGRAM_PENDING.set(info.pending_update_count)
    metrics.TELEGRAM_LAST_ERROR.set(info.last_error_date.timestamp() if info.last_error_date else 0)
