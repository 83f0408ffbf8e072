"""`/stats/summary` on the node's server (the kubelet's port), for the API server's
metrics.k8s.io: the Summary of kube/node/stats_summary.py. Like /containerLogs it wants
the API server's client certificate when a client CA is configured (client_identity.py: any
other certificate, another node's included, is 403 on nodes/stats). One process may run
several agents (simulated nodes share a port), so `?node=NAME` picks one; without it the
only agent answers."""

from __future__ import annotations

import asyncio

from aiohttp import web

from kube.node.agent import NodeAgent
from kube.node.client_identity import refuse_unless_api_server


def _status(code: int, reason: str, message: str) -> web.Response:
    return web.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": message, "reason": reason, "code": code}, status=code)


def add_stats_routes(app: web.Application, agents: dict[str, NodeAgent], require_client_cert: bool) -> None:
    async def summary(request: web.Request) -> web.Response:
        refused = refuse_unless_api_server(request, require_client_cert)
        if refused is not None:
            return refused
        name = request.query.get("node", "")
        agent = agents.get(name) if name else (next(iter(agents.values())) if len(agents) == 1 else None)
        if agent is None:
            return _status(404, "NotFound", f'node "{name}" is not served here' if name else "name a node: ?node=")
        stats = agent.runtime.stats
        if stats is None:
            return _status(404, "NotFound", f"node {agent.name}: the {agent.runtime.name} runtime keeps no stats")
        return web.json_response(await asyncio.to_thread(stats.summary))

    app.router.add_get("/stats/summary", summary)
