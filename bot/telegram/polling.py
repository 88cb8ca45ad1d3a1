"""Long polling that never loses an update.

Telegram forgets updates below the `offset` of the next getUpdates call. So a batch is handled
completely (each user's updates in order, different users at once) before the next call
confirms it; if the process dies in between, Telegram sends the batch again and the processed
update ids make the repeat harmless. An update the database could not store (`bot.storage.store.
Unavailable`) is not confirmed: the next call, after a back-off, asks from it on, and the
updates after it that did commit come again as harmless repeats.

An update PTB cannot read (a new kind of update, a field it does not expect) is logged by its id
only, counted, skipped and confirmed with the rest (`bot.telegram.updates`): one such update must not stop
the bot (it would come first in every batch, at every restart). So the batch is fetched as JSON and
each update read on its own, instead of PTB's `get_updates`, which fails the whole batch and logs
it with the runners' messages in it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import warnings
from datetime import timedelta

from telegram import Bot, Update
from telegram.error import NetworkError, RetryAfter, TelegramError
from telegram.ext import Application
from telegram.warnings import PTBUserWarning

from bot import metrics
from bot.telegram import backlog
from bot.telegram.application import POLL_TIMEOUT, process
from bot.telegram.updates import Unreadable, skip, update_of

log = logging.getLogger(__name__)
ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member"]
MAX_BACKOFF = 30.0
MAX_OUTAGE_BACKOFF = 8.0  # seconds between attempts at updates the database could not store


async def serve(application: Application, stop: asyncio.Event) -> None:
    bot = application.bot
    await bot.delete_webhook(drop_pending_updates=False)
    backlog.watch(application)
    offset: int | None = None
    backoff = outage = 1.0
    stopping = asyncio.create_task(stop.wait())
    try:
        while not stop.is_set():
            fetch = asyncio.create_task(_fetch(bot, offset))
            await asyncio.wait({fetch, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not fetch.done():
                fetch.cancel()  # stopping while waiting for news: nothing was fetched, nothing lost
                break
            try:
                updates, last = read(fetch.result(), bot)
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
            if last is None:
                continue
            outcomes = await asyncio.gather(*(process(application, u) for u in updates), return_exceptions=True)
            again = []
            for update, outcome in zip(updates, outcomes, strict=True):
                if isinstance(outcome, BaseException):
                    log.error("update %s failed", update.update_id, exc_info=outcome)
                elif outcome is False:
                    again.append(update.update_id)
            if not again:
                offset, outage = last + 1, 1.0
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


async def _fetch(bot: Bot, offset: int | None) -> object:
    """getUpdates as JSON (PTB warns that `get_updates` exists: it parses the batch as a whole)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Please use 'Bot.getUpdates'", PTBUserWarning)
        return await bot.do_api_request(
            "getUpdates", api_kwargs={"offset": offset, "timeout": POLL_TIMEOUT, "allowed_updates": ALLOWED_UPDATES}
        )


def read(batch: object, bot: Bot) -> tuple[list[Update], int | None]:
    """The updates of a getUpdates answer that can be read (`bot.telegram.updates.update_of`; the others are
    skipped), and the last update id of all."""
    updates, ids = [], []
    for data in batch if isinstance(batch, list) else ():
        update_id = data.get("update_id") if isinstance(data, dict) else None
        if isinstance(update_id, int):
            ids.append(update_id)
        try:
            updates.append(update_of(data, bot))  # dates out of range are brought into it
        except Unreadable as error:
            skip(update_id, error)
    return updates, max(ids, default=None)
