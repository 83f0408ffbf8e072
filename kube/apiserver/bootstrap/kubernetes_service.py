"""The `kubernetes` Service in `default`: how pods (and the service proxy) find the API.

As Kubernetes' "master endpoint reconciler": the Service gets the first usable
IP of --service-cluster-ip-range (the allocator reserves it) and port 443 ->
the secure port; its Endpoints list every API server's advertised address, so
each server adds itself and leaves the others' addresses in place.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.apiserver.state import ServerState
from kube.apiserver.storage.write_path import update_object

NAME, NAMESPACE = "kubernetes", "default"
LABELS = {"component": "apiserver", "provider": "kubernetes"}


def advertise_address(bind_address: str) -> str:
    """The address others reach this server at: the bind address, or this host's own when bound to all."""
    if bind_address not in ("", "0.0.0.0", "::"):
        return bind_address
    try:  # resolved locally (/etc/hosts), no traffic
        found = socket.gethostbyname(socket.gethostname())
        if not ipaddress.ip_address(found).is_unspecified:
            return found
    except (OSError, ValueError):
        pass
    return "127.0.0.1"


def service_object(secure_port: int) -> Obj:
    return {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": dict(LABELS)},
        "spec": {"type": "ClusterIP", "sessionAffinity": "None",
                 "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": secure_port}]},
    }


def endpoints_subsets(old: list[Any] | None, address: str, secure_port: int) -> list[dict[str, Any]]:
    """The subsets with this server's address added (others' kept) and the port set to ours."""
    ips: list[str] = []
    for subset in old or []:
        for entry in (subset or {}).get("addresses") or [] if isinstance(subset, dict) else []:
            ip = entry.get("ip") if isinstance(entry, dict) else None
            if isinstance(ip, str) and ip not in ips:
                ips.append(ip)
    if address not in ips:
        ips.append(address)
    return [{"addresses": [{"ip": ip} for ip in sorted(ips)],
             "ports": [{"name": "https", "port": secure_port, "protocol": "TCP"}]}]


async def ensure_kubernetes_service(state: ServerState) -> None:
    """Create the Service when missing and add this server to its Endpoints; harmless on every restart."""
    service_kind, endpoints_kind = by_gvk("", "v1", "Service"), by_gvk("", "v1", "Endpoints")
    assert service_kind is not None and endpoints_kind is not None
    port = state.config.secure_port
    desired = service_object(port)

    def with_our_port(current: Obj | None) -> Obj:
        if current is None:
            return desired
        current.setdefault("spec", {})["ports"] = desired["spec"]["ports"]  # the port may change on restart
        return current

    await update_object(state, service_kind, NAMESPACE, NAME, with_our_port, allow_create=True)
    address = advertise_address(state.config.bind_address)

    def with_this_server(current: Obj | None) -> Obj:
        obj = current or {"apiVersion": "v1", "kind": "Endpoints",
                          "metadata": {"name": NAME, "namespace": NAMESPACE, "labels": dict(LABELS)}}
        obj["subsets"] = endpoints_subsets(obj.get("subsets"), address, port)
        return obj

    await update_object(state, endpoints_kind, NAMESPACE, NAME, with_this_server, allow_create=True)
