"""Kubernetes' service-link environment variables (pkg/kubelet/envvars)."""

from __future__ import annotations

from typing import Any

from kube.node.service_env import ServiceEnv, service_env


def svc(name: str, namespace: str, ip: str, ports: list[dict[str, Any]]) -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"clusterIP": ip, "ports": ports}}


KUBERNETES = svc("kubernetes", "default", "10.96.0.1", [{"name": "https", "port": 443, "protocol": "TCP"}])
WEB = svc("web-app", "prod", "10.96.0.20", [{"name": "http", "port": 80, "protocol": "TCP"},
                                            {"name": "dns-udp", "port": 53, "protocol": "UDP"}])


def test_variables_of_one_service() -> None:
    assert dict(service_env([WEB])) == {
        "WEB_APP_SERVICE_HOST": "10.96.0.20", "WEB_APP_SERVICE_PORT": "80",
        "WEB_APP_SERVICE_PORT_HTTP": "80", "WEB_APP_SERVICE_PORT_DNS_UDP": "53",
        "WEB_APP_PORT": "tcp://10.96.0.20:80",
        "WEB_APP_PORT_80_TCP": "tcp://10.96.0.20:80", "WEB_APP_PORT_80_TCP_PROTO": "tcp",
        "WEB_APP_PORT_80_TCP_PORT": "80", "WEB_APP_PORT_80_TCP_ADDR": "10.96.0.20",
        "WEB_APP_PORT_53_UDP": "udp://10.96.0.20:53", "WEB_APP_PORT_53_UDP_PROTO": "udp",
        "WEB_APP_PORT_53_UDP_PORT": "53", "WEB_APP_PORT_53_UDP_ADDR": "10.96.0.20"}


def test_headless_and_unallocated_services_have_none() -> None:
    assert service_env([svc("db", "prod", "None", [{"port": 5432}]), svc("x", "prod", "", [{"port": 1}])]) == []


class Lister:
    def __init__(self, items: list[dict[str, Any]]) -> None:
        self.items = items
        self.lists: list[str | None] = []

    async def list(self, _kind: object, namespace: str | None = None) -> dict[str, Any]:
        self.lists.append(namespace)
        return {"items": [s for s in self.items if s["metadata"]["namespace"] == namespace]}


def pod(namespace: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": "p", "namespace": namespace}, "spec": spec}


async def test_the_namespace_and_kubernetes_unless_links_are_off() -> None:
    lister = Lister([KUBERNETES, WEB, svc("other", "elsewhere", "10.96.0.30", [{"port": 1}])])
    services = ServiceEnv(lister, ttl=60, clock=lambda: 0.0)  # type: ignore[arg-type]
    env = dict(await services.env_for(pod("prod")))
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.1" and env["WEB_APP_SERVICE_HOST"] == "10.96.0.20"
    assert not any(k.startswith("OTHER_") for k in env)
    off = dict(await services.env_for(pod("prod", enableServiceLinks=False)))
    assert off["KUBERNETES_SERVICE_PORT"] == "443" and not any(k.startswith("WEB_APP") for k in off)
    assert lister.lists == ["prod", "default"]  # read once per namespace within the TTL


async def test_a_namespace_service_named_kubernetes_wins() -> None:
    own = svc("kubernetes", "prod", "10.96.0.99", [{"port": 8443}])
    env = dict(await ServiceEnv(Lister([KUBERNETES, own])).env_for(pod("prod")))  # type: ignore[arg-type]
    assert env["KUBERNETES_SERVICE_HOST"] == "10.96.0.99"
