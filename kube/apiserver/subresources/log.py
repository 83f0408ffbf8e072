"""pods/log: checked here, then proxied to the node agent that runs the pod (as the API
server proxies to the kubelet).

The node's address is its InternalIP, the port its status.daemonEndpoints.kubeletEndpoint.Port;
the agent's serving certificate is checked against the cluster CA and the API server
presents a client certificate from that CA (issued once under --cert-dir), so only
the API server reads container logs. The answer streams through as text/plain,
so `kubectl logs -f` follows.
"""

from __future__ import annotations

import os
import ssl
from urllib.parse import quote

import aiohttp
from aiohttp import web

from kube.api.errors import StatusError, bad_request
from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.apiserver.config import ServerConfig
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import STATE, LogProxy, ServerState
from kube.apiserver.tls import ServingFiles

NODE = by_gvk("", "v1", "Node")
CLIENT_CN = "kube-apiserver-kubelet-client"


async def pod_log(request: web.Request, state: ServerState, info: RequestInfo) -> web.StreamResponse:
    pod = await state.objects.must_get(info.kind, info.namespace, info.name)
    spec = pod.get("spec") or {}
    names = [c.get("name") for c in spec.get("containers") or [] if isinstance(c, dict)]
    names += [c.get("name") for c in spec.get("initContainers") or [] if isinstance(c, dict)]
    container = request.query.get("container", "")
    if not container:
        if len(spec.get("containers") or []) != 1:
            raise bad_request(f"a container name must be specified for pod {info.name}, choose one of: "
                              f"[{' '.join(str(n) for n in names)}]")
        container = str(names[0])
    elif container not in names:
        raise bad_request(f"container {container} is not valid for pod {info.name}")
    if not spec.get("nodeName"):
        raise bad_request(f"pod {info.name} does not have a host assigned")
    return await state.log_proxy(request, pod, container)


def _client_tls(config: ServerConfig, files: ServingFiles) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=files.client_ca or None)
    ctx.check_hostname = False  # nodes are addressed by IP; the CA check is what matters
    if config.cert_dir:
        from kube.apiserver.auth.pki import PkiPaths, issue_client_cert

        pki = PkiPaths.in_dir(config.cert_dir)
        cert, key = (os.path.join(config.cert_dir, f"{CLIENT_CN}.{ext}") for ext in ("crt", "key"))
        if os.path.exists(pki.ca_key) and not (os.path.exists(cert) and os.path.exists(key)):
            issue_client_cert(pki, CLIENT_CN, ["system:masters"], cert, key)
        if os.path.exists(cert) and os.path.exists(key):
            ctx.load_cert_chain(cert, key)
    return ctx


def _endpoint(node: Obj) -> tuple[str, int]:
    status = node.get("status") or {}
    port = int((((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")) or 0)
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or [] if isinstance(a, dict)}
    return str(addresses.get("InternalIP") or addresses.get("Hostname") or ""), port


def node_log_proxy(config: ServerConfig, files: ServingFiles) -> LogProxy:
    tls: ssl.SSLContext | None = None

    async def proxy(request: web.Request, pod: Obj, container: str) -> web.StreamResponse:
        nonlocal tls
        node_name = str(pod["spec"]["nodeName"])
        node = await _get_node(request, node_name)
        host, port = _endpoint(node)
        if not port or not host:
            raise bad_request(f'node "{node_name}" serves no container logs (no kubelet endpoint)')
        if tls is None:
            tls = _client_tls(config, files)
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

    async def _get_node(request: web.Request, name: str) -> Obj:
        return await request.app[STATE].objects.must_get(NODE, "", name)

    return proxy
