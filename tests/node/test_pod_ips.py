"""Pod IPs from the node's podCIDR: never the network, gateway or broadcast address, never shared."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.node.pod_ips import PodCidrExhausted, PodIPAllocator


def test_pod_ips_skip_network_gateway_and_broadcast():
    ips = PodIPAllocator("10.244.3.0/29")
    got = [ips.allocate(f"u{i}") for i in range(5)]
    assert got == [f"10.244.3.{i}" for i in range(2, 7)]
    assert ips.allocate("u0") == "10.244.3.2"  # stable per pod
    with pytest.raises(PodCidrExhausted):
        ips.allocate("u-more")
    ips.release("u1")
    assert ips.allocate("u-new") == "10.244.3.3"
    assert not ips.occupy("other", "10.244.3.2")  # taken by u0
    assert not ips.occupy("other", "10.244.4.2")  # not ours


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 30)), max_size=200))
def test_pod_ips_are_never_shared(ops):
    ips = PodIPAllocator("10.244.0.0/27")
    live: dict[str, str] = {}
    for allocate, n in ops:
        uid = f"u{n}"
        if allocate:
            try:
                live[uid] = ips.allocate(uid)
            except PodCidrExhausted:
                assert len(live) == 29
        else:
            ips.release(uid)
            live.pop(uid, None)
        assert len(set(live.values())) == len(live)
        assert all(ipaddress.ip_address(ip) in ipaddress.ip_network("10.244.0.0/27") for ip in live.values())
