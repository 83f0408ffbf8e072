"""Probe and lifecycle handler validation: exactly one handler, sane numbers and ports."""

from __future__ import annotations

from typing import Any

from kube.api.errors import forbidden, invalid, not_supported, required, type_invalid
from kube.api.validation.field_types import Errors, child, dict_elements, get_dict, get_int, get_list, get_str
from kube.api.validation.names import port_name_problems, wrap

PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
LIFECYCLE_HANDLERS = ("exec", "httpGet", "tcpSocket", "sleep")


def validate_port_number_or_name(value: Any, path: str, errs: Errors) -> None:
    """An int 1-65535 or an IANA service name (IntOrString ports of probes and Service targetPort)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        errs.append(type_invalid(path, value, "int or string"))
    elif isinstance(value, int):
        if not 1 <= value <= 65535:
            errs.append(invalid(path, value, "must be between 1 and 65535, inclusive"))
    elif value.isdigit():
        errs.append(invalid(path, value, "must contain at least one letter (a-z)"))
    else:
        errs += wrap(path, value, port_name_problems(value))


def validate_handler(handler: dict[str, Any], path: str, kinds: tuple[str, ...]) -> Errors:
    errs: Errors = []
    present = [k for k in kinds if handler.get(k) is not None]
    if not present:
        errs.append(required(path, "must specify a handler type"))
    for extra in present[1:]:
        errs.append(forbidden(child(path, extra), "may not specify more than 1 handler type"))
    exec_action = get_dict(handler, "exec", path, errs)
    if exec_action is not None:
        command = get_list(exec_action, "command", child(path, "exec"), errs)
        if not command:
            errs.append(required(child(child(path, "exec"), "command")))
    http_get = get_dict(handler, "httpGet", path, errs)
    if http_get is not None:
        hpath = child(path, "httpGet")
        get_str(http_get, "path", hpath, errs)
        if http_get.get("port") is None:
            errs.append(required(child(hpath, "port")))
        else:
            validate_port_number_or_name(http_get["port"], child(hpath, "port"), errs)
        scheme = get_str(http_get, "scheme", hpath, errs)
        if scheme and scheme not in ("HTTP", "HTTPS"):
            errs.append(not_supported(child(hpath, "scheme"), scheme, ["HTTP", "HTTPS"]))
        for _, hdr_path, header in dict_elements(get_list(http_get, "httpHeaders", hpath, errs),
                                                 child(hpath, "httpHeaders"), errs):
            get_str(header, "name", hdr_path, errs, must=True)
    tcp = get_dict(handler, "tcpSocket", path, errs)
    if tcp is not None:
        tpath = child(path, "tcpSocket")
        if tcp.get("port") is None:
            errs.append(required(child(tpath, "port")))
        else:
            validate_port_number_or_name(tcp["port"], child(tpath, "port"), errs)
    grpc = get_dict(handler, "grpc", path, errs)
    if grpc is not None:
        port = get_int(grpc, "port", child(path, "grpc"), errs, must=True)
        if port is not None and not 1 <= port <= 65535:
            errs.append(invalid(child(child(path, "grpc"), "port"), port, "must be between 1 and 65535, inclusive"))
    sleep = get_dict(handler, "sleep", path, errs)
    if sleep is not None:
        seconds = get_int(sleep, "seconds", child(path, "sleep"), errs, must=True, expected="int64")
        if seconds is not None and seconds < 0:
            errs.append(invalid(child(child(path, "sleep"), "seconds"), seconds, "must be non-negative"))
    return errs


def validate_probe(probe: dict[str, Any], path: str, single_success: bool) -> Errors:
    """Handler plus non-negative timings; liveness/startup probes need successThreshold 1."""
    errs = validate_handler(probe, path, PROBE_HANDLERS)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        value = get_int(probe, key, path, errs)
        if value is not None and value < 0:
            errs.append(invalid(child(path, key), value, "must be greater than or equal to 0"))
    grace = get_int(probe, "terminationGracePeriodSeconds", path, errs, expected="int64")
    if grace is not None and grace <= 0:
        errs.append(invalid(child(path, "terminationGracePeriodSeconds"), grace, "must be greater than 0"))
    success = probe.get("successThreshold")
    if single_success and isinstance(success, int) and not isinstance(success, bool) and success != 1:
        errs.append(invalid(child(path, "successThreshold"), success, "must be 1"))
    return errs
