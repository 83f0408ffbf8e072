"""/healthz and /metrics for the scheduler process (plain HTTP or TLS)."""

from __future__ import annotations

import ssl

from aiohttp import web

from kube.scheduler.scheduler import Scheduler


def app(sched: Scheduler, leading: callable = lambda: True) -> web.Application:
    async def healthz(_req: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def metrics(_req: web.Request) -> web.Response:
        text = sched.metrics.render() + f"leader_election_master_status{{name=\"kube-scheduler\"}} {int(leading())}\n"
        return web.Response(text=text, content_type="text/plain", charset="utf-8")

    application = web.Application()
    application.router.add_get("/healthz", healthz)
    application.router.add_get("/livez", healthz)
    application.router.add_get("/readyz", healthz)
    application.router.add_get("/metrics", metrics)
    return application


async def serve(application: web.Application, host: str, port: int,
                tls: ssl.SSLContext | None = None) -> web.AppRunner:
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port, ssl_context=tls).start()
    return runner
