"""The agent's own HTTPS endpoint (the kubelet's port 10250): container logs for the API
server's pods/log proxy, plus the health endpoints and /metrics of kube/component's health
server (the process's registry).

/containerLogs/<ns>/<pod>/<container>?follow=true&tailLines=N streams the log as
text/plain; /exec, /attach (exec_server.py) and /portForward stream over upgrades. With a
client CA configured, one door in front of them all (and of /stats) decides who passes:
--authentication-token-webhook and --authorization-mode (server_authorization.py), by default
Webhook as the kubelet's; /healthz and /metrics need none.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CollectorRegistry

from kube.api.meta import Obj
from kube.component.health_server import add_health_routes
from kube.node.agent import NodeAgent
from kube.node.exec_server import add_exec_routes
from kube.node.port_forward_server import add_port_forward_routes
from kube.node.server_authorization import NodeServerAuthorizer

log = logging.getLogger("kube.node.logs")
PodLookup = Callable[[str, str], Obj | None]


def _status(code: int, reason: str, message: str) -> web.Response:
    body = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}
    return web.json_response(body, status=code)


def tls_context(cert_file: str, key_file: str, client_ca_file: str | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert_file, key_file)
    if client_ca_file:
        ctx.load_verify_locations(client_ca_file)
        ctx.verify_mode = ssl.CERT_OPTIONAL  # /healthz stays open; logs check the certificate below
    return ctx


def make_app(agents: dict[str, NodeAgent], find_pod: PodLookup, require_client_cert: bool, *,
             registry: CollectorRegistry, ready: Callable[[], bool] = lambda: True,
             door: NodeServerAuthorizer | None = None) -> web.Application:
    async def container_logs(request: web.Request) -> web.StreamResponse:
        ns, name, container = (request.match_info[k] for k in ("namespace", "pod", "container"))
        pod = find_pod(ns, name)
        agent = agents.get(str((pod or {}).get("spec", {}).get("nodeName", ""))) if pod else None
        if pod is None or agent is None:
            return _status(404, "NotFound", f'pod "{name}" not found on this node')
        follow = request.query.get("follow", "").lower() in ("true", "1")
        tail: int | None = None
        if request.query.get("tailLines"):
            try:
                tail = max(int(request.query["tailLines"]), 0)
            except ValueError:
                return _status(400, "BadRequest", f'invalid tailLines "{request.query["tailLines"]}"')
        response = web.StreamResponse(headers={"Content-Type": "text/plain; charset=utf-8"})
        started = False
        try:
            async for chunk in agent.runtime.logs(pod, container, follow, tail):
                if not started:
                    await response.prepare(request)
                    started = True
                await response.write(chunk)
        except LookupError as exc:
            if not started:
                return _status(400, "BadRequest", str(exc))
        except (ConnectionResetError, ConnectionError):
            return response
        if not started:
            await response.prepare(request)
        await response.write_eof()
        return response

    def pod_runtime(ns: str, name: str) -> tuple[Obj, object] | None:
        pod = find_pod(ns, name)
        agent = agents.get(str((pod or {}).get("spec", {}).get("nodeName", ""))) if pod else None
        return (pod, agent.runtime) if pod is not None and agent is not None else None

    def node_of(request: web.Request) -> str:
        """This node's name for an access review: the one agent's, else the pod's node or ?node=."""
        if len(agents) == 1:
            return next(iter(agents))
        ns, name = request.match_info.get("namespace"), request.match_info.get("pod")
        pod = find_pod(ns, name) if ns and name else None
        return str((pod or {}).get("spec", {}).get("nodeName", "")) if pod else request.query.get("node", "")

    door = door or NodeServerAuthorizer("APIServer", required=require_client_cert)  # no API client given
    app = web.Application(middlewares=[door.middleware(node_of)])
    add_health_routes(app, registry, ready=ready)
    app.router.add_get("/containerLogs/{namespace}/{pod}/{container}", container_logs)
    add_port_forward_routes(app, pod_runtime, registry=registry)
    add_exec_routes(app, pod_runtime)
    return app


async def serve(app: web.Application, host: str, port: int, tls: ssl.SSLContext | None) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)  # followers: cut
    await runner.setup()
    await web.TCPSite(runner, host, port, ssl_context=tls).start()
    log.info("serving %s on %s:%d", "https" if tls else "http", host, port)
    return runner
