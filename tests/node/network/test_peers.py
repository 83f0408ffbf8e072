"""What a Node means to the overlay (flannel's annotations), the same-host rule, and the
`kube node` network flags' one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kube.node.network.config import NetworkConfigError, parse_cluster_cidr
from kube.node.network.controller import same_host
from kube.node.network.peers import BACKEND_DATA, BACKEND_TYPE, PUBLIC_IP, Peer, annotations, peer_of


def node(cidr: str = "10.244.3.0/24", **notes: str) -> dict:
    return {"metadata": {"name": "n", "annotations": notes}, "spec": {"podCIDR": cidr} if cidr else {}}


def test_annotations_are_flannels() -> None:
    got = annotations("vxlan", "192.168.1.5", "aa:bb:cc:dd:ee:ff")
    assert got == {BACKEND_TYPE: "vxlan", BACKEND_DATA: '{"VNI":1,"VtepMAC":"aa:bb:cc:dd:ee:ff"}',
                   PUBLIC_IP: "192.168.1.5"}
    assert json.loads(annotations("host-gw", "192.168.1.5", "")[BACKEND_DATA]) == {}


def test_a_published_node_is_a_peer() -> None:
    peer = peer_of(node(**annotations("vxlan", "192.168.1.5", "aa:bb:cc:dd:ee:ff")))
    assert peer == Peer("n", "10.244.3.0/24", "vxlan", "192.168.1.5", "aa:bb:cc:dd:ee:ff")
    assert peer.gateway == "10.244.3.0"


@pytest.mark.parametrize("bad", [
    node(""),  # no podCIDR yet
    node(),  # nothing published yet
    node(**{BACKEND_TYPE: "udp", PUBLIC_IP: "192.168.1.5"}),  # a backend we do not speak
    node(**{BACKEND_TYPE: "vxlan", PUBLIC_IP: "192.168.1.5", BACKEND_DATA: "{}"}),  # vxlan without VtepMAC
    node(**{BACKEND_TYPE: "vxlan", PUBLIC_IP: "192.168.1.5", BACKEND_DATA: "not json"}),
    node(**{BACKEND_TYPE: "host-gw", PUBLIC_IP: "not-an-ip", BACKEND_DATA: "{}"}),
    node("10.244.3.0/99", **{BACKEND_TYPE: "host-gw", PUBLIC_IP: "192.168.1.5"}),
])
def test_what_is_not_a_peer(bad: dict) -> None:
    assert peer_of(bad) is None


def test_same_host_by_public_ip_or_by_bridge_gateway() -> None:
    peer = Peer("n", "10.244.3.0/24", "vxlan", "192.168.1.5", "aa:bb:cc:dd:ee:ff")
    assert same_host(peer, {"192.168.1.5"})  # make up: every minion has the host's address
    assert same_host(peer, {"10.244.3.1"})  # its bridge is here
    assert not same_host(peer, {"192.168.1.6", "10.244.4.1"})


@pytest.mark.parametrize("text", ["10.244.0.0/33", "10.244.0.1/16", "fd00::/64", "10.244.0.0/25", "nope"])
def test_bad_cluster_cidrs(text: str) -> None:
    with pytest.raises(NetworkConfigError):
        parse_cluster_cidr(text)


@pytest.mark.parametrize(("flags", "error"), [
    (["--simulated", "--network", "vxlan"], "--network needs --runtime docker"),
    (["--cluster-cidr", "10.244.0.0/33"], "--cluster-cidr '10.244.0.0/33' is not an IPv4 network"),
])
def test_node_network_flags_fail_with_one_line(flags: list[str], error: str) -> None:
    out = subprocess.run([sys.executable, "-m", "kube", "node", "--kubeconfig", "/nonexistent", *flags],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert error in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
