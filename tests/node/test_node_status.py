"""The Node status the agent reports, and when it is worth writing."""

from __future__ import annotations

from kube.node.node_config import NodeConfig
from kube.node.node_status import HostInfo, desired_status, keep_transition_times, status_changed


def test_node_status_changes_only_when_something_real_changes():
    config = NodeConfig(name="n1", zone="a", max_pods=50)
    host = HostInfo(runtime_version="docker://20.10")
    first = desired_status(config, {"cpu": "2", "memory": "1Gi"}, host, [])
    assert first["capacity"]["pods"] == "50" and first["allocatable"]["cpu"] == "2"
    again = desired_status(config, {"cpu": "2", "memory": "1Gi"}, host, [])
    assert not status_changed(first, again)  # only heartbeat times differ
    unknown = {**first, "conditions": [{**c, "status": "Unknown"} if c["type"] == "Ready" else c
                                       for c in first["conditions"]]}
    assert status_changed(unknown, again)  # the lifecycle controller marked it Unknown
    assert status_changed(first, desired_status(config, {"cpu": "4", "memory": "1Gi"}, host, []))
    old = {"conditions": [{"type": "Ready", "status": "True", "lastTransitionTime": "2020-01-01T00:00:00Z"}]}
    kept = keep_transition_times(old, again)
    assert next(c for c in kept["conditions"] if c["type"] == "Ready")["lastTransitionTime"] == "2020-01-01T00:00:00Z"
