"""pods/log: checked here, then proxied to the node agent that runs the pod (as the API
server proxies to the kubelet).

How the node is reached (address, TLS, the API server's client certificate) is
node_connection.py's, shared with the streaming subresources. The answer streams through
as text/plain, so `kubectl logs -f` follows.
"""

from __future__ import annotations

from urllib.parse import quote

import aiohttp
from aiohttp import web

from kube.api.errors import StatusError
from kube.api.meta import Obj
from kube.apiserver.config import ServerConfig
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import STATE, LogProxy, ServerState
from kube.apiserver.subresources.node_connection import NodeConnector, pick_container
from kube.apiserver.tls import ServingFiles


async def pod_log(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    pod = await state.objects.must_get(info.kind, info.namespace, info.name)
    container = pick_container(pod, request.query.get("container", ""))
    return await state.log_proxy(request, pod, container)


def node_log_proxy(config: ServerConfig, files: ServingFiles) -> LogProxy:
    nodes = NodeConnector(config, files)

    async def proxy(request: web.Request, pod: Obj, container: str) -> web.StreamResponse:
        node_name = str(pod["spec"]["nodeName"])
        host, port = await nodes.address(request.app[STATE], node_name, "container logs")
        tls = nodes.tls()
        meta = pod.get("metadata") or {}
        params = {k: request.query[k] for k in ("follow", "tailLines") if request.query.get(k)}
        url = (f"https://{host}:{port}/containerLogs/{quote(str(meta.get('namespace')), safe='')}/"
               f"{quote(str(meta.get('name')), safe='')}/{quote(container, safe='')}")
        session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        try:
            upstream = await session.get(url, params=params, ssl=tls)
        except (aiohttp.ClientError, OSError) as exc:
            await session.close()
            raise StatusError(500, "InternalError",
                              f"Get \"{url}\": cannot reach the node agent of {node_name}: {exc}") from None
        try:
            if upstream.status != 200:
                text = await upstream.text()
                message = text
                if upstream.content_type == "application/json":
                    message = str((await upstream.json()).get("message", text))
                raise StatusError(upstream.status if upstream.status < 500 else 500,
                                  "BadRequest" if upstream.status == 400 else "InternalError", message)
            response = web.StreamResponse(headers={"Content-Type": "text/plain"})
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_any():
                    await response.write(chunk)
            except (aiohttp.ClientError, ConnectionError):
                pass
            await response.write_eof()
            return response
        finally:
            upstream.release()
            await session.close()

    return proxy
