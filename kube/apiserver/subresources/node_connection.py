"""How the API server reaches a node's server (the kubelet's port): for pods/log and the streaming
subresources (exec, attach, portforward) alike.

The node's address is its InternalIP (else Hostname), the port its
status.daemonEndpoints.kubeletEndpoint.Port. The node's serving certificate is checked
against --kubelet-certificate-authority (default the cluster CA; not its name: nodes are
addressed by IP) and the API server presents --kubelet-client-certificate, else its own client
certificate, CN kube-apiserver-kubelet-client, issued once under --cert-dir.
The node's server asks about that identity by a SubjectAccessReview like any caller's, and RBAC
allows it (bootstrap_policy.yaml binds system:kubelet-api-admin to it), as a kubelet in Webhook mode.
"""

from __future__ import annotations

import os
import ssl

from kube.api.errors import bad_request
from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.apiserver.config import ServerConfig
from kube.apiserver.state import ServerState
from kube.apiserver.tls import ServingFiles

NODE = by_gvk("", "v1", "Node")
CLIENT_CN = "kube-apiserver-kubelet-client"
CLIENT_GROUPS = ["system:masters"]


def client_tls(config: ServerConfig, files: ServingFiles) -> ssl.SSLContext:
    ca = config.kubelet_certificate_authority or files.client_ca
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca or None)
    ctx.check_hostname = False  # nodes are addressed by IP; the CA check is what matters
    if config.kubelet_client_certificate:
        ctx.load_cert_chain(config.kubelet_client_certificate, config.kubelet_client_key)
    elif config.cert_dir:
        from kube.apiserver.auth.pki import PkiPaths, issue_client_cert

        pki = PkiPaths.in_dir(config.cert_dir)
        cert, key = (os.path.join(config.cert_dir, f"{CLIENT_CN}.{ext}") for ext in ("crt", "key"))
        if os.path.exists(pki.ca_key) and not (os.path.exists(cert) and os.path.exists(key)):
            issue_client_cert(pki, CLIENT_CN, CLIENT_GROUPS, cert, key)
        if os.path.exists(cert) and os.path.exists(key):
            ctx.load_cert_chain(cert, key)
    return ctx


def endpoint(node: Obj) -> tuple[str, int]:
    status = node.get("status") or {}
    port = int((((status.get("daemonEndpoints") or {}).get("kubeletEndpoint") or {}).get("Port")) or 0)
    addresses = {a.get("type"): a.get("address") for a in status.get("addresses") or [] if isinstance(a, dict)}
    return str(addresses.get("InternalIP") or addresses.get("Hostname") or ""), port


class NodeConnector:
    """The node address and TLS rules, with the client context built once, at first use."""

    def __init__(self, config: ServerConfig, files: ServingFiles) -> None:
        self.config, self.files = config, files
        self._tls: ssl.SSLContext | None = None

    def tls(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = client_tls(self.config, self.files)
        return self._tls

    async def address(self, state: ServerState, node_name: str, what: str) -> tuple[str, int]:
        """(host, port) of node_name's server; 400 when the node publishes none."""
        host, port = endpoint(await state.objects.must_get(NODE, "", node_name))
        if not port or not host:
            raise bad_request(f'node "{node_name}" serves no {what} (no kubelet endpoint)')
        return host, port


def pick_container(pod: Obj, requested: str) -> str:
    """The container a log or stream request addresses, checked as the API server's pod strategy does:
    the only one when none is named, else one of the pod's; and the pod must be on a node."""
    spec = pod.get("spec") or {}
    name = str((pod.get("metadata") or {}).get("name", ""))
    names = [str(c.get("name")) for key in ("containers", "initContainers", "ephemeralContainers")
             for c in spec.get(key) or [] if isinstance(c, dict)]
    if not requested:
        if len(spec.get("containers") or []) != 1:
            raise bad_request(f"a container name must be specified for pod {name}, choose one of: "
                              f"[{' '.join(names)}]")
        requested = names[0]
    elif requested not in names:
        raise bad_request(f"container {requested} is not valid for pod {name}")
    if not spec.get("nodeName"):
        raise bad_request(f"pod {name} does not have a host assigned")
    return requested
