"""PTB's HTTP layer on aiohttp, and the choice between it and PTB's own `HTTPXRequest`.

A Bot API call through `HTTPXRequest` costs the bot about three times the CPU of the same call
through aiohttp (httpx, httpcore, h11 and anyio were 42 % of the process's CPU), and httpcore
checks every pooled connection on every request, so its pool must stay small. `AiohttpRequest`
implements PTB's `BaseRequest`: PTB's `BaseRequest` turns HTTP statuses into `RetryAfter`,
`Forbidden`, `BadRequest`, `InvalidToken`, `Conflict` and `NetworkError`, as for `HTTPXRequest`;
here transport failures become `TimedOut` and `NetworkError` the way `HTTPXRequest` maps
httpx's. Timeouts mean what PTB's parameters say:

* `pool_timeout`: waiting for one of the `connection_pool_size` connections (a semaphore, so
  "the pool is full" is its own `TimedOut`, as with httpx);
* `connect_timeout`: opening a connection; `read_timeout`: waiting for data of the answer;
* `write_timeout`: aiohttp has no timeout for sending alone, so the whole call is bounded by
  connect + write + read (a peer that stops reading an upload still ends in `TimedOut`).

Proxies: an `http://` proxy URL, or the environment's `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` as
httpx reads them, looked up once per host (aiohttp's own `trust_env` looks them up, and parses
`~/.netrc`, on a worker thread for every call: a sixth of the bot's CPU under load). Bodies are
urlencoded here as well: aiohttp makes a multipart writer (and a uuid4) for every dict body.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode, urlsplit
from urllib.request import getproxies_environment, proxy_bypass_environment  # type: ignore[attr-defined]  # in the module, not in typeshed

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, HTTPXRequest, RequestData

CLIENTS = ("aiohttp", "httpx")
HEADERS = {"User-Agent": BaseRequest.USER_AGENT}
FORM_HEADERS = HEADERS | {"Content-Type": "application/x-www-form-urlencoded"}
POOL_TIMEOUT_MESSAGE = (
    "Pool timeout: All connections in the connection pool are occupied. Request was *not* sent to Telegram. "
    "Consider adjusting the connection pool size or the pool timeout."
)


class AiohttpRequest(BaseRequest):
    """`BaseRequest` on one `aiohttp.ClientSession`; the defaults are `HTTPXRequest`'s."""

    __slots__ = (
        "_connect",
        "_media_write",
        "_pool",
        "_pool_size",
        "_pool_wait",
        "_proxies",
        "_proxy",
        "_read",
        "_session",
        "_write",
    )

    def __init__(
        self,
        connection_pool_size: int = 256,
        read_timeout: float | None = 5.0,
        write_timeout: float | None = 5.0,
        connect_timeout: float | None = 5.0,
        pool_timeout: float | None = 1.0,
        proxy: str | None = None,
        media_write_timeout: float | None = 20.0,
    ):
        if proxy is not None and not proxy.startswith(("http://", "https://")):
            raise ValueError("AiohttpRequest supports http:// and https:// proxies only")
        self._pool_size = connection_pool_size
        self._read, self._write, self._connect = read_timeout, write_timeout, connect_timeout
        self._pool_wait, self._media_write = pool_timeout, media_write_timeout
        self._proxy = proxy
        self._proxies: dict[str, str | None] = {}  # "scheme://host:port" -> the environment's proxy for it
        self._session: aiohttp.ClientSession | None = None
        self._pool: asyncio.Semaphore | None = None

    @property
    def read_timeout(self) -> float | None:
        return self._read

    async def initialize(self) -> None:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, limit_per_host=0, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(connector=connector)  # proxies: see `_proxy_for`
            self._pool = asyncio.Semaphore(self._pool_size)

    async def shutdown(self) -> None:
        if self._session is not None and not self._session.closed:
            await self._session.close()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        session, pool = self._session, self._pool
        if session is None or session.closed or pool is None:
            raise RuntimeError("This AiohttpRequest is not initialized!")
        files = request_data.multipart_data if request_data else None
        read = self._read if isinstance(read_timeout, DefaultValue) else read_timeout
        connect = self._connect if isinstance(connect_timeout, DefaultValue) else connect_timeout
        wait = self._pool_wait if isinstance(pool_timeout, DefaultValue) else pool_timeout
        if isinstance(write_timeout, DefaultValue):
            write = self._media_write if files else self._write
        else:
            write = write_timeout
        parts = (connect, write, read)
        total = None if any(part is None for part in parts) else sum(parts)  # type: ignore[arg-type]
        timeout = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        if pool.locked():  # every connection busy: wait for one, up to `pool_timeout`
            try:
                async with asyncio.timeout(wait):
                    await pool.acquire()
            except TimeoutError as error:
                raise TimedOut(POOL_TIMEOUT_MESSAGE) from error
        else:  # a free one, taken at once: no timer to arm and cancel (a call's share of CPU)
            await pool.acquire()
        try:
            async with session.request(
                method,
                url,
                data=_body(request_data, files),
                headers=HEADERS if files else FORM_HEADERS,
                timeout=timeout,
                proxy=self._proxy_for(url),
            ) as response:
                return response.status, await response.read()
        except TimeoutError as error:  # aiohttp's connect and read timeouts are TimeoutErrors too
            raise TimedOut from error
        except aiohttp.ClientError as error:
            raise NetworkError(f"aiohttp.{error.__class__.__name__}: {error}") from error
        finally:
            pool.release()

    def _proxy_for(self, url: str) -> str | None:
        """The explicit proxy, else the environment's for the URL's origin (None: go direct)."""
        if self._proxy is not None:
            return self._proxy
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._proxies:
            bypass = proxy_bypass_environment(parts.hostname or "")
            self._proxies[origin] = None if bypass else getproxies_environment().get(parts.scheme)
        return self._proxies[origin]


def _body(request_data: RequestData | None, files: dict[str, Any] | None) -> Any:
    """Form fields urlencoded, or multipart with the files (what `HTTPXRequest` sends too)."""
    if request_data is None:
        return None
    if not files:
        return urlencode(request_data.json_parameters).encode()
    form = aiohttp.FormData(quote_fields=False)
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, part in files.items():
        if isinstance(part, tuple):
            filename, content, *content_type = part
            form.add_field(name, content, filename=filename, content_type=content_type[0] if content_type else None)
        else:
            form.add_field(name, part)
    return form


def make_request(client: str, **options: Any) -> BaseRequest:
    """The request object of the HTTP client `client` ("aiohttp" or "httpx"), with PTB's options."""
    if client == "httpx":
        return HTTPXRequest(**options)
    if client == "aiohttp":
        return AiohttpRequest(**options)
    raise ValueError(f"unknown HTTP client {client!r}: {' or '.join(CLIENTS)}")
