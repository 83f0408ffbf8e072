"""core/v1 Service and Endpoints validation."""

from __future__ import annotations

import ipaddress
from typing import Any

from kube.api.errors import duplicate, forbidden, invalid, not_supported, required
from kube.api.validation.field_types import (
    Errors,
    child,
    dict_elements,
    get_dict,
    get_int,
    get_list,
    get_str,
    string_map,
)
from kube.api.validation.names import (
    dns1035_label_problems,
    dns1123_label_problems,
    dns1123_subdomain_problems,
    wrap,
)
from kube.api.validation.object_meta import validate_labels, validate_object_meta
from kube.api.validation.probes import validate_port_number_or_name

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
AFFINITIES = ["ClientIP", "None"]
TRAFFIC_POLICIES = ["Cluster", "Local"]
IP_FAMILY_POLICIES = ["SingleStack", "PreferDualStack", "RequireDualStack"]
IP_FAMILIES = ["IPv4", "IPv6"]
_IP_HINT = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"


def is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def validate_service(service: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(service, namespaced=True, name_check=dns1035_label_problems)
    spec = get_dict(service, "spec", "", errs, must=True)
    if spec is not None:
        errs += _spec(spec)
    if old is not None:
        errs += _cluster_ip_immutable(service, old)
    return errs


def _spec(spec: dict[str, Any]) -> Errors:
    errs: Errors = []
    kind = get_str(spec, "type", "spec", errs) or "ClusterIP"
    if kind not in SERVICE_TYPES:
        errs.append(not_supported("spec.type", kind, SERVICE_TYPES))
    cluster_ip = get_str(spec, "clusterIP", "spec", errs)
    headless = cluster_ip == "None"
    if cluster_ip and not headless and not is_ip(cluster_ip):
        errs.append(invalid("spec.clusterIP", cluster_ip, _IP_HINT))
    for i, ip in enumerate(get_list(spec, "clusterIPs", "spec", errs) or []):
        if not isinstance(ip, str) or (ip != "None" and not is_ip(ip)):
            errs.append(invalid(f"spec.clusterIPs[{i}]", ip, _IP_HINT))
    if kind == "ExternalName":
        name = get_str(spec, "externalName", "spec", errs, must=True)
        if name:
            errs += wrap("spec.externalName", name, dns1123_subdomain_problems(name.rstrip(".")))
        if cluster_ip and cluster_ip != "":
            errs.append(forbidden("spec.clusterIP", "may not be set for ExternalName services"))
    ports = get_list(spec, "ports", "spec", errs)
    if not ports and not headless and kind != "ExternalName" and not (ports is None and spec.get("ports")):
        errs.append(required("spec.ports"))
    errs += _ports(ports, kind)
    errs += validate_labels(string_map(spec, "selector", "spec", errs), "spec.selector")
    affinity = get_str(spec, "sessionAffinity", "spec", errs)
    if affinity is not None and affinity not in AFFINITIES:
        errs.append(not_supported("spec.sessionAffinity", affinity, AFFINITIES))
    config = get_dict(spec, "sessionAffinityConfig", "spec", errs)
    client_ip = get_dict(config, "clientIP", "spec.sessionAffinityConfig", errs) if config else None
    if client_ip is not None:
        timeout = get_int(client_ip, "timeoutSeconds", "spec.sessionAffinityConfig.clientIP", errs)
        if timeout is not None and not 0 < timeout <= 86400:
            errs.append(invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout,
                                "must be greater than 0 and less than 86400"))
    external_policy = get_str(spec, "externalTrafficPolicy", "spec", errs)
    if external_policy:
        if kind not in ("NodePort", "LoadBalancer"):
            errs.append(invalid("spec.externalTrafficPolicy", external_policy,
                                "may only be set for externally-accessible services"))
        elif external_policy not in TRAFFIC_POLICIES:
            errs.append(not_supported("spec.externalTrafficPolicy", external_policy, TRAFFIC_POLICIES))
    internal_policy = get_str(spec, "internalTrafficPolicy", "spec", errs)
    if internal_policy and internal_policy not in TRAFFIC_POLICIES:
        errs.append(not_supported("spec.internalTrafficPolicy", internal_policy, TRAFFIC_POLICIES))
    family_policy = get_str(spec, "ipFamilyPolicy", "spec", errs)
    if family_policy and family_policy not in IP_FAMILY_POLICIES:
        errs.append(not_supported("spec.ipFamilyPolicy", family_policy, IP_FAMILY_POLICIES))
    for i, family in enumerate(get_list(spec, "ipFamilies", "spec", errs) or []):
        if family not in IP_FAMILIES:
            errs.append(not_supported(f"spec.ipFamilies[{i}]", family, IP_FAMILIES))
    for i, ip in enumerate(get_list(spec, "externalIPs", "spec", errs) or []):
        if not isinstance(ip, str) or not is_ip(ip):
            errs.append(invalid(f"spec.externalIPs[{i}]", ip, _IP_HINT))
    return errs


def _ports(ports: list[Any] | None, kind: str) -> Errors:
    errs: Errors = []
    many = len(ports or []) > 1
    names: set[str] = set()
    seen: set[str] = set()
    for _, ppath, port in dict_elements(ports, "spec.ports", errs):
        name = get_str(port, "name", ppath, errs)
        if many and not name and port.get("name") in (None, ""):
            errs.append(required(child(ppath, "name")))
        if name:
            errs += wrap(child(ppath, "name"), name, dns1123_label_problems(name))
            if name in names:
                errs.append(duplicate(child(ppath, "name"), name))
            names.add(name)
        number = get_int(port, "port", ppath, errs)
        if number is None and port.get("port") is None:
            errs.append(required(child(ppath, "port")))
        elif number is not None and not 1 <= number <= 65535:
            errs.append(invalid(child(ppath, "port"), number, "must be between 1 and 65535, inclusive"))
        protocol = get_str(port, "protocol", ppath, errs)
        if protocol is not None and protocol not in PROTOCOLS:
            errs.append(not_supported(child(ppath, "protocol"), protocol, PROTOCOLS))
        target = port.get("targetPort")
        if target not in (None, 0, ""):
            validate_port_number_or_name(target, child(ppath, "targetPort"), errs)
        node_port = get_int(port, "nodePort", ppath, errs)
        if node_port:
            if kind not in ("NodePort", "LoadBalancer"):
                errs.append(forbidden(child(ppath, "nodePort"), f"may not be used when `type` is '{kind}'"))
            elif not 1 <= node_port <= 65535:
                errs.append(invalid(child(ppath, "nodePort"), node_port, "must be between 1 and 65535, inclusive"))
        if number is not None:
            key = f"{number}/{protocol or 'TCP'}"
            if key in seen:
                errs.append(duplicate(ppath, key))
            seen.add(key)
    return errs


def _cluster_ip_immutable(new: dict[str, Any], old: dict[str, Any]) -> Errors:
    """clusterIP may not change once allocated (clearing it is the API server's carry-forward to handle)."""
    new_spec, old_spec = new.get("spec"), old.get("spec")
    if not isinstance(new_spec, dict) or not isinstance(old_spec, dict):
        return []
    before, after = old_spec.get("clusterIP"), new_spec.get("clusterIP")
    if before and after and before != after and new_spec.get("type") != "ExternalName":
        return [invalid("spec.clusterIP", after, "field is immutable")]
    return []


def validate_endpoints(endpoints: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(endpoints, namespaced=True)
    for _, spath, subset in dict_elements(get_list(endpoints, "subsets", "", errs), "subsets", errs):
        for key in ("addresses", "notReadyAddresses"):
            for _, apath, address in dict_elements(get_list(subset, key, spath, errs), child(spath, key), errs):
                ip = get_str(address, "ip", apath, errs, must=True)
                if ip and not is_ip(ip):
                    errs.append(invalid(child(apath, "ip"), ip, _IP_HINT))
                node_name = get_str(address, "nodeName", apath, errs)
                if node_name:
                    errs += wrap(child(apath, "nodeName"), node_name, dns1123_subdomain_problems(node_name))
        ports = get_list(subset, "ports", spath, errs)
        many = len(ports or []) > 1
        for _, ppath, port in dict_elements(ports, child(spath, "ports"), errs):
            name = get_str(port, "name", ppath, errs)
            if many and not name:
                errs.append(required(child(ppath, "name")))
            elif name:
                errs += wrap(child(ppath, "name"), name, dns1123_label_problems(name))
            number = get_int(port, "port", ppath, errs, must=True)
            if number is not None and not 1 <= number <= 65535:
                errs.append(invalid(child(ppath, "port"), number, "must be between 1 and 65535, inclusive"))
            protocol = get_str(port, "protocol", ppath, errs)
            if protocol is not None and protocol not in PROTOCOLS:
                errs.append(not_supported(child(ppath, "protocol"), protocol, PROTOCOLS))
    return errs
