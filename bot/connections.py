"""The HTTP server's connections, bounded, so slow or idle clients cannot use up the process.

uvicorn on its own waits for a request's headers for ever and accepts every connection: 1,100
clients that open a connection and send a byte now and then took all 1,024 files systemd allows
a service, and nothing could connect any more (Telegram included). Here:
- at most MAX_CONNECTIONS are open at once; a connection beyond that is closed as soon as it is
  accepted (its file is free again at once), and uvicorn answers 503 to requests beyond it;
- a request's headers must arrive within HEADER_TIMEOUT of the connection opening (on a
  kept-alive connection: of their first byte), else the connection is closed;
- its body must arrive within BODY_TIMEOUT (`read_body`; the webhook answers 408);
- headers are at most MAX_HEADER_BYTES, an idle kept-alive connection closes after KEEP_ALIVE.
Telegram opens up to 40 connections to a webhook (`setWebhook`'s max_connections) and sends an
update at once, so none of this touches it. The line about refused connections is one of those a
flood repeats: `bot.logs` writes such lines a few times a minute, with a count of the rest.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from starlette.requests import Request
from uvicorn.protocols.http.h11_impl import H11Protocol

log = logging.getLogger(__name__)
MAX_CONNECTIONS = 512  # systemd's LimitNOFILE (deploy/armswing.service) leaves room for the rest
HEADER_TIMEOUT = 10.0  # seconds
BODY_TIMEOUT = 10.0
KEEP_ALIVE = 30  # seconds an idle connection stays open (uvicorn's timeout_keep_alive)
MAX_HEADER_BYTES = 16 * 1024


class BodyTimeout(Exception):
    """The request's body did not arrive within BODY_TIMEOUT."""


def server_options() -> dict[str, Any]:
    """uvicorn.Config's options for these limits."""
    return {
        "http": BoundedH11Protocol,
        "limit_concurrency": MAX_CONNECTIONS,
        "timeout_keep_alive": KEEP_ALIVE,
        "h11_max_incomplete_event_size": MAX_HEADER_BYTES,
    }


class BoundedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol with a connection limit and a deadline for each request's headers."""

    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > MAX_CONNECTIONS:
            log.warning("refused a connection: %d are open, the limit is %d", len(self.connections), MAX_CONNECTIONS)
            transport.abort()
            return
        self._wait_for_headers()

    def data_received(self, data: bytes) -> None:
        cycle = self.cycle
        if (cycle is None or cycle.response_complete) and self._deadline is None:
            self._wait_for_headers()  # the next request on a kept-alive connection has begun
        super().data_received(data)
        if self.cycle is not cycle:  # a new request's headers are in
            self._stop_waiting()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_waiting()
        super().connection_lost(exc)

    def _wait_for_headers(self) -> None:
        self._stop_waiting()
        self._deadline = self.loop.call_later(HEADER_TIMEOUT, self._too_slow)

    def _stop_waiting(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            log.info("closed a connection whose request headers took over %.0f s", HEADER_TIMEOUT)
            self.transport.abort()


async def read_body(request: Request, limit: int) -> bytes | None:
    """The request's body, or None when it is longer than `limit` bytes; `BodyTimeout` if it
    takes longer than BODY_TIMEOUT."""
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            async for chunk in request.stream():
                body += chunk
                if len(body) > limit:
                    return None
    except TimeoutError:
        raise BodyTimeout from None
    return bytes(body)
