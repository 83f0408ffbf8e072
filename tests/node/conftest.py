"""Fixtures for node-agent tests: an in-process API server (from tests/apiserver) and a
docker node agent on it whose containers and network are removed afterwards; a plain
busybox container for the node server's access tests to exec into."""

from __future__ import annotations

import random
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube.client.rest import RestClient
from kube.node.agent import NodeAgent
from kube.node.events import EventRecorder
from kube.node.fleet import NodeFleet
from kube.node.node_config import NodeConfig
from tests.apiserver.conftest import kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.fixtures.requirements import require_docker
from tests.node.cluster import assign_pod_cidrs


@pytest.fixture(scope="module")
def container() -> Iterator[str]:
    """The Docker id of a `sleep 3600` busybox container, removed after the module."""
    require_docker()
    name = f"node-test-{uuid.uuid4().hex[:8]}"
    subprocess.run(["docker", "run", "-d", "--name", name, "kube.local/busybox:1", "sleep", "3600"], check=True,
                   capture_output=True)
    try:
        yield subprocess.run(["docker", "inspect", "-f", "{{.Id}}", name], check=True, capture_output=True,
                             text=True).stdout.strip()
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


@dataclass
class DockerNode:
    client: RestClient
    fleet: NodeFleet
    name: str
    root: Path
    cidr: str

    async def restart(self) -> None:
        """Stop the agent (containers keep running) and start a fresh one on the same node."""
        await self.fleet.stop()
        self.fleet = make_fleet(self.client, self.name, self.root)
        await self.fleet.start()


def make_fleet(client: RestClient, name: str, root: Path) -> NodeFleet:
    from kube.node.docker_runtime import DockerRuntime

    events = EventRecorder(client, name)
    config = NodeConfig(name=name, zone="a", root_dir=str(root))
    agent = NodeAgent(config, DockerRuntime(name, str(root), events), client, events, resync_seconds=0.5)
    return NodeFleet(client, [agent], lease_interval=5.0)


@pytest.fixture
async def docker_node(kubeconfig, tmp_path: Path) -> AsyncIterator[DockerNode]:  # noqa: F811
    require_docker()
    from kube.node.containers_cleanup import remove_all_kube_containers

    client = RestClient.from_kubeconfig(str(kubeconfig))
    name = f"dn-{uuid.uuid4().hex[:6]}"
    root = tmp_path / "node"
    root.mkdir()
    node = DockerNode(client, make_fleet(client, name, root), name, root, "")
    try:
        await node.fleet.start()
        node.cidr = (await assign_pod_cidrs(client, [name], base=random.randint(100, 250)))[name]
        yield node
    finally:
        await node.fleet.stop()
        remove_all_kube_containers(str(tmp_path))
        await client.close()
