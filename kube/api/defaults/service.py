"""core/v1 Service and Endpoints defaults (SetDefaults_Service plus the registry's IP family fill-in)."""

from __future__ import annotations

from typing import Any

from kube.api.defaults.setters import child_dict, default_pointer, default_string, dict_items

_EXTERNAL_TYPES = ("NodePort", "LoadBalancer")


def default_service(service: dict[str, Any]) -> None:
    spec = child_dict(service, "spec")
    if spec is None:
        return
    default_string(spec, "sessionAffinity", "None")
    default_string(spec, "type", "ClusterIP")
    if spec.get("sessionAffinity") == "ClientIP":
        config = child_dict(spec, "sessionAffinityConfig", create=True)
        client_ip = child_dict(config, "clientIP", create=True) if config is not None else None
        if client_ip is not None:
            default_pointer(client_ip, "timeoutSeconds", 10800)
    for port in dict_items(spec, "ports"):
        default_string(port, "protocol", "TCP")
        if port.get("targetPort") in (None, 0, "") and isinstance(port.get("port"), int):
            port["targetPort"] = port["port"]
    kind = spec.get("type")
    if kind in _EXTERNAL_TYPES:
        default_string(spec, "externalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        default_pointer(spec, "allocateLoadBalancerNodePorts", True)
    if kind != "ExternalName":
        default_string(spec, "internalTrafficPolicy", "Cluster")
        default_pointer(spec, "ipFamilies", ["IPv4"])
        default_string(spec, "ipFamilyPolicy", "SingleStack")


def default_endpoints(endpoints: dict[str, Any]) -> None:
    for subset in dict_items(endpoints, "subsets"):
        for port in dict_items(subset, "ports"):
            default_string(port, "protocol", "TCP")
