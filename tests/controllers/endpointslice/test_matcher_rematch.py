"""ServiceMatcher.rematch: after a bulk load (Services added without their pods, as the
EndpointSlice controller does during its first lists) one kernel pass gives the members
incremental matching gives, on both engines."""

from __future__ import annotations

import pytest

from kube.controllers.service_matcher import ServiceMatcher


@pytest.mark.parametrize("engine", ["python", "cython"])
def test_rematch_equals_incremental(engine: str) -> None:
    bulk, incremental = ServiceMatcher(engine), ServiceMatcher(engine)
    pods = {f"ns{i % 2}/p{i}": (f"ns{i % 2}", {"app": f"a{i % 5}", "tier": "x" if i % 3 else "y"})
            for i in range(60)}
    services = {f"ns{j % 2}/s{j}": (f"ns{j % 2}", {"app": f"a{j % 5}"} if j % 4 else {"tier": "y"})
                for j in range(12)}
    for key, (ns, labels) in pods.items():
        bulk.set_pod(key, ns, labels)
    for key, (ns, selector) in services.items():
        bulk.set_service(key, ns, selector)  # no pods: members unknown until rematch
        incremental.set_service(key, ns, selector)
    for key, (ns, labels) in pods.items():
        incremental.set_pod(key, ns, labels)
    assert all(bulk.pods_of(k) == set() for k in services)
    bulk.rematch()
    for key in services:
        assert bulk.pods_of(key) == incremental.pods_of(key) != set()
    for key in pods:
        assert bulk.services_of(key) == incremental.services_of(key)
    # and it keeps working incrementally afterwards
    assert "ns0/p0" in bulk.pods_of("ns0/s10")  # app a0
    assert bulk.set_pod("ns0/p0", "ns0", {"app": "a1"}) >= {"ns0/s6", "ns0/s10"}
    assert "ns0/p0" in bulk.pods_of("ns0/s6") and "ns0/p0" not in bulk.pods_of("ns0/s10")
