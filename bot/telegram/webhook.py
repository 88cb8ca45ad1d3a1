"""Webhook mode: an ASGI app (Starlette under uvicorn) that Telegram POSTs updates to.

Telegram retries an update until it gets a 2xx answer, so the answer is sent only after the
update's transaction committed, and an update the database could not store gets a 503. The
secret token header is compared in constant time; bodies over 1 MB and what cannot be an update
(malformed or too deeply nested JSON, `bot.telegram.updates`) get a 4xx, never a 500. Every answer is
counted by status code; /healthz and /metrics sit beside the webhook (`bot.monitoring`), and
Telegram's backlog is watched (`bot.telegram.backlog`).
"""

from __future__ import annotations

import asyncio
import hmac
import socket

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from telegram.ext import Application

from bot import metrics, monitoring
from bot.connections import BodyTimeout, read_body
from bot.runtime import Runtime
from bot.telegram import backlog
from bot.telegram.application import process
from bot.telegram.polling import ALLOWED_UPDATES
from bot.telegram.updates import Poison, Unreadable, parse, skip

MAX_BODY = 1 << 20
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def create_app(application: Application, runtime: Runtime) -> Starlette:
    secret = (runtime.settings.webhook_secret or "").encode()

    async def handle(request: Request) -> int:
        """The status code for one POST from Telegram."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            return 403
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            return 413
        try:
            body = await read_body(request, MAX_BODY)
        except ClientDisconnect:  # the sender gave up mid-body: Telegram will send it again
            return 400
        except BodyTimeout:
            return 408
        if body is None:
            return 413
        try:
            update = parse(body, application.bot)
        except Poison as error:  # Telegram's, but PTB cannot read it: confirmed and skipped
            skip(error.update_id, error)
            return 200
        except Unreadable:
            return 400
        if not await process(application, update):  # not stored: Telegram retries on a 5xx
            return 503
        return 200

    async def answer(request: Request) -> Response:
        status = await handle(request)
        metrics.WEBHOOK_REQUESTS.labels(str(status)).inc()
        return Response(status_code=status)

    return monitoring.app(application, runtime, Route("/" + runtime.settings.webhook_path, answer, methods=["POST"]))


async def serve(application: Application, runtime: Runtime, stop: asyncio.Event, listener: socket.socket) -> None:
    settings = runtime.settings
    async with monitoring.server(create_app(application, runtime), listener):
        await application.bot.set_webhook(
            settings.webhook_url,
            secret_token=settings.webhook_secret,
            allowed_updates=ALLOWED_UPDATES,
            max_connections=settings.webhook_max_connections,
        )
        backlog.watch(application)
        await stop.wait()  # then uvicorn finishes the requests in flight
