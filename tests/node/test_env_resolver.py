"""The agent resolves env and volume data into a ready PodConfig (the runtime never reads the API)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from kube.api.registry import KindInfo
from kube.client.errors import ApiError
from kube.node.agent import NodeAgent
from kube.node.env_resolver import EnvResolver
from kube.node.node_config import NodeConfig
from kube.node.runtime import ContainerConfig, PodConfig, PodSandbox
from kube.node.simulated_runtime import SimulatedRuntime

SANDBOX = PodSandbox("n1", "10.244.1.7", "192.0.2.1")


class FakeClient:
    """Answers GETs of ConfigMaps and Secrets from a dict; counts them."""

    def __init__(self, objects: dict[tuple[str, str], dict[str, Any]], fail: bool = False) -> None:
        self.objects = objects
        self.fail = fail
        self.gets: list[tuple[str, str, str | None]] = []

    async def get(self, info: KindInfo, name: str, namespace: str | None = None) -> dict[str, Any]:
        self.gets.append((info.kind, name, namespace))
        if self.fail:
            raise ApiError(500, "InternalError", "etcd is down")
        if (info.kind, name) not in self.objects:
            raise ApiError(404, "NotFound", f'{info.plural} "{name}" not found')
        return self.objects[(info.kind, name)]

    async def list(self, info: KindInfo, namespace: str | None = None) -> dict[str, Any]:
        """Services for the service-link variables (none unless a test adds some)."""
        return {"items": [o for (kind, _name), o in self.objects.items() if kind == info.kind
                          and (o.get("metadata") or {}).get("namespace") == namespace]}


OBJECTS = {
    ("ConfigMap", "cfg"): {"data": {"color": "blue", "index.html": "<h1>hi</h1>"}},
    ("Secret", "sec"): {"data": {"token": base64.b64encode(b"s3cret").decode()}},
}


def pod(*containers: dict[str, Any], volumes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"metadata": {"name": "web", "namespace": "prod", "uid": "u1", "labels": {"app": "web"}},
            "spec": {"nodeName": "n1", "containers": list(containers), "volumes": volumes or []}}


async def test_env_is_resolved_in_order_with_refs_field_refs_and_expansion() -> None:
    client = FakeClient(OBJECTS)
    app = {"name": "app", "envFrom": [{"configMapRef": {"name": "cfg"}, "prefix": "CFG_"}], "env": [
        {"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color"}}},
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "token"}}},
        {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
        {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
        {"name": "MSG", "value": "$(COLOR) at $(IP) $(NOPE) $$"}]}
    config = await EnvResolver(client).pod_config(pod(app), SANDBOX)  # type: ignore[arg-type]
    env = dict(config.container("app").env)
    assert env["CFG_color"] == "blue" and env["COLOR"] == "blue" and env["TOKEN"] == "s3cret"
    assert env["IP"] == "10.244.1.7" and env["APP"] == "web" and env["MSG"] == "blue at 10.244.1.7 $(NOPE) $"
    assert config.container("app").error == "" and not config.volume_error
    assert client.gets.count(("ConfigMap", "cfg", "prod")) == 1  # one read per object per sync


async def test_a_missing_reference_is_that_containers_error_only() -> None:
    broken = {"name": "broken", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}]}
    no_key = {"name": "nokey", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "k"}}}]}
    optional = {"name": "optional", "env": [
        {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k", "optional": True}}}]}
    config = await EnvResolver(FakeClient(OBJECTS)).pod_config(pod(broken, no_key, optional), SANDBOX)  # type: ignore[arg-type]
    assert config.container("broken").error == 'configmap "nope" not found'
    assert config.container("nokey").error == "couldn't find key k in ConfigMap prod/cfg"
    assert config.container("optional") == ContainerConfig(env=())
    assert config.container("not-in-spec") == ContainerConfig()


async def test_volume_data_and_a_missing_required_source() -> None:
    volumes = [{"name": "cfg", "configMap": {"name": "cfg"}}, {"name": "sec", "secret": {"secretName": "sec"}},
               {"name": "maybe", "configMap": {"name": "absent", "optional": True}}, {"name": "data", "emptyDir": {}}]
    config = await EnvResolver(FakeClient(OBJECTS)).pod_config(pod({"name": "a"}, volumes=volumes), SANDBOX)  # type: ignore[arg-type]
    assert config.volume_data == {"cfg": {"color": "blue", "index.html": "<h1>hi</h1>"}, "sec": {"token": "s3cret"},
                                  "maybe": None}
    assert config.volume_error == ""
    # the optional lookup above must not make a later required one of the same object pass
    required = [*volumes[2:3], {"name": "must", "configMap": {"name": "absent"}}]
    config = await EnvResolver(FakeClient(OBJECTS)).pod_config(pod({"name": "a"}, volumes=required), SANDBOX)  # type: ignore[arg-type]
    assert config.volume_error == 'configmap "absent" not found'


async def test_pods_without_references_read_nothing_and_api_failures_propagate() -> None:
    quiet = FakeClient(OBJECTS, fail=True)
    config = await EnvResolver(quiet).pod_config(pod({"name": "a", "env": [{"name": "A", "value": "1"}]}), SANDBOX)  # type: ignore[arg-type]
    assert config.container("a").env == (("A", "1"),) and quiet.gets == []
    with pytest.raises(ApiError, match="etcd is down"):
        await EnvResolver(quiet).pod_config(pod({"name": "a", "envFrom": [{"secretRef": {"name": "sec"}}]}), SANDBOX)  # type: ignore[arg-type]


async def test_reads_are_reused_within_the_ttl_then_refreshed_and_a_failure_is_not_cached() -> None:
    client = FakeClient(dict(OBJECTS))
    now = [100.0]
    resolver = EnvResolver(client, ttl=10.0, clock=lambda: now[0])  # type: ignore[arg-type]
    spec = pod({"name": "a", "envFrom": [{"configMapRef": {"name": "cfg"}}]},
               volumes=[{"name": "v", "configMap": {"name": "cfg"}}])
    for _ in range(5):  # five syncs within the TTL: one read
        assert dict((await resolver.pod_config(spec, SANDBOX)).container("a").env)["color"] == "blue"
    assert client.gets.count(("ConfigMap", "cfg", "prod")) == 1
    client.objects[("ConfigMap", "cfg")] = {"data": {"color": "red"}}
    now[0] += 10.5  # past the TTL: the update is seen
    assert (await resolver.pod_config(spec, SANDBOX)).volume_data["v"] == {"color": "red"}
    assert client.gets.count(("ConfigMap", "cfg", "prod")) == 2
    client.fail = True
    now[0] += 10.5  # an API failure propagates (the sync retries) and is not remembered
    with pytest.raises(ApiError):
        await resolver.pod_config(spec, SANDBOX)
    client.fail = False
    assert (await resolver.pod_config(spec, SANDBOX)).volume_data["v"] == {"color": "red"}


class RecordingRuntime(SimulatedRuntime):
    def __init__(self, needs_config: bool) -> None:
        super().__init__("n1")
        self.needs_config = needs_config
        self.configs: list[PodConfig] = []

    async def sync_pod(self, pod: dict[str, Any], sandbox: PodSandbox, config: PodConfig) -> None:
        self.configs.append(config)
        await super().sync_pod(pod, sandbox, config)


class PatchingClient(FakeClient):
    async def patch(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {}


@pytest.mark.parametrize("needs_config", [True, False])
async def test_the_agent_hands_the_runtime_a_ready_config(needs_config: bool) -> None:
    client = PatchingClient(OBJECTS)
    runtime = RecordingRuntime(needs_config)
    agent = NodeAgent(NodeConfig("n1", node_ip="192.0.2.1"), runtime, client)  # type: ignore[arg-type]
    app = {"name": "app", "env": [{"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "color"}}}]}
    host_pod = pod(app)
    host_pod["spec"]["hostNetwork"] = True
    await agent.sync_pod(host_pod)
    (config,) = runtime.configs
    if needs_config:
        assert config.container("app").env == (("COLOR", "blue"),)
    else:  # hollow pods: nothing is read for them
        assert config == PodConfig() and client.gets == []
