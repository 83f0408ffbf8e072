"""Container validation (validateContainers): names, image, ports, env, resources, probes, mounts."""

from __future__ import annotations

from typing import Any

from kube.api.errors import FieldError, duplicate, forbidden, invalid, not_supported, required
from kube.api.validation.field_types import (
    Errors,
    child,
    dict_elements,
    get_dict,
    get_int,
    get_list,
    get_str,
)
from kube.api.validation.names import (
    config_key_problems,
    dns1123_label_problems,
    dns1123_subdomain_problems,
    env_var_name_problems,
    port_name_problems,
    wrap,
)
from kube.api.validation.probes import LIFECYCLE_HANDLERS, validate_handler, validate_probe
from kube.api.validation.resources import validate_resource_requirements

PROTOCOLS = ["SCTP", "TCP", "UDP"]
PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
_ENV_SOURCES = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")


class PodScope:
    """What containers of one pod share: names, port names, host ports and volume names."""

    def __init__(self, volumes: set[str]) -> None:
        self.volumes = volumes
        self.container_names: set[str] = set()
        self.port_names: set[str] = set()
        self.host_ports: set[str] = set()


def validate_containers(items: list[Any] | None, path: str, scope: PodScope, must: bool) -> Errors:
    errs: Errors = []
    if must and not items:
        errs.append(required(path))
    for _, cpath, container in dict_elements(items, path, errs):
        errs += validate_container(container, cpath, scope, is_init=not must)
    return errs


def validate_container(container: dict[str, Any], path: str, scope: PodScope, is_init: bool = False) -> Errors:
    errs: Errors = []
    name = get_str(container, "name", path, errs, must=True)
    if name is not None:
        errs += wrap(child(path, "name"), name, dns1123_label_problems(name))
        if name in scope.container_names:
            errs.append(duplicate(child(path, "name"), name))
        scope.container_names.add(name)
    image = get_str(container, "image", path, errs, must=True)
    if image is not None and image != image.strip():
        errs.append(invalid(child(path, "image"), image, "must not have leading or trailing whitespace"))
    for key in ("command", "args"):
        for i, item in enumerate(get_list(container, key, path, errs) or []):
            if not isinstance(item, str):
                errs.append(FieldError("FieldValueTypeInvalid", f"{child(path, key)}[{i}]", "must be of type string",
                                       item, True))
    get_str(container, "workingDir", path, errs)
    policy = get_str(container, "imagePullPolicy", path, errs)
    if policy is not None and policy not in PULL_POLICIES:
        errs.append(not_supported(child(path, "imagePullPolicy"), policy, PULL_POLICIES))
    message_policy = get_str(container, "terminationMessagePolicy", path, errs)
    if message_policy is not None and message_policy not in TERMINATION_MESSAGE_POLICIES:
        errs.append(not_supported(child(path, "terminationMessagePolicy"), message_policy,
                                  TERMINATION_MESSAGE_POLICIES))
    errs += _ports(container, path, scope)
    errs += _env(container, path)
    errs += validate_resource_requirements(container, path)
    errs += _volume_mounts(container, path, scope)
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = get_dict(container, key, path, errs)
        if probe is None:
            continue
        if is_init and container.get("restartPolicy") != "Always":
            errs.append(forbidden(child(path, key), "may not be set for init containers without restartPolicy=Always"))
            continue
        errs += validate_probe(probe, child(path, key), single_success=key != "readinessProbe")
    lifecycle = get_dict(container, "lifecycle", path, errs)
    if lifecycle is not None:
        for hook in ("postStart", "preStop"):
            handler = get_dict(lifecycle, hook, child(path, "lifecycle"), errs)
            if handler is not None:
                errs += validate_handler(handler, child(child(path, "lifecycle"), hook), LIFECYCLE_HANDLERS)
    restart = get_str(container, "restartPolicy", path, errs)
    if restart is not None:
        if not is_init:
            errs.append(forbidden(child(path, "restartPolicy"), "may not be set for non-init containers"))
        elif restart != "Always":
            errs.append(not_supported(child(path, "restartPolicy"), restart, ["Always"]))
    return errs


def _ports(container: dict[str, Any], path: str, scope: PodScope) -> Errors:
    errs: Errors = []
    ports_path = child(path, "ports")
    seen: set[str] = set()
    for _, ppath, port in dict_elements(get_list(container, "ports", path, errs), ports_path, errs):
        name = get_str(port, "name", ppath, errs)
        if name:
            errs += wrap(child(ppath, "name"), name, port_name_problems(name))
            if name in scope.port_names:
                errs.append(duplicate(child(ppath, "name"), name))
            scope.port_names.add(name)
        container_port = get_int(port, "containerPort", ppath, errs)
        if container_port is None or container_port == 0:
            if "containerPort" not in port or port["containerPort"] in (None, 0):
                errs.append(required(child(ppath, "containerPort")))
        elif not 1 <= container_port <= 65535:
            errs.append(invalid(child(ppath, "containerPort"), container_port, "must be between 1 and 65535, inclusive"))
        host_port = get_int(port, "hostPort", ppath, errs)
        if host_port and not 1 <= host_port <= 65535:
            errs.append(invalid(child(ppath, "hostPort"), host_port, "must be between 1 and 65535, inclusive"))
        protocol = get_str(port, "protocol", ppath, errs)
        if protocol is not None and protocol not in PROTOCOLS:
            errs.append(not_supported(child(ppath, "protocol"), protocol, PROTOCOLS))
        get_str(port, "hostIP", ppath, errs)
        proto = protocol or "TCP"
        if isinstance(container_port, int) and container_port:
            key = f"{container_port}/{proto}"
            if key in seen:
                errs.append(duplicate(child(ppath, "containerPort"), key))
            seen.add(key)
        if host_port:
            host_key = f"{port.get('hostIP') or ''}/{host_port}/{proto}"
            if host_key in scope.host_ports:
                errs.append(duplicate(child(ppath, "hostPort"), f"{host_port}/{proto}"))
            scope.host_ports.add(host_key)
    return errs


def _env(container: dict[str, Any], path: str) -> Errors:
    errs: Errors = []
    env_path = child(path, "env")
    for _, epath, env in dict_elements(get_list(container, "env", path, errs), env_path, errs):
        name = get_str(env, "name", epath, errs, must=True)
        if name is not None:
            errs += wrap(child(epath, "name"), name, env_var_name_problems(name))
        value = get_str(env, "value", epath, errs)
        source = get_dict(env, "valueFrom", epath, errs)
        if source is None:
            continue
        spath = child(epath, "valueFrom")
        present = [k for k in _ENV_SOURCES if source.get(k) is not None]
        if value:
            errs.append(invalid(spath, "", "may not be specified when `value` is not empty"))
        if not present:
            errs.append(invalid(spath, "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` "
                                           "or `secretKeyRef`"))
        elif len(present) > 1:
            errs.append(invalid(spath, "", "may not have more than one field specified at a time"))
        field_ref = get_dict(source, "fieldRef", spath, errs)
        if field_ref is not None:
            get_str(field_ref, "fieldPath", child(spath, "fieldRef"), errs, must=True)
        resource_ref = get_dict(source, "resourceFieldRef", spath, errs)
        if resource_ref is not None:
            get_str(resource_ref, "resource", child(spath, "resourceFieldRef"), errs, must=True)
        for ref_key in ("configMapKeyRef", "secretKeyRef"):
            ref = get_dict(source, ref_key, spath, errs)
            if ref is None:
                continue
            rpath = child(spath, ref_key)
            ref_name = get_str(ref, "name", rpath, errs)
            if ref_name:
                errs += wrap(child(rpath, "name"), ref_name, dns1123_subdomain_problems(ref_name))
            key = get_str(ref, "key", rpath, errs, must=True)
            if key:
                errs += wrap(child(rpath, "key"), key, config_key_problems(key))
    from_path = child(path, "envFrom")
    for _, fpath, env_from in dict_elements(get_list(container, "envFrom", path, errs), from_path, errs):
        prefix = get_str(env_from, "prefix", fpath, errs)
        if prefix:
            errs += wrap(child(fpath, "prefix"), prefix, env_var_name_problems(prefix))
        sources = [k for k in ("configMapRef", "secretRef") if env_from.get(k) is not None]
        if len(sources) != 1:
            errs.append(invalid(fpath, "", "must specify one of: `configMapRef` or `secretRef`"
                                if not sources else "may not have more than one field specified at a time"))
        for key in sources:
            ref = get_dict(env_from, key, fpath, errs)
            if ref is not None:
                get_str(ref, "name", child(fpath, key), errs, must=True)
    return errs


def _volume_mounts(container: dict[str, Any], path: str, scope: PodScope) -> Errors:
    errs: Errors = []
    mounts_path = child(path, "volumeMounts")
    mount_paths: set[str] = set()
    for _, mpath, mount in dict_elements(get_list(container, "volumeMounts", path, errs), mounts_path, errs):
        name = get_str(mount, "name", mpath, errs, must=True)
        if name is not None and name not in scope.volumes:
            errs.append(FieldError("FieldValueNotFound", child(mpath, "name"), "", name, True))
        mount_path = get_str(mount, "mountPath", mpath, errs, must=True)
        if mount_path is not None:
            if mount_path in mount_paths:
                errs.append(invalid(child(mpath, "mountPath"), mount_path, "must be unique"))
            mount_paths.add(mount_path)
        sub_path = get_str(mount, "subPath", mpath, errs)
        if sub_path and (sub_path.startswith("/") or ".." in sub_path.split("/")):
            errs.append(invalid(child(mpath, "subPath"), sub_path, "must be a relative path without '..'"))
    return errs
