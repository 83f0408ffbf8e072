"""The environment variables Kubernetes gives every container for the Services it may reach
(pkg/kubelet/envvars): for each Service with a ClusterIP in the pod's namespace (none when
`enableServiceLinks: false`) and always the `kubernetes` Service of `default`,

    WEB_SERVICE_HOST=10.96.0.20   WEB_SERVICE_PORT=80   WEB_SERVICE_PORT_HTTP=80
    WEB_PORT=tcp://10.96.0.20:80  WEB_PORT_80_TCP=tcp://10.96.0.20:80
    WEB_PORT_80_TCP_PROTO=tcp     WEB_PORT_80_TCP_PORT=80   WEB_PORT_80_TCP_ADDR=10.96.0.20

(names upper-cased, `-` as `_`; the last two groups are Docker links' style). The
container's own env and envFrom win over them, and $(VAR) may refer to them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kube.api.meta import Obj
from kube.api.registry import resolve
from kube.client.rest import RestClient

SERVICE = resolve("services")
MASTER_SERVICE = ("default", "kubernetes")


def _env_name(text: str) -> str:
    return text.upper().replace("-", "_")


def service_env(services: list[Obj]) -> list[tuple[str, str]]:
    """The variables for these Services, in name order."""
    env: list[tuple[str, str]] = []
    for svc in sorted(services, key=lambda s: str((s.get("metadata") or {}).get("name", ""))):
        spec = svc.get("spec") or {}
        ip = spec.get("clusterIP")
        ports = [p for p in spec.get("ports") or [] if isinstance(p, dict) and isinstance(p.get("port"), int)]
        if not ip or ip == "None" or not ports:
            continue
        name = _env_name(str((svc.get("metadata") or {}).get("name", "")))
        host = f"[{ip}]" if ":" in ip else ip
        env += [(f"{name}_SERVICE_HOST", ip), (f"{name}_SERVICE_PORT", str(ports[0]["port"]))]
        env += [(f"{name}_SERVICE_PORT_{_env_name(str(p['name']))}", str(p["port"])) for p in ports if p.get("name")]
        first = ports[0]
        env.append((f"{name}_PORT", f"{str(first.get('protocol') or 'TCP').lower()}://{host}:{first['port']}"))
        for port in ports:
            protocol = str(port.get("protocol") or "TCP")
            prefix = f"{name}_PORT_{port['port']}_{protocol.upper()}"
            env += [(prefix, f"{protocol.lower()}://{host}:{port['port']}"), (f"{prefix}_PROTO", protocol.lower()),
                    (f"{prefix}_PORT", str(port["port"])), (f"{prefix}_ADDR", ip)]
    return env


def visible_services(pod: Obj, namespace_services: list[Obj], master: Obj | None) -> list[Obj]:
    """The Services a pod's variables describe: its namespace's (unless enableServiceLinks is
    false) and `kubernetes` of default, which one of the same name in the namespace replaces."""
    spec = pod.get("spec") or {}
    chosen: dict[str, Obj] = {}
    if master is not None:
        chosen[MASTER_SERVICE[1]] = master
    if spec.get("enableServiceLinks", True) is not False:
        for svc in namespace_services:
            chosen[str((svc.get("metadata") or {}).get("name", ""))] = svc
    return list(chosen.values())


class ServiceEnv:
    """Reads a namespace's Services at most once per `ttl` seconds (as EnvResolver reads
    ConfigMaps: a container's env is fixed when it starts, so a short delay is harmless)."""

    def __init__(self, client: RestClient, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._recent: dict[str, tuple[float, list[Obj]]] = {}

    async def _services(self, namespace: str) -> list[Obj]:
        now = self.clock()
        recent = self._recent.get(namespace)
        if recent is not None and recent[0] > now:
            return recent[1]
        items = list((await self.client.list(SERVICE, namespace)).get("items") or [])
        if len(self._recent) > 1024:
            self._recent = {k: v for k, v in self._recent.items() if v[0] > now}
        self._recent[namespace] = (now + self.ttl, items)
        return items

    async def env_for(self, pod: Obj) -> list[tuple[str, str]]:
        namespace = str((pod.get("metadata") or {}).get("namespace") or "default")
        links = (pod.get("spec") or {}).get("enableServiceLinks", True) is not False
        own = await self._services(namespace) if links or namespace == MASTER_SERVICE[0] else []
        defaults = own if namespace == MASTER_SERVICE[0] else await self._services(MASTER_SERVICE[0])
        master = next((s for s in defaults if (s.get("metadata") or {}).get("name") == MASTER_SERVICE[1]), None)
        return service_env(visible_services(pod, own, master))
