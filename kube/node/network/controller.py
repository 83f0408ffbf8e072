"""The pod network's loop: one Node informer (every Node, not only ours), and on every
change, or every `resync_seconds`, one pass that makes the kernel match the API:

    publish our annotations -> ensure the VXLAN device and the iptables chains
    -> program every peer (route, neighbour, FDB) -> remove what belongs to no peer

A pass is idempotent and reads only the informer's cache, so a watch broken by an API
server restart (the informer resumes by itself) costs nothing but a late pass; the
periodic pass also repairs what someone else changed (Docker re-inserting its MASQUERADE
above ours, a route deleted by hand). Settings the host refuses (an overlapping
--cluster-cidr, no uplink) and our own Node without a podCIDR become one Warning Event
on the Node and one log line; the agent's pods keep running on their node-local bridge.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import secrets
from typing import Any

from pyroute2 import NetlinkError

from kube.api.meta import Obj
from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError, ApiError
from kube.client.event_writer import EventWriter, event_stamp
from kube.client.informer import Informer
from kube.client.rest import RestClient
from kube.node.network import netlink as nl
from kube.node.network.config import (
    NetworkConfig,
    NetworkConfigError,
    Uplink,
    cidr_overlap,
    find_uplink,
    local_addresses,
    pod_mtu,
)
from kube.node.network.iptables import Iptables, IptablesError
from kube.node.network.peers import Peer, annotations, peer_of, pod_cidr

log = logging.getLogger("kube.node.network")
NODE = resolve("nodes")
NO_CIDR_GRACE_SECONDS = 10.0


class PodNetwork:
    def __init__(self, client: RestClient, node_name: str, config: NetworkConfig, *,
                 resync_seconds: float = 10.0, no_cidr_grace: float = NO_CIDR_GRACE_SECONDS) -> None:
        self.client = client
        self.node_name = node_name
        self.config = config
        self.resync_seconds = resync_seconds
        self.no_cidr_grace = no_cidr_grace
        self.informer = Informer(client, NODE)
        self.iptables = Iptables(config.netns)
        self.events = EventWriter(client, f"node {node_name} network")
        self.uplink: Uplink | None = None
        self.vtep_mac = ""
        self.problem = ""  # why the network is off ("" while it runs)
        self.programmed: dict[str, Peer] = {}  # node name -> what we programmed for it
        self.passes = 0
        self._warned: set[str] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._started_at = 0.0
        self._stopping = False

    # --- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Check the host, then run the loop (also when the check failed: the Event needs the API)."""
        try:
            self.uplink = await asyncio.to_thread(self._check_host)
        except NetworkConfigError as exc:
            self.problem = str(exc)
            log.error("pod network off: %s", self.problem)
        wake = lambda *_a: self._wake.set()  # noqa: E731
        self.informer.add_handler(wake, wake, wake)
        self.informer.start()
        self._started_at = asyncio.get_running_loop().time()
        self._task = asyncio.get_running_loop().create_task(self._loop(), name="pod-network")

    async def stop(self) -> None:
        """Stop the loop; the kernel state stays (pods keep their network; cleanup() removes it)."""
        if self._task is not None:  # let a pass in a worker thread finish: cancelling would not stop it
            self._stopping = True
            self._wake.set()
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 30.0)
            except TimeoutError:
                self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self.informer.stop()
        await self.events.flush(2.0)
        await self.events.stop()

    def _check_host(self) -> Uplink:
        with nl.netlink(self.config.netns) as ipr:
            problem = cidr_overlap(ipr, self.config.cluster_cidr)
            if problem:
                raise NetworkConfigError(problem)
            return _uplink(ipr, self.config)

    async def _loop(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), self.resync_seconds)
            except TimeoutError:
                pass
            self._wake.clear()
            if self._stopping:
                return
            if not self.informer.has_synced():
                continue
            try:
                await self.sync()
            except (ApiError, ApiConnectionError) as exc:  # the API is away: the next pass retries
                log.warning("pod network: %s", exc)
            except (OSError, NetlinkError, IptablesError, NetworkConfigError) as exc:
                self._warn_once(f"failed {exc}", f"pod network: {exc}")

    # --- one pass ----------------------------------------------------------------------------------

    async def sync(self) -> None:
        self.passes += 1
        me = self.informer.store.get(self.node_name)
        if me is None:
            return
        if self.problem:
            self._warn_once("InvalidClusterCIDR" if "cluster-cidr" in self.problem else "NetworkFailed",
                            self.problem, me)
            return
        own_cidr = pod_cidr(me)
        if not own_cidr and asyncio.get_running_loop().time() - self._started_at >= self.no_cidr_grace:
            self._warn_once("NoPodCIDR", f"node {self.node_name} has no podCIDR: its pods cannot reach other"
                                         " nodes (is the controller manager allocating node CIDRs?)", me)
        self.vtep_mac = await asyncio.to_thread(self._ensure_local, own_cidr)
        await self._publish(me)
        wanted = self.wanted_peers(await asyncio.to_thread(self._local_addresses))
        failures = await asyncio.to_thread(self._program, wanted)
        for name, problem in failures.items():
            self._warn_once(f"peer {name}", f"pod network: cannot program peer {name}: {problem}", me,
                            "NetworkFailed")

    def _ensure_local(self, own_cidr: str) -> str:
        assert self.uplink is not None
        self.iptables.ensure(self.config.cluster_cidr)
        with nl.netlink(self.config.netns) as ipr:
            if self.config.mode == "vxlan":
                return nl.ensure_vxlan(ipr, self.uplink, own_cidr)
            nl.remove_device(ipr)  # host-gw: an earlier vxlan run's device goes (prune removes its routes)
            return ""

    async def _publish(self, me: Obj) -> None:
        assert self.uplink is not None
        want = annotations(self.config.mode, self.uplink.ip, self.vtep_mac)
        have = (me.get("metadata") or {}).get("annotations") or {}
        if any(have.get(k) != v for k, v in want.items()):
            await self.client.patch(NODE, self.node_name, {"metadata": {"annotations": want}})
            log.info("node %s: published %s %s", self.node_name, self.config.mode, want)

    def _local_addresses(self) -> set[str]:
        with nl.netlink(self.config.netns) as ipr:
            return local_addresses(ipr)

    def wanted_peers(self, local: set[str]) -> dict[str, Peer]:
        """Every other Node with a podCIDR and our backend whose bridge is on another host."""
        peers = {}
        for node in self.informer.store.list():
            name = str((node.get("metadata") or {}).get("name", ""))
            peer = peer_of(node) if name != self.node_name else None
            if peer is None or same_host(peer, local):
                continue
            if peer.backend != self.config.mode:
                self._warn_once(f"backend {name}", f"peer {name} uses backend {peer.backend}, this node "
                                                   f"{self.config.mode}: not programmed")
                continue
            peers[name] = peer
        return peers

    def _program(self, wanted: dict[str, Peer]) -> dict[str, str]:
        failures = {}
        with nl.netlink(self.config.netns) as ipr:
            for name, old in list(self.programmed.items()):
                if wanted.get(name) != old:
                    nl.unprogram(ipr, old)
                    del self.programmed[name]
                    log.info("pod network: removed peer %s (%s)", name, old.pod_cidr)
            for name, peer in wanted.items():
                try:
                    nl.program(ipr, peer)
                except (NetlinkError, RuntimeError) as exc:
                    failures[name] = str(exc)
                    continue
                if name not in self.programmed:
                    log.info("pod network: peer %s %s via %s (%s)", name, peer.pod_cidr, peer.public_ip, peer.backend)
                self.programmed[name] = peer
            nl.prune(ipr, {p.pod_cidr for p in self.programmed.values()})
        return failures

    # --- Events ------------------------------------------------------------------------------------

    def _warn_once(self, key: str, message: str, node: Obj | None = None, reason: str = "") -> None:
        """One log line and (with the Node) one Warning Event per distinct problem."""
        if key in self._warned:
            return
        self._warned.add(key)
        log.error("%s", message)
        if node is not None:
            reason = reason or key
            self.events.submit((reason, message), "default", lambda count: node_event(node, reason, message, count))


def _uplink(ipr: Any, config: NetworkConfig) -> Uplink:
    ip = config.public_ip  # a loopback --node-ip (a one-machine cluster) says nothing about the uplink
    return find_uplink(ipr, "" if not ip or ipaddress.ip_address(ip).is_loopback else ip)


def host_pod_mtu(config: NetworkConfig) -> int | None:
    """The MTU this node's pods need (config.pod_mtu), read from the host before any pod starts;
    None (Docker's default) when the host has no usable uplink: start() reports why."""
    if config.mode == "none":
        return None
    try:
        with nl.netlink(config.netns) as ipr:
            return pod_mtu(config.mode, _uplink(ipr, config))
    except NetworkConfigError:
        return None


def same_host(peer: Peer, local: set[str]) -> bool:
    """The peer's bridge is in this network namespace (make up): its public IP or its
    bridge's gateway (the podCIDR's first address) is one of ours."""
    gateway = str(ipaddress.ip_network(peer.pod_cidr, strict=False).network_address + 1)
    return peer.public_ip in local or gateway in local


def node_event(node: Obj, reason: str, message: str, count: int) -> Obj:
    meta = node.get("metadata") or {}
    now = event_stamp()
    name = str(meta.get("name", ""))
    return {"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": f"{name}.{secrets.token_hex(8)}", "namespace": "default"},
            "involvedObject": {"kind": "Node", "apiVersion": "v1", "name": name, "uid": meta.get("uid", "")},
            "reason": reason, "message": message, "type": "Warning",
            "source": {"component": "kubelet", "host": name}, "reportingComponent": "kubelet",
            "reportingInstance": name, "firstTimestamp": now, "lastTimestamp": now, "count": count}
