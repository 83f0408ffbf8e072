"""`/stats/summary` on the node's server (the kubelet's port), for the API server's
metrics.k8s.io: the Summary of kube/node/stats_summary.py. It sits behind the same door as
/containerLogs (log_server.make_app's --authorization-mode, server_authorization.py): a caller
nothing grants nodes/stats, another node included, is 403. One process may run
several agents (simulated nodes share a port), so `?node=NAME` picks one; without it the
only agent answers."""

from __future__ import annotations

import asyncio

from aiohttp import web

from kube.node.agent import NodeAgent


def _status(code: int, reason: str, message: str) -> web.Response:
    return web.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": message, "reason": reason, "code": code}, status=code)


def add_stats_routes(app: web.Application, agents: dict[str, NodeAgent]) -> None:
    async def summary(request: web.Request) -> web.Response:
        name = request.query.get("node", "")
        agent = agents.get(name) if name else (next(iter(agents.values())) if len(agents) == 1 else None)
        if agent is None:
            return _status(404, "NotFound", f'node "{name}" is not served here' if name else "name a node: ?node=")
        stats = agent.runtime.stats
        if stats is None:
            return _status(404, "NotFound", f"node {agent.name}: the {agent.runtime.name} runtime keeps no stats")
        return web.json_response(await asyncio.to_thread(stats.summary))

    app.router.add_get("/stats/summary", summary)
