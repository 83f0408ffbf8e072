"""The node's pod network: one Docker bridge network per node, `kube-<node>`, whose subnet
is the node's podCIDR; each pod's pause container gets a fixed address in it, so
the pod IP is exactly the one the agent handed out and reports."""

from __future__ import annotations

import ipaddress
import zlib
from typing import Any

import docker
from docker.types import IPAMConfig, IPAMPool

from kube.node.container_config import L_MANAGED, L_NODE, L_ROOT


class PodNetworkError(Exception):
    """The node's pod network cannot be made (e.g. its podCIDR overlaps another network)."""


def network_name(node: str) -> str:
    return f"kube-{node}"


def ensure_network(client: docker.DockerClient, node: str, cidr: str, root_dir: str) -> Any:
    """The node's network with subnet `cidr` (re-made when it has another subnet and no containers)."""
    name = network_name(node)
    gateway = str(ipaddress.ip_network(cidr, strict=False).network_address + 1)
    for net in client.networks.list(names=[name]):
        if net.name != name:
            continue
        configs = ((net.attrs.get("IPAM") or {}).get("Config")) or []
        if any(c.get("Subnet") == cidr for c in configs):
            return net
        net.reload()
        if net.attrs.get("Containers"):
            raise PodNetworkError(f"network {name} has subnet {configs} with containers attached, not {cidr}")
        net.remove()
    try:
        return client.networks.create(
            name, driver="bridge", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=cidr, gateway=gateway)]),
            labels={L_MANAGED: "true", L_NODE: node, L_ROOT: root_dir},
            options={"com.docker.network.bridge.name": f"kube{zlib.crc32(node.encode()):08x}"})
    except docker.errors.APIError as exc:
        raise PodNetworkError(f"cannot create the pod network {name} ({cidr}): {exc.explanation or exc}") from None


def remove_network(client: docker.DockerClient, node: str) -> None:
    for net in client.networks.list(names=[network_name(node)]):
        try:
            net.remove()
        except docker.errors.APIError:
            pass
