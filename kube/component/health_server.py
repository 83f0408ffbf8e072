"""The one health and metrics server every daemon runs (the shape of component-base's healthz + legacyregistry).

/livez says the process is alive, /readyz whether it can do its work now (a standby leader
candidate is alive but not ready), /healthz whether it is healthy: alive for most daemons, but
kube-proxy's answers 503 until its rules are synced and while they are stale, so a daemon may
give its own check. /metrics renders the process's one registry in the Prometheus text format
through prometheus-client, so no component writes exposition text itself.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

import kube.component.metrics  # noqa: F401  (Kubernetes' exposition: no *_created series)

Check = Callable[[], bool]


def _always() -> bool:
    return True


def add_health_routes(app: web.Application, registry: CollectorRegistry, *, ready: Check = _always,
                      healthy: Check = _always) -> None:
    """Add the four endpoints to an application that serves more (the node agent's log server)."""

    def answer(check: Check, failing: str) -> web.Response:
        return web.Response(text="ok") if check() else web.Response(text=failing, status=503)

    async def livez(_req: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def healthz(_req: web.Request) -> web.Response:
        return answer(healthy, "unhealthy")

    async def readyz(_req: web.Request) -> web.Response:
        return answer(ready, "not ready")

    async def metrics(_req: web.Request) -> web.Response:
        response = web.Response(body=generate_latest(registry))
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        return response

    app.router.add_get("/healthz", healthz)
    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)


def health_app(registry: CollectorRegistry, *, ready: Check = _always, healthy: Check = _always) -> web.Application:
    """The application behind serve_health, for callers that run it on their own runner."""
    app = web.Application()
    add_health_routes(app, registry, ready=ready, healthy=healthy)
    return app


async def serve_health(host: str, port: int, registry: CollectorRegistry, *, ready: Check = _always,
                       tls: ssl.SSLContext | None = None, healthy: Check = _always) -> web.AppRunner | None:
    """Serve the endpoints on host:port (HTTPS when given tls); port 0 turns them off.

    The caller owns the returned runner and calls `await runner.cleanup()` on shutdown.
    """
    if port == 0:
        return None
    runner = web.AppRunner(health_app(registry, ready=ready, healthy=healthy), access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port, ssl_context=tls).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
