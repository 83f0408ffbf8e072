"""The node's pod network: one Docker bridge network per node, `kube-<node>`, whose subnet
is the node's podCIDR; each pod's pause container gets a fixed address in it, so
the pod IP is exactly the one the agent handed out and reports. Under the VXLAN overlay the
network carries the overlay's MTU (`com.docker.network.driver.mtu`), so each pod's eth0 is
no bigger than what the VXLAN device can send (kube/node/network/config.py `pod_mtu`)."""

from __future__ import annotations

import ipaddress
import logging
import zlib
from typing import Any

import docker
from docker.types import IPAMConfig, IPAMPool

from kube.node.container_config import L_MANAGED, L_NODE, L_ROOT

MTU_OPTION = "com.docker.network.driver.mtu"

log = logging.getLogger("kube.node.docker")


class PodNetworkError(Exception):
    """The node's pod network cannot be made (e.g. its podCIDR overlaps another network)."""


def network_name(node: str) -> str:
    return f"kube-{node}"


def ensure_network(client: docker.DockerClient, node: str, cidr: str, root_dir: str, mtu: int | None = None) -> Any:
    """The node's network with subnet `cidr` and MTU `mtu` (None: Docker's default). One with
    another subnet or MTU is re-made when no container is attached; with containers, another
    subnet is an error (their IPs would be wrong) and another MTU only a warning (pods keep
    working, as before; new ones get the right MTU once the node's pods are gone)."""
    name = network_name(node)
    gateway = str(ipaddress.ip_network(cidr, strict=False).network_address + 1)
    want_mtu = str(mtu) if mtu else None
    for net in client.networks.list(names=[name]):
        if net.name != name:
            continue
        configs = ((net.attrs.get("IPAM") or {}).get("Config")) or []
        same_subnet = any(c.get("Subnet") == cidr for c in configs)
        have_mtu = (net.attrs.get("Options") or {}).get(MTU_OPTION)
        if same_subnet and have_mtu == want_mtu:
            return net
        net.reload()
        if net.attrs.get("Containers"):
            if same_subnet:
                log.warning("network %s has MTU %s, not %s: re-made once its pods are gone", name,
                            have_mtu or "default", want_mtu or "default")
                return net
            raise PodNetworkError(f"network {name} has subnet {configs} with containers attached, not {cidr}")
        net.remove()
    options = {"com.docker.network.bridge.name": f"kube{zlib.crc32(node.encode()):08x}"}
    if want_mtu:
        options[MTU_OPTION] = want_mtu
    try:
        return client.networks.create(
            name, driver="bridge", ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=cidr, gateway=gateway)]),
            labels={L_MANAGED: "true", L_NODE: node, L_ROOT: root_dir}, options=options)
    except docker.errors.APIError as exc:
        raise PodNetworkError(f"cannot create the pod network {name} ({cidr}): {exc.explanation or exc}") from None


def remove_network(client: docker.DockerClient, node: str) -> None:
    for net in client.networks.list(names=[network_name(node)]):
        try:
            net.remove()
        except docker.errors.APIError:
            pass
