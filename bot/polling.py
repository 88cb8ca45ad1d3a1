"""Long polling that never loses an update.

Telegram forgets updates below the `offset` of the next getUpdates call. So a batch is handled
completely (each user's updates in order, different users at once) before the next call
confirms it; if the process dies in between, Telegram sends the batch again and the processed
update ids make the repeat harmless. An update the database could not store (`bot.store.
Unavailable`) is not confirmed: the next call, after a back-off, asks from it on, and the
updates after it that did commit come again as harmless repeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot import metrics
from bot.application import POLL_TIMEOUT, process

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_BACKOFF = 30.0
MAX_OUTAGE_BACKOFF = 8.0  # seconds between attempts at updates the database could not store


async def serve(application: Application, stop: asyncio.Event) -> None:
    bot = application.bot
    await bot.delete_webhook(drop_pending_updates=False)
    offset: int | None = None
    backoff = outage = 1.0
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            fetch = asyncio.create_task(
                bot.get_updates(offset=offset, timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES)
            )
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():
                fetch.cancel()  # stopping while waiting for news: nothing was fetched, nothing lost
                break
            try:
                updates = fetch.result()
            except RetryAfter as error:
                metrics.bot_api_error("getUpdates", error)
                wait = error.retry_after
                await asyncio.sleep(wait.total_seconds() if isinstance(wait, timedelta) else wait)
                continue
            except (NetworkError, TelegramError) as error:
                metrics.bot_api_error("getUpdates", error)
                log.warning("getUpdates failed (%s); retrying in %.0fs", error, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 1.0
            if not updates:
                continue
            outcomes = await asyncio.gather(*(process(application, u) for u in updates), return_exceptions=True)
            again = []
            for update, outcome in zip(updates, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    log.error("update %s failed", update.update_id, exc_info=outcome)
                elif outcome is False:
                    again.append(update.update_id)
            if not again:
                offset, outage = updates[-1].update_id + 1, 1.0
                continue
            offset = min(again)
            log.warning("%d update(s) not stored; asking for them again in %.0fs", len(again), outage)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), outage)
            outage = min(outage * 2, MAX_OUTAGE_BACKOFF)
        if offset is not None:  # confirm the last handled batch before exiting
            try:
                await bot.get_updates(offset=offset, timeout=0, limit=1, allowed_updates=ALLOWED_UPDATES)
            except TelegramError as error:  # Telegram sends that batch again; its receipts answer it
                log.warning("could not confirm the last updates before exiting: %s", error)
    finally:
        stopping.cancel()
