"""Who may call the node's server: only the API server, by its client certificate (CN
kube-apiserver-kubelet-client, the identity apiserver/subresources/node_connection.py presents).

Any other certificate of the cluster CA, a node's included, is refused 403 as the kubelet's
authorizer words it (/stats is nodes/stats, /logs/ nodes/log, everything else, container logs,
exec, attach and port-forward included, nodes/proxy); no certificate is 401. The health
endpoints and /metrics do not ask.
"""

from __future__ import annotations

from aiohttp import web

API_SERVER_CN = "kube-apiserver-kubelet-client"


def _status(code: int, reason: str, message: str) -> web.Response:
    return web.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": message, "reason": reason, "code": code}, status=code)


def subject(peercert: dict | None) -> tuple[str, list[str]]:
    """(CN, [O...]) of a peer certificate as ssl reports it."""
    cn, orgs = "", []
    for rdn in (peercert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                cn = value
            elif key == "organizationName":
                orgs.append(value)
    return cn, orgs


def node_subresource(path: str) -> str:
    """The nodes/<subresource> a path of the node's server is, as the kubelet's auth.go maps it."""
    for prefix, subresource in (("/stats", "stats"), ("/metrics", "metrics"), ("/logs/", "log")):
        if path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/"):
            return subresource
    return "proxy"


def verb_of(method: str) -> str:
    """The kubelet's verb for an HTTP method (a GET exec or port-forward upgrade is `get`)."""
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, "get")


def forbidden(user: str, verb: str, subresource: str) -> web.Response:
    """The kubelet's refusal, in a Status."""
    return _status(403, "Forbidden", f"Forbidden (user={user or '<no CN>'}, verb={verb}, resource=nodes, "
                   f"subresource={subresource})")


def refuse_unless_api_server(request: web.Request, required: bool) -> web.Response | None:
    """None when the caller is the API server (or no client CA is configured), else the refusal."""
    if not required:
        return None
    peercert = request.transport.get_extra_info("peercert") if request.transport else None
    if not peercert:
        return _status(401, "Unauthorized", "a client certificate signed by the cluster CA is required")
    cn, _ = subject(peercert)
    if cn != API_SERVER_CN:
        return forbidden(cn, verb_of(request.method), node_subresource(request.path))
    return None
