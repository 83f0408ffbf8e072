"""The node's Docker pod network with real Docker: the overlay's MTU reaches the pods' eth0,
and a network with another MTU is re-made only while no container is attached."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest

from kube.node.docker_network import MTU_OPTION, ensure_network, network_name, remove_network
from tests.fixtures.requirements import require_docker

BUSYBOX = "kube.local/busybox:1"


@pytest.fixture
def client() -> Iterator[docker.DockerClient]:
    require_docker()
    yield docker.from_env(timeout=120)


def _eth0_mtu(client: docker.DockerClient, network: str, ip: str, name: str) -> tuple[object, str]:
    """A container on `network` at `ip` (left running, attached) and its eth0's MTU."""
    container = client.containers.create(BUSYBOX, ["sleep", "300"], name=name, network=network,
                                         networking_config={network: client.api.create_endpoint_config(
                                             ipv4_address=ip)})
    container.start()
    out = container.exec_run(["cat", "/sys/class/net/eth0/mtu"]).output.decode().strip()
    return container, out


def test_the_overlay_mtu_reaches_pods_and_a_network_is_remade_only_without_containers(
        client: docker.DockerClient, tmp_path: Path) -> None:
    node = f"mtu-test-{os.getpid()}"
    cidr = f"10.253.{os.getpid() % 250}.0/24"
    containers = []
    try:
        net = ensure_network(client, node, cidr, str(tmp_path), mtu=1450)
        assert net.attrs["Options"][MTU_OPTION] == "1450"
        assert ensure_network(client, node, cidr, str(tmp_path), mtu=1450).id == net.id  # unchanged: kept
        container, mtu = _eth0_mtu(client, network_name(node), cidr.replace(".0/24", ".2"), f"{node}-a")
        containers.append(container)
        assert mtu == "1450"
        kept = ensure_network(client, node, cidr, str(tmp_path), mtu=None)  # a pod attached: kept, no error
        assert kept.id == net.id
        container.remove(force=True)
        containers.clear()
        remade = ensure_network(client, node, cidr, str(tmp_path), mtu=None)  # none attached: re-made
        assert remade.id != net.id and MTU_OPTION not in (remade.attrs.get("Options") or {})
        container, mtu = _eth0_mtu(client, network_name(node), cidr.replace(".0/24", ".3"), f"{node}-b")
        containers.append(container)
        assert mtu == "1500"  # Docker's default, off the overlay
    finally:
        for container in containers:
            container.remove(force=True)
        remove_network(client, node)
    assert not client.networks.list(names=[network_name(node)])
