"""NodeName: a pod naming its node fits only there (checked at the framework level,
since the scheduler's queue never holds pods that already have spec.nodeName)."""

from __future__ import annotations

import pytest

from kube.scheduler.cache import SchedulerCache
from kube.scheduler.config import Profile
from kube.scheduler.framework import Framework
from kube.scheduler.pod_info import pod_info
from tests.scheduler.objects import node, pod


@pytest.mark.parametrize("engine", ["cython", "python"])
def test_named_node_only(engine):
    cache = SchedulerCache()
    for n in ("a", "b", "c"):
        cache.set_node(node(n))
    fw = Framework(Profile(), cache.table, cache.counts, engine)
    p = pod("p")
    p["spec"]["nodeName"] = "b"
    assert fw.run(pod_info(p)).node == "b"
    p["spec"]["nodeName"] = "zzz"
    out = fw.run(pod_info(p))
    assert out.node is None
    assert out.message == "0/3 nodes are available: 3 node(s) didn't match the requested node name."
