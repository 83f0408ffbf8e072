"""The /healthz and /metrics endpoints every component process serves (plain HTTP)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web


async def serve_health(host: str, port: int, metrics: Callable[[], str],
                       healthy: Callable[[], bool] = lambda: True) -> web.AppRunner | None:
    """Start the endpoints on host:port (port 0 turns them off); the caller cleans up the runner."""
    if port == 0:
        return None

    async def healthz(_r: web.Request) -> web.Response:
        ok = healthy()
        return web.Response(text="ok" if ok else "not ready", status=200 if ok else 503)

    async def metrics_text(_r: web.Request) -> web.Response:
        return web.Response(text=metrics(), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_text)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
