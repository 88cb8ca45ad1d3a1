"""The running Telegram bot: built, started, fed updates by polling or a webhook until SIGINT or
SIGTERM, then stopped with its replies sent.

Above `bot.telegram.application`, `bot.telegram.polling` and `bot.telegram.webhook`, which import nothing from here: the
command line imports this module only to serve (the terminal chat needs none of it).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from bot import monitoring
from bot.runtime import Runtime
from bot.telegram import polling, webhook
from bot.telegram.application import announce_commands, build_application, name_the_bot
from bot.telegram.services import services

log = logging.getLogger(__name__)
REPLIES_AT_EXIT = 5.0  # seconds to finish sending at SIGTERM; the rest goes from the outbox at the next start


async def serve(runtime: Runtime) -> None:
    """Run the Telegram bot until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    application = build_application(runtime)
    replies = services(application).replies
    async with application:  # initialize: getMe, so a rejected token is said first
        name_the_bot(application, runtime)
        listener = monitoring.bind(runtime.settings)  # before anything runs: a port in use stops the start
        try:
            await application.start()
            replies.start()
            await announce_commands(application, runtime)
            me = application.bot
            log.info("Armswing is up as @%s in %s mode", me.username, runtime.settings.mode)
            if runtime.settings.mode == "webhook":
                assert listener is not None  # webhook mode always listens (its port is never 0)
                await webhook.serve(application, runtime, stop, listener)
            else:
                async with monitoring.server(monitoring.app(application, runtime), listener):
                    await polling.serve(application, stop)
            await replies.stop(timeout=REPLIES_AT_EXIT)
            await application.stop()
        finally:
            if listener is not None:
                listener.close()
    log.info("Armswing stopped")
