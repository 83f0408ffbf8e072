"""The agent's side of container configuration: everything that needs the API.

A container's environment (literal values, ConfigMap/Secret references read through
the API, fieldRefs to the pod itself, envFrom; then $(VAR) expansion in order, as
Kubernetes does) and the data of configMap/secret volumes are resolved here, once
per pod sync, into the `PodConfig` the runtime receives ready. A missing required
reference is recorded as the container's (or the volumes') error, which the runtime
shows as the waiting reason CreateContainerConfigError, exactly as the kubelet does.
"""

from __future__ import annotations

import base64
import time

from kube.api.meta import Obj
from kube.api.registry import resolve
from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.node.container_config import expand
from kube.node.projected_volumes import projected_files
from kube.node.runtime import ContainerConfig, ContainerConfigError, PodConfig, PodSandbox
from kube.node.service_account_tokens import ServiceAccountTokens
from kube.node.service_env import ServiceEnv

CONFIGMAP, SECRET = resolve("configmaps"), resolve("secrets")


def field_value(pod: Obj, path: str, pod_ip: str, host_ip: str) -> str:
    meta = pod.get("metadata") or {}
    simple = {"metadata.name": meta.get("name"), "metadata.namespace": meta.get("namespace"),
              "metadata.uid": meta.get("uid"), "spec.nodeName": (pod.get("spec") or {}).get("nodeName"),
              "spec.serviceAccountName": (pod.get("spec") or {}).get("serviceAccountName"),
              "status.podIP": pod_ip, "status.hostIP": host_ip}
    if path in simple:
        return str(simple[path] or "")
    for prefix, source in (("metadata.labels", meta.get("labels")), ("metadata.annotations", meta.get("annotations"))):
        if path.startswith(prefix + "['") and path.endswith("']"):
            return str((source or {}).get(path[len(prefix) + 2:-2], ""))
    raise ContainerConfigError(f"unsupported fieldRef fieldPath {path!r}")


class EnvResolver:
    """Reads ConfigMaps and Secrets for pod syncs, each object at most once per `ttl` seconds.

    Syncs run about once a second per pod; reading every reference each time would make
    a fleet's API load grow with pods x references x syncs. As the kubelet's `Cache`
    change-detection strategy does, a read is reused for a short TTL, which bounds how
    late a volume sees an update (a container's env is read only when it starts)."""

    def __init__(self, client: RestClient, ttl: float = 10.0, clock=time.monotonic) -> None:
        self.client = client
        self.ttl = ttl
        self.clock = clock
        self._recent: dict[tuple[str, str, str], tuple[float, dict[str, str] | None]] = {}
        self.tokens = ServiceAccountTokens(client)  # projected serviceAccountToken sources
        self.services = ServiceEnv(client, ttl, clock)  # <SVC>_SERVICE_HOST and the rest, Kubernetes' service links

    async def pod_config(self, pod: Obj, sandbox: PodSandbox) -> PodConfig:
        """Every container's env and every configMap/secret volume's data, for one sync.

        A missing required reference becomes that container's (or the volumes') error;
        any other API failure propagates, so the sync is retried."""
        cache: dict = {}
        spec = pod.get("spec") or {}
        containers: dict[str, ContainerConfig] = {}
        for key in ("initContainers", "containers"):
            for container in spec.get(key) or []:
                if not isinstance(container, dict):
                    continue
                try:
                    env = await self.container_env(pod, container, sandbox.pod_ip, sandbox.host_ip, cache)
                    containers[str(container.get("name", ""))] = ContainerConfig(tuple(env))
                except ContainerConfigError as exc:
                    containers[str(container.get("name", ""))] = ContainerConfig(error=str(exc))
        volumes: dict[str, dict[str, str] | None] = {}
        try:
            for volume in spec.get("volumes") or []:
                source_key = "configMap" if "configMap" in volume else "secret" if "secret" in volume else ""
                if source_key:
                    source = volume[source_key] or {}
                    ref = str(source.get("name" if source_key == "configMap" else "secretName", ""))
                    kind = "ConfigMap" if source_key == "configMap" else "Secret"
                    volumes[str(volume.get("name", ""))] = await self.volume_data(
                        pod, kind, ref, bool(source.get("optional")), cache)
                elif "projected" in volume:
                    volumes[str(volume.get("name", ""))] = await projected_files(
                        pod, volume, lambda p, k, n, o: self.volume_data(p, k, n, o, cache), self.tokens.token,
                        lambda p, f: field_value(p, f, sandbox.pod_ip, sandbox.host_ip))
        except ContainerConfigError as exc:
            return PodConfig(containers, volumes, volume_error=str(exc))
        return PodConfig(containers, volumes)

    async def _data(self, kind: str, namespace: str, name: str, optional: bool, cache: dict) -> dict[str, str] | None:
        key = (kind, name)
        if key not in cache:
            cache[key] = await self._read(kind, namespace, name)
        if cache[key] is None and not optional:
            raise ContainerConfigError(f'{kind.lower()} "{name}" not found')
        return cache[key]

    async def _read(self, kind: str, namespace: str, name: str) -> dict[str, str] | None:
        """The object's data (None when it does not exist), reused within the TTL."""
        now = self.clock()
        recent = self._recent.get((kind, namespace, name))
        if recent is not None and recent[0] > now:
            return recent[1]
        info = CONFIGMAP if kind == "ConfigMap" else SECRET
        data: dict[str, str] | None
        try:
            obj = await self.client.get(info, name, namespace)
        except ApiError as exc:
            if exc.code != 404:
                raise
            data = None
        else:
            if kind == "ConfigMap":
                data = {k: str(v) for k, v in (obj.get("data") or {}).items()}
            else:
                data = {k: base64.b64decode(v).decode("utf-8", "replace")
                        for k, v in (obj.get("data") or {}).items()}
                data.update({k: str(v) for k, v in (obj.get("stringData") or {}).items()})
        if len(self._recent) > 4096:  # forget expired reads so deleted objects do not pile up
            self._recent = {k: v for k, v in self._recent.items() if v[0] > now}
        if data is not None:  # a missing object is read again next sync, so its creation is seen at once
            self._recent[(kind, namespace, name)] = (now + self.ttl, data)
        return data

    async def container_env(self, pod: Obj, container: Obj, pod_ip: str, host_ip: str,
                            cache: dict | None = None) -> list[tuple[str, str]]:
        namespace = str((pod.get("metadata") or {}).get("namespace", "default"))
        cache = {} if cache is None else cache
        env: dict[str, str] = dict(await self.services.env_for(pod))  # envFrom and env override them
        for source in container.get("envFrom") or []:
            prefix = str(source.get("prefix") or "")
            for kind, ref_key in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                ref = source.get(ref_key)
                if ref:
                    data = await self._data(kind, namespace, str(ref.get("name", "")), bool(ref.get("optional")), cache)
                    env.update({prefix + k: v for k, v in (data or {}).items()})
        for item in container.get("env") or []:
            name = str(item.get("name", ""))
            if "valueFrom" not in item:
                env[name] = expand(str(item.get("value", "")), env)
                continue
            source = item["valueFrom"] or {}
            if source.get("fieldRef"):
                env[name] = field_value(pod, str(source["fieldRef"].get("fieldPath", "")), pod_ip, host_ip)
            elif source.get("configMapKeyRef") or source.get("secretKeyRef"):
                kind = "ConfigMap" if source.get("configMapKeyRef") else "Secret"
                ref = source.get("configMapKeyRef") or source.get("secretKeyRef")
                optional = bool(ref.get("optional"))
                data = await self._data(kind, namespace, str(ref.get("name", "")), optional, cache)
                key = str(ref.get("key", ""))
                if data is None or key not in data:
                    if optional:
                        continue
                    raise ContainerConfigError(f'couldn\'t find key {key} in {kind} {namespace}/{ref.get("name")}')
                env[name] = data[key]
            elif source.get("resourceFieldRef"):
                env[name] = str(((container.get("resources") or {}).get("limits") or {}).get(
                    source["resourceFieldRef"].get("resource", "").split(".")[-1], "0"))
        return list(env.items())

    async def volume_data(self, pod: Obj, kind: str, name: str, optional: bool,
                          cache: dict | None = None) -> dict[str, str] | None:
        """A ConfigMap's or Secret's data for a volume (None when optional and missing)."""
        namespace = str((pod.get("metadata") or {}).get("namespace", "default"))
        return await self._data(kind, namespace, name, optional, {} if cache is None else cache)
