"""The closing table of `kube up`: each pod with its node, the node's zone, and its IP."""

from __future__ import annotations

from kube.local.pods_table import pods_table, selector_text


def pod(name: str, node: str = "", ip: str = "", ready: bool = True, phase: str = "Running") -> dict:
    return {"metadata": {"name": name}, "spec": {"nodeName": node, "containers": [{"name": "web"}]},
            "status": {"phase": phase, "podIP": ip, "containerStatuses": [{"name": "web", "ready": ready}]}}


def node(name: str, zone: str) -> dict:
    return {"metadata": {"name": name, "labels": {"topology.kubernetes.io/zone": zone}}}


def test_each_pod_shows_its_nodes_zone() -> None:
    lines = pods_table([pod("web-2", "minion-b", "10.244.1.2"), pod("web-1", "minion-a", "10.244.0.2")],
                       [node("minion-a", "a"), node("minion-b", "b")])
    assert lines[0].split() == ["NAME", "READY", "STATUS", "NODE", "ZONE", "IP"]
    assert [line.split() for line in lines[1:]] == [
        ["web-1", "1/1", "Running", "minion-a", "a", "10.244.0.2"],
        ["web-2", "1/1", "Running", "minion-b", "b", "10.244.1.2"],
    ]
    # columns line up: every row starts its NODE column at the header's offset
    offset = lines[0].index("NODE")
    assert all(line[offset:].startswith("minion-") for line in lines[1:])


def test_an_unscheduled_pod_shows_none() -> None:
    lines = pods_table([pod("web-3", ready=False, phase="Pending")], [])
    assert lines[1].split() == ["web-3", "0/1", "Pending", "<none>", "<none>", "<none>"]


def test_selector_text_is_sorted_and_comma_joined() -> None:
    assert selector_text({"tier": "front", "app": "web"}) == "app=web,tier=front"


def test_terminating_pods_are_counted_not_listed() -> None:
    going = pod("web-old", "minion-a", "10.244.0.9")
    going["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    lines = pods_table([going, pod("web-new", "minion-a", "10.244.0.3")], [node("minion-a", "a")])
    assert [line.split()[0] for line in lines[1:-1]] == ["web-new"]
    assert lines[-1] == "(1 pod(s) of an earlier rollout still terminating)"
