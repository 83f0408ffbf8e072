"""discovery.k8s.io/v1 EndpointSlice validation (Kubernetes' ValidateEndpointSlice).

The limits are Kubernetes': at most 1000 endpoints and 100 ports per slice, 1 to
100 addresses per endpoint, each address of the slice's addressType, which never
changes after creation.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kube.api.errors import FieldError, duplicate, invalid, not_supported, required
from kube.api.validation.field_types import Errors, child, dict_elements, get_int, get_list, get_str, index
from kube.api.validation.names import dns1123_label_problems, dns1123_subdomain_problems, wrap
from kube.api.validation.object_meta import validate_object_meta
from kube.api.validation.service import PROTOCOLS

ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"]
MAX_ENDPOINTS = 1000
MAX_PORTS = 100
MAX_ADDRESSES = 100


def _too_many(path: str, count: int, limit: int) -> FieldError:
    return FieldError("FieldValueTooMany", path, f"must have at most {limit} items", count, True)


def _address_problems(address: str, address_type: str) -> list[str]:
    if address_type == "FQDN":
        return dns1123_subdomain_problems(address)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]
    if address_type == "IPv4" and ip.version != 4:
        return ["must be an IPv4 address"]
    if address_type == "IPv6" and ip.version != 6:
        return ["must be an IPv6 address"]
    return []


def _validate_endpoints(slice_: dict[str, Any], address_type: str | None, errs: Errors) -> None:
    endpoints = get_list(slice_, "endpoints", "", errs)
    if endpoints is not None and len(endpoints) > MAX_ENDPOINTS:
        errs.append(_too_many("endpoints", len(endpoints), MAX_ENDPOINTS))
        return
    for _, epath, endpoint in dict_elements(endpoints, "endpoints", errs):
        addresses = get_list(endpoint, "addresses", epath, errs)
        apath = child(epath, "addresses")
        if not addresses:
            errs.append(required(apath, "must contain at least 1 address"))
        elif len(addresses) > MAX_ADDRESSES:
            errs.append(_too_many(apath, len(addresses), MAX_ADDRESSES))
        else:
            for i, address in enumerate(addresses):
                if not isinstance(address, str):
                    errs.append(FieldError("FieldValueTypeInvalid", index(apath, i), "must be of type string",
                                           address, True))
                elif address_type in ADDRESS_TYPES:
                    errs += wrap(index(apath, i), address, _address_problems(address, address_type))
        for key, problems in (("nodeName", dns1123_subdomain_problems), ("hostname", dns1123_label_problems)):
            value = get_str(endpoint, key, epath, errs)
            if value:
                errs += wrap(child(epath, key), value, problems(value))


def _validate_ports(slice_: dict[str, Any], errs: Errors) -> None:
    ports = get_list(slice_, "ports", "", errs)
    if ports is not None and len(ports) > MAX_PORTS:
        errs.append(_too_many("ports", len(ports), MAX_PORTS))
        return
    names: set[str] = set()
    for _, ppath, port in dict_elements(ports, "ports", errs):
        name = get_str(port, "name", ppath, errs) or ""
        if name:
            errs += wrap(child(ppath, "name"), name, dns1123_label_problems(name))
        if name in names:
            errs.append(duplicate(child(ppath, "name"), name))
        names.add(name)
        protocol = get_str(port, "protocol", ppath, errs)
        if protocol is None:
            errs.append(required(child(ppath, "protocol")))
        elif protocol not in PROTOCOLS:
            errs.append(not_supported(child(ppath, "protocol"), protocol, PROTOCOLS))
        number = get_int(port, "port", ppath, errs)
        if number is not None and not 1 <= number <= 65535:
            errs.append(invalid(child(ppath, "port"), number, "must be between 1 and 65535, inclusive"))


def validate_endpoint_slice(slice_: dict[str, Any], old: dict[str, Any] | None = None) -> Errors:
    errs = validate_object_meta(slice_, namespaced=True)
    address_type = get_str(slice_, "addressType", "", errs)
    if not address_type:
        errs.append(required("addressType"))
    elif address_type not in ADDRESS_TYPES:
        errs.append(not_supported("addressType", address_type, ADDRESS_TYPES))
    elif old is not None and isinstance(old.get("addressType"), str) and old["addressType"] != address_type:
        errs.append(invalid("addressType", address_type, "field is immutable"))
    _validate_endpoints(slice_, address_type, errs)
    _validate_ports(slice_, errs)
    return errs


