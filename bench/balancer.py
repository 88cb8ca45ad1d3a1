"""A round-robin HTTP balancer for `bench/load.py`'s scale-out runs: what Caddy or nginx does in
front of several webhook replicas, in a few lines of aiohttp, as a process of its own.

    python bench/balancer.py PORT http://127.0.0.1:8081 http://127.0.0.1:8082 ...

Every request goes to the next backend in turn, with its method, path, headers (the webhook's
secret token too) and body; the backend's status and body come back. A backend that cannot be
reached gets the request's turn passed to the next one; when none answers, 502.
"""

from __future__ import annotations

import itertools
import sys

import aiohttp
from aiohttp import web

HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "host", "content-length"})


def balancer(backends: list[str]) -> web.Application:
    turns = itertools.cycle(backends)
    app = web.Application()

    async def open_session(app: web.Application) -> None:
        app["session"] = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), auto_decompress=False)

    async def close_session(app: web.Application) -> None:
        await app["session"].close()

    async def forward(request: web.Request) -> web.Response:
        body = await request.read()
        headers = {name: value for name, value in request.headers.items() if name.lower() not in HOP_BY_HOP}
        for _ in backends:
            try:
                async with app["session"].request(
                    request.method, next(turns) + request.path_qs, headers=headers, data=body
                ) as answer:
                    return web.Response(status=answer.status, body=await answer.read())
            except aiohttp.ClientConnectionError:
                continue
        return web.Response(status=502)

    app.on_startup.append(open_session)
    app.on_cleanup.append(close_session)
    app.router.add_route("*", "/{path:.*}", forward)
    return app


if __name__ == "__main__":
    web.run_app(balancer(sys.argv[2:]), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)
