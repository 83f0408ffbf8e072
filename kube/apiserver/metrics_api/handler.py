"""GET /apis/metrics.k8s.io/v1beta1/nodes[/NAME] and [namespaces/NS/]pods[/NAME]: NodeMetrics
and PodMetrics built from the nodes' Summaries, in metrics-server's shape (usage.cpu in
nanocores `n`, usage.memory in `Ki`, `timestamp` and `window` of the CPU measurement).
Only the nodes needed are asked: all for nodes, those running the selected pods for pods.
Authorization is the API's own (verb get/list on nodes or pods in group metrics.k8s.io);
label selectors filter as on any list; every failure is a Status."""

from __future__ import annotations

from aiohttp import web

from kube.api import labels
from kube.api.errors import StatusError, bad_request, method_not_allowed, not_found
from kube.api.meta import Obj, now_rfc3339
from kube.api.registry import resolve
from kube.apiserver.auth import UserInfo
from kube.apiserver.handlers.encoding import json_response
from kube.apiserver.metrics_api.discovery import GROUP, GROUP_VERSION, PREFIX
from kube.apiserver.rbac import gate
from kube.apiserver.rbac.rules import Request
from kube.apiserver.state import ServerState

NODE, POD = resolve("nodes"), resolve("pods")


def _usage(stats: Obj) -> Obj:
    cpu, memory = stats.get("cpu") or {}, stats.get("memory") or {}
    return {"cpu": f"{int(cpu.get('usageNanoCores') or 0)}n",
            "memory": f"{int(memory.get('workingSetBytes') or 0) // 1024}Ki"}


def _window(stats: Obj) -> str:
    return f"{float((stats.get('cpu') or {}).get('windowSeconds') or 0):.3f}s"


def _meta(obj: Obj) -> Obj:
    meta = obj.get("metadata") or {}
    out: Obj = {"name": meta.get("name", "")}  # ObjectMeta's order: name, namespace, creationTimestamp, labels
    if meta.get("namespace"):
        out["namespace"] = meta["namespace"]
    out["creationTimestamp"] = now_rfc3339()
    if meta.get("labels"):
        out["labels"] = dict(meta["labels"])
    return out


def node_metrics(node: Obj, summary: Obj) -> Obj:
    stats = summary.get("node") or {}
    return {"kind": "NodeMetrics", "apiVersion": GROUP_VERSION, "metadata": _meta(node),
            "timestamp": (stats.get("cpu") or {}).get("time") or now_rfc3339(), "window": _window(stats),
            "usage": _usage(stats)}


def pod_metrics(pod: Obj, stats: Obj) -> Obj:
    containers = [{"name": c.get("name", ""), "usage": _usage(c)} for c in stats.get("containers") or []]
    return {"kind": "PodMetrics", "apiVersion": GROUP_VERSION, "metadata": _meta(pod),
            "timestamp": (stats.get("cpu") or {}).get("time") or now_rfc3339(), "window": _window(stats),
            "containers": containers}


def _parse(path: str) -> tuple[str, str, str]:
    """(resource, namespace, name) of a metrics path, or a 404 Status."""
    parts = [p for p in path[len(PREFIX):].split("/") if p]
    namespace = ""
    if len(parts) >= 2 and parts[0] == "namespaces":
        namespace, parts = parts[1], parts[2:]
    if not parts or len(parts) > 2 or parts[0] not in ("nodes", "pods") or (namespace and parts[0] == "nodes"):
        raise StatusError(404, "NotFound", f"the server could not find the requested resource (path {path})")
    return parts[0], namespace, parts[1] if len(parts) == 2 else ""


def _selector(request: web.Request) -> labels.Selector:
    try:
        return labels.parse(request.query.get("labelSelector", ""))
    except labels.SelectorError as exc:
        raise bad_request(f"unable to parse requirement: {exc}") from None


async def serve(request: web.Request, state: ServerState, path: str, user: UserInfo | None) -> web.StreamResponse:
    if request.method not in ("GET", "HEAD"):
        raise method_not_allowed(f"the server does not allow this method on the requested resource "
                                 f"({request.method} {path})")
    resource, namespace, name = _parse(path)
    verb = "get" if name else "list"
    if user is not None:
        gate.check(state, user, Request(verb, resource, "", namespace, GROUP, name))
    if state.node_stats is None:
        raise StatusError(503, "ServiceUnavailable", "the metrics API has no node connection configured")
    selector = _selector(request)
    nodes = {str(n["metadata"]["name"]): n for n in state.cache.caches[NODE].objects.values()}
    if resource == "nodes":
        wanted = [n for n in nodes.values() if (not name or n["metadata"]["name"] == name)
                  and selector.matches(n["metadata"].get("labels"))]
        summaries = await state.node_stats(wanted)
        items = [node_metrics(n, summaries[n["metadata"]["name"]]) for n in wanted
                 if n["metadata"]["name"] in summaries]
        if name:
            if not items:
                raise not_found("nodes", name, GROUP)
            return json_response(items[0])
        return json_response({"kind": "NodeMetricsList", "apiVersion": GROUP_VERSION, "metadata": {}, "items": items})
    pods = [p for p in state.cache.caches[POD].objects.values()
            if (not namespace or p["metadata"].get("namespace") == namespace)
            and (not name or p["metadata"]["name"] == name) and selector.matches(p["metadata"].get("labels"))
            and (p.get("status") or {}).get("phase") == "Running" and (p.get("spec") or {}).get("nodeName")]
    hosting = sorted({str(p["spec"]["nodeName"]) for p in pods})
    summaries = await state.node_stats([nodes[n] for n in hosting if n in nodes])
    by_uid = {str((s.get("podRef") or {}).get("uid", "")): s for summary in summaries.values()
              for s in summary.get("pods") or []}
    items = [pod_metrics(p, by_uid[p["metadata"]["uid"]]) for p in sorted(
        pods, key=lambda p: (p["metadata"].get("namespace", ""), p["metadata"]["name"]))
        if p["metadata"].get("uid") in by_uid]
    if name:
        if not items:
            raise not_found("pods", name, GROUP)
        return json_response(items[0])
    return json_response({"kind": "PodMetricsList", "apiVersion": GROUP_VERSION, "metadata": {}, "items": items})
