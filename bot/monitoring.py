"""What operators watch, in every mode: `GET /healthz` and `GET /metrics` on a small HTTP server
(Starlette under uvicorn). In webhook mode they sit beside the webhook on its port; in polling
mode they have their own, `ARMSWING_HEALTH_LISTEN:ARMSWING_HEALTH_PORT` (port 0: no server).

The socket is bound before anything starts, so a port in use stops the start with one line
instead of uvicorn's exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
from collections.abc import AsyncIterator

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from telegram.ext import Application

from bot import connections, metrics
from bot.config import Settings
from bot.runtime import Runtime, StartupError

log = logging.getLogger(__name__)


def bind(settings: Settings) -> socket.socket | None:
    """This mode's listening socket: the webhook's port, or polling's health port (None when it is 0)."""
    if settings.mode == "webhook":
        return listen(settings.webhook_listen, settings.webhook_port, "TELEGRAM_WEBHOOK_PORT")
    if settings.health_port == 0:
        return None
    return listen(settings.health_listen, settings.health_port, "ARMSWING_HEALTH_PORT")


def listen(host: str, port: int, variable: str) -> socket.socket:
    """A listening socket on host:port, or `StartupError` naming the variable that chose the port."""
    try:
        return socket.create_server((host, port), family=socket.AF_INET6 if ":" in host else socket.AF_INET)
    except OSError as error:
        reason = "is already in use" if error.errno == errno.EADDRINUSE else f"cannot be bound ({error.strerror})"
        raise StartupError(f"{variable}: {host}:{port} {reason}") from None


def app(application: Application, runtime: Runtime, *more: BaseRoute) -> Starlette:
    """/healthz and /metrics, plus `more` routes (the webhook's)."""
    return Starlette(routes=[*more, *routes(application, runtime)])


def routes(application: Application, runtime: Runtime) -> list[BaseRoute]:
    async def healthz(_: Request) -> Response:
        checks = await health(application, runtime)
        healthy = all(checks.values())
        return JSONResponse({"ok": healthy, **checks}, status_code=200 if healthy else 503)

    async def metrics_page(_: Request) -> Response:
        await health(application, runtime)  # every scrape records the checks too (armswing_health)
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return [Route("/healthz", healthz), Route("/metrics", metrics_page)]


async def health(application: Application, runtime: Runtime) -> dict[str, bool]:
    """The database answers and the scheduler (reminders, timers) runs."""
    database = True
    try:
        await runtime.store.ping()
    except Exception:  # noqa: BLE001 — any failure means "not healthy"
        database = False
    queue = application.job_queue
    checks = {"database": database, "scheduler": queue is not None and queue.scheduler.running}
    for check, ok in checks.items():
        metrics.HEALTH.labels(check).set(ok)
    return checks


@contextlib.asynccontextmanager
async def server(app: Starlette, listener: socket.socket | None) -> AsyncIterator[None]:
    """Serve `app` on the bound socket while the block runs, then finish the requests in flight
    (no socket: nothing to serve)."""
    if listener is None:
        yield
        return
    config = uvicorn.Config(
        app,
        log_level="warning",
        log_config=None,  # uvicorn logs through our handlers, so secrets are masked there too
        access_log=False,
        lifespan="off",
        **connections.server_options(),  # bounded: connections, header and body read time
    )
    uvicorn_server = uvicorn.Server(config)
    uvicorn_server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign,assignment]  # the process's own signal handlers stop it
    serving = asyncio.create_task(uvicorn_server.serve(sockets=[listener]))
    try:
        while not uvicorn_server.started and not serving.done():
            await asyncio.sleep(0.05)
        if serving.done():
            serving.result()
        host, port = listener.getsockname()[:2]
        log.info("HTTP server listening on %s:%s", host, port)
        yield
    finally:
        uvicorn_server.should_exit = True
        await serving
