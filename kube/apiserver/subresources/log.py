"""pods/log: checked here, streamed by the node agent's log endpoint (a later issue plugs
the proxy in as ServerState.log_proxy). Until then a clear 400 says why there is no log."""

from __future__ import annotations

from aiohttp import web

from kube.api.errors import bad_request
from kube.apiserver.handlers.request_info import RequestInfo
from kube.apiserver.state import ServerState


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
    if state.log_proxy is None:
        raise bad_request(f'container "{container}" in pod "{info.name}" has no log available: the node agent '
                          f"of {spec['nodeName']} serves no logs in this build")
    return await state.log_proxy(request, pod, container)
