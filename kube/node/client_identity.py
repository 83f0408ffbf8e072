"""Who a caller of the node's server is, and what it asks for, in the kubelet's terms: the API
server by its client certificate (CN kube-apiserver-kubelet-client, the identity
apiserver/subresources/node_connection.py presents), anyone else by the CN and O of theirs or a
bearer token (token_authentication.py). The path is nodes/<subresources>, as the kubelet's
auth.go maps it with fine-grained authorization: /stats is [stats], /metrics [metrics], /logs/
[log], /pods [pods proxy], /configz [configz proxy], everything else [proxy] (container logs,
exec, attach, run and port-forward included); any one allowed lets the request on. The refusal
is the kubelet's 403 wording. What passes is server_authorization.py's to decide.
"""

from __future__ import annotations

from aiohttp import web

API_SERVER_CN = "kube-apiserver-kubelet-client"


def status(code: int, reason: str, message: str) -> web.Response:
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


def node_subresources(path: str) -> tuple[str, ...]:
    """The nodes/<subresource>s a path of the node's server is, in the order the kubelet asks."""
    def under(prefix: str) -> bool:
        return path == prefix or path.startswith(prefix + "/")

    for prefix, subresources in (("/stats", ("stats",)), ("/metrics", ("metrics",)), ("/logs", ("log",)),
                                 ("/checkpoint", ("checkpoint",)), ("/pods", ("pods", "proxy")),
                                 ("/runningpods", ("pods", "proxy")), ("/configz", ("configz", "proxy"))):
        if under(prefix):
            return subresources
    return ("proxy",)


def verb_of(method: str) -> str:
    """The kubelet's verb for an HTTP method (a GET exec or port-forward upgrade is `get`)."""
    return {"POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}.get(method, "get")


def forbidden(user: str, verb: str, subresources: tuple[str, ...]) -> web.Response:
    """The kubelet's refusal (its Go `%v` of the subresources list), in a Status."""
    return status(403, "Forbidden", f"Forbidden (user={user or '<no CN>'}, verb={verb}, resource=nodes, "
                   f"subresource(s)=[{' '.join(subresources)}])")
