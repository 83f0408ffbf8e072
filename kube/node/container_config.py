"""How a pod's container becomes a Docker container: names, labels, command, env,
limits (pure functions, so the translation is tested without Docker).

Labels carry everything a restarted agent needs to re-adopt a container (pod uid,
name, namespace, container name, node, restart count, pod IP), which is why the
agent keeps no state of its own on disk.
"""

from __future__ import annotations

import re

from kube.api.meta import Obj
from kube.api.quantity import parse_quantity

PAUSE_IMAGE = "kube.local/pause:1"

L_MANAGED = "io.kube.managed"
L_ROOT = "io.kube.root-dir"
L_NODE = "io.kube.node.name"
L_UID = "io.kube.pod.uid"
L_POD = "io.kube.pod.name"
L_NAMESPACE = "io.kube.pod.namespace"
L_CONTAINER = "io.kube.container.name"
L_KIND = "io.kube.container.kind"  # pause | init | app
L_RESTARTS = "io.kube.container.restart-count"
L_POD_IP = "io.kube.pod.ip"
L_GRACE = "io.kube.pod.termination-grace-period"

_VAR = re.compile(r"\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\$\$")


def pod_labels(pod: Obj, node: str, root_dir: str, pod_ip: str) -> dict[str, str]:
    meta = pod.get("metadata") or {}
    grace = (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
    return {L_MANAGED: "true", L_ROOT: root_dir, L_NODE: node, L_UID: str(meta.get("uid", "")),
            L_POD: str(meta.get("name", "")), L_NAMESPACE: str(meta.get("namespace", "default")),
            L_POD_IP: pod_ip, L_GRACE: str(grace)}


def docker_name(pod: Obj, container: str, restarts: int | None) -> str:
    """k8s_<container>_<pod>_<namespace>_<uid>_<attempt>, as dockershim named them."""
    meta = pod.get("metadata") or {}
    base = f"k8s_{container}_{meta.get('name')}_{meta.get('namespace', 'default')}_{str(meta.get('uid', ''))[:8]}"
    return base if restarts is None else f"{base}_{restarts}"


def expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion: known variables are replaced, unknown ones kept, $$ is a literal $."""
    def one(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        return env.get(match.group(1), match.group(0))

    return _VAR.sub(one, text)


def command_line(container: Obj, env: dict[str, str]) -> tuple[list[str] | None, list[str] | None]:
    """(entrypoint, cmd) for Docker: `command` replaces the image's entrypoint, `args` its cmd."""
    command = container.get("command")
    args = container.get("args")
    entrypoint = [expand(str(c), env) for c in command] if command else None
    cmd = [expand(str(a), env) for a in args] if args else None
    if entrypoint is not None and cmd is None:
        cmd = []
    return entrypoint, cmd


def resource_limits(container: Obj) -> Obj:
    """resources.limits -> Docker's nano_cpus / mem_limit (requests only drive scheduling)."""
    limits = ((container.get("resources") or {}).get("limits")) or {}
    out: Obj = {}
    if limits.get("cpu") is not None:
        millis = parse_quantity(limits["cpu"]).milli_value()
        if millis > 0:
            out["nano_cpus"] = millis * 1_000_000
    if limits.get("memory") is not None:
        memory = parse_quantity(limits["memory"]).value()
        if memory > 0:
            out["mem_limit"] = memory
            out["memswap_limit"] = memory  # no swap beyond the limit, as the kubelet sets it
    return out


def container_create_args(pod: Obj, container: Obj, *, kind: str, restarts: int, pause_id: str,
                          env: list[tuple[str, str]], binds: list[str], labels: dict[str, str]) -> Obj:
    """Keyword arguments for docker's containers.create()."""
    env_map = dict(env)
    entrypoint, cmd = command_line(container, env_map)
    args: Obj = {
        "image": container.get("image", ""),
        "name": docker_name(pod, str(container.get("name", "")), restarts),
        "detach": True,
        "environment": [f"{k}={v}" for k, v in env],
        "labels": {**labels, L_CONTAINER: str(container.get("name", "")), L_KIND: kind, L_RESTARTS: str(restarts)},
        "network_mode": f"container:{pause_id}",
        "ipc_mode": f"container:{pause_id}",
        "volumes": binds,
        "tty": bool(container.get("tty")),
        "stdin_open": bool(container.get("stdin")),
        "log_config": {"type": "json-file", "config": {"max-size": "10m", "max-file": "2"}},
    }
    if entrypoint is not None:
        args["entrypoint"] = entrypoint
    if cmd is not None:
        args["command"] = cmd
    if container.get("workingDir"):
        args["working_dir"] = container["workingDir"]
    args.update(resource_limits(container))
    security = container.get("securityContext") or {}
    if security.get("privileged"):
        args["privileged"] = True
    if security.get("runAsUser") is not None:
        args["user"] = str(security["runAsUser"])
    return args


def pause_create_args(pod: Obj, network: str, labels: dict[str, str]) -> Obj:
    meta = pod.get("metadata") or {}
    hostname = (pod.get("spec") or {}).get("hostname") or str(meta.get("name", ""))[:63]
    args: Obj = {"image": PAUSE_IMAGE, "name": docker_name(pod, "POD", None), "detach": True,
                 "labels": {**labels, L_CONTAINER: "POD", L_KIND: "pause", L_RESTARTS: "0"},
                 "hostname": hostname, "ipc_mode": "shareable"}
    if (pod.get("spec") or {}).get("hostNetwork"):
        args["network_mode"] = "host"
        args.pop("hostname")
    else:
        args["network"] = network
    return args
