"""The floor for `bench/load.py`: PTB's echo bot (its `echobot.py` example, with PTB's defaults:
`run_polling`, `HTTPXRequest`) as a process of its own. One change: updates are handled
concurrently (PTB's `concurrent_updates(True)`, 256 at once, as Armswing), since one after
another a 50 ms round trip caps it at 20 updates a second whatever it costs.

It answers every text with the same text and then logs the finish line `bench/load.py` follows,
as Armswing logs one per update. Configured like Armswing: `TELEGRAM_BOT_TOKEN` and
`TELEGRAM_API_BASE_URL`.

    TELEGRAM_BOT_TOKEN=… TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot python bench/echo_bot.py
"""

from __future__ import annotations

import logging
import os

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

log = logging.getLogger("echo")


async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)
    log.info("update=%s outcome=echo", update.update_id)


def main() -> None:
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per call otherwise
    application = (
        Application.builder()
        .token(os.environ["TELEGRAM_BOT_TOKEN"])
        .base_url(os.environ.get("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot"))
        .concurrent_updates(True)
        .build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_polling(allowed_updates=Update.ALL_TYPES)


if __name__ == "__main__":
    main()
