"""Userspace mode: NodePort listeners on loopback forwarding round-robin (no root needed)."""

from __future__ import annotations

from collections import Counter

from kube.proxy.service_targets import Backend, ServiceTarget
from kube.proxy.userspace import UserspaceProxier
from tests.conftest import free_port
from tests.proxy.loopback_backends import ask, named_backends


def nodeport_target(node_port: int, ports: list[int]) -> ServiceTarget:
    return ServiceTarget("default", "web", "", "TCP", "10.96.0.10", 80, node_port,
                         tuple(Backend("127.0.0.1", p) for p in ports))


async def test_round_robin_over_ready_backends_and_updates_take_effect() -> None:
    proxier = UserspaceProxier()
    node_port = free_port()
    try:
        async with named_backends(["a", "b", "c"]) as ports:
            await proxier.apply([nodeport_target(node_port, list(ports.values()))])
            seen = Counter([await ask(node_port) for _ in range(9)])
            assert seen == Counter({"a": 3, "b": 3, "c": 3})
            await proxier.apply([nodeport_target(node_port, [ports["b"]])])  # a and c left rotation
            assert {await ask(node_port) for _ in range(4)} == {"b"}
            await proxier.apply([nodeport_target(node_port, [])])
            assert await ask(node_port) == ""  # no ready endpoint: closed at once
    finally:
        await proxier.close()


async def test_a_refusing_backend_is_skipped() -> None:
    proxier = UserspaceProxier()
    node_port, dead = free_port(), free_port()
    try:
        async with named_backends(["alive"]) as ports:
            await proxier.apply([nodeport_target(node_port, [dead, ports["alive"]])])
            assert {await ask(node_port) for _ in range(4)} == {"alive"}
    finally:
        await proxier.close()


async def test_removed_service_stops_listening() -> None:
    proxier = UserspaceProxier()
    node_port = free_port()
    try:
        async with named_backends(["a"]) as ports:
            await proxier.apply([nodeport_target(node_port, [ports["a"]])])
            assert await ask(node_port) == "a"
            await proxier.apply([])
            assert proxier.forwarders == {}
            try:
                answer = await ask(node_port)
            except OSError:
                answer = None
            assert answer is None
    finally:
        await proxier.close()


async def test_session_affinity_client_ip_keeps_a_client_on_one_backend() -> None:
    from dataclasses import replace

    proxier = UserspaceProxier()
    node_port = free_port()
    try:
        async with named_backends(["a", "b", "c"]) as ports:
            sticky = replace(nodeport_target(node_port, list(ports.values())), affinity_seconds=60)
            await proxier.apply([sticky])
            assert len({await ask(node_port) for _ in range(6)}) == 1  # one client: one backend
            await proxier.apply([replace(sticky, affinity_seconds=None)])
            assert len({await ask(node_port) for _ in range(6)}) == 3  # round robin again
    finally:
        await proxier.close()
