"""Webhook mode: an ASGI app (Starlette under uvicorn) that Telegram POSTs updates to.

Telegram retries an update until it gets a 2xx answer, so the answer is sent only after the
update's transaction committed, and an update the database could not store gets a 503. The
secret token header is compared in constant time; bodies over 1 MB and what cannot be an update
(malformed or too deeply nested JSON, `bot.updates`) get a 4xx, never a 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from telegram.ext import Application

from bot import metrics
from bot.application import process
from bot.polling import ALLOWED_UPDATES
from bot.runtime import Runtime
from bot.updates import Unreadable, parse

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


def create_app(application: Application, runtime: Runtime) -> Starlette:
    secret = (runtime.settings.webhook_secret or "").encode()

    async def telegram_update(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not secret or not hmac.compare_digest(given, secret):
            return Response(status_code=403)
        declared = request.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > MAX_BODY:
            return Response(status_code=413)
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    return Response(status_code=413)
        except ClientDisconnect:  # the sender gave up mid-body: Telegram will send it again
            return Response(status_code=400)
        try:
            update = parse(bytes(body), application.bot)
        except Unreadable:
            return Response(status_code=400)
        if not await process(application, update):  # not stored: Telegram retries on a 5xx
            return Response(status_code=503)
        return Response(status_code=200)

    async def healthz(_: Request) -> Response:
        database = True
        try:
            await runtime.store.ping()
        except Exception:  # noqa: BLE001 — any failure means "not healthy"
            database = False
        queue = application.job_queue
        scheduler = queue is not None and queue.scheduler.running
        healthy = database and scheduler
        return JSONResponse(
            {"ok": healthy, "database": database, "scheduler": scheduler}, status_code=200 if healthy else 503
        )

    async def metrics_page(_: Request) -> Response:
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")

    path = "/" + runtime.settings.webhook_path
    return Starlette(
        routes=[
            Route(path, telegram_update, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/metrics", metrics_page),
        ]
    )


async def serve(application: Application, runtime: Runtime, stop: asyncio.Event) -> None:
    settings = runtime.settings
    config = uvicorn.Config(
        create_app(application, runtime),
        host=settings.webhook_listen,
        port=settings.webhook_port,
        log_level="warning",
        log_config=None,  # uvicorn logs through our handlers, so secrets are masked there too
        access_log=False,
        lifespan="off",
    )
    server = uvicorn.Server(config)
    server.capture_signals = contextlib.nullcontext  # the process's own signal handlers set `stop`
    serving = asyncio.create_task(server.serve())
    while not server.started and not serving.done():
        await asyncio.sleep(0.05)
    if serving.done():
        serving.result()  # the port could not be bound: raise why
    await application.bot.set_webhook(
        settings.webhook_url, secret_token=settings.webhook_secret, allowed_updates=ALLOWED_UPDATES
    )
    log.info("webhook server listening on %s:%s", settings.webhook_listen, settings.webhook_port)
    await stop.wait()
    server.should_exit = True  # uvicorn finishes the requests in flight, then returns
    await serving
