"""The one health and metrics server every daemon runs (the shape of component-base's healthz + legacyregistry).

/healthz and /livez say the process is alive, /readyz whether it can do its work now (a standby
leader candidate is alive but not ready), and /metrics renders the process's one registry in the
Prometheus text format through prometheus-client, so no component writes exposition text itself.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

import kube.component.metrics  # noqa: F401  (Kubernetes' exposition: no *_created series)


def health_app(registry: CollectorRegistry, *, ready: Callable[[], bool] = lambda: True) -> web.Application:
    """The aiohttp application behind serve_health, for callers that mount it on their own runner."""

    async def alive(_req: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_req: web.Request) -> web.Response:
        if ready():
            return web.Response(text="ok")
        return web.Response(text="not ready", status=503)

    async def metrics(_req: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app = web.Application()
    app.router.add_get("/healthz", alive)
    app.router.add_get("/livez", alive)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app


async def serve_health(host: str, port: int, registry: CollectorRegistry, *,
                       ready: Callable[[], bool] = lambda: True,
                       tls: ssl.SSLContext | None = None) -> web.AppRunner | None:
    """Serve the endpoints on host:port (HTTPS when given tls); port 0 turns them off.

    The caller owns the returned runner and calls `await runner.cleanup()` on shutdown.
    """
    if port == 0:
        return None
    runner = web.AppRunner(health_app(registry, ready=ready), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, ssl_context=tls).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
