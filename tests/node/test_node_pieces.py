"""Pure pieces of the node agent: flags, pod IPs, Docker container settings, back-off, node status."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kube.node.container_config import command_line, container_create_args, expand, resource_limits
from kube.node.node_config import NodeConfig, node_name_problem, parse_labels, parse_taints
from kube.node.node_status import HostInfo, desired_status, keep_transition_times, status_changed
from kube.node.pod_ips import PodCidrExhausted, PodIPAllocator
from kube.node.restart_backoff import RestartBackoff


def test_flags_parse_or_say_why():
    assert parse_labels("a=1, example.com/b=two") == {"a": "1", "example.com/b": "two"}
    with pytest.raises(ValueError, match="invalid label 'nope'"):
        parse_labels("nope")
    assert parse_taints("dedicated=gpu:NoSchedule,spot:PreferNoSchedule") == [
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}, {"key": "spot", "effect": "PreferNoSchedule"}]
    with pytest.raises(ValueError, match="needs an effect"):
        parse_taints("a=b:Sometimes")
    assert node_name_problem("minion-a") == ""
    assert "invalid node name" in node_name_problem("Bad_Name")


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


def test_container_settings_for_docker():
    pod = {"metadata": {"name": "web", "namespace": "prod", "uid": "0123456789ab"}, "spec": {}}
    container = {"name": "app", "image": "kube.local/busybox:1", "command": ["sh", "-c"], "args": ["echo $(GREETING) $$HOME"],
                 "workingDir": "/srv", "resources": {"limits": {"cpu": "250m", "memory": "128Mi"}}}
    args = container_create_args(pod, container, kind="app", restarts=2, pause_id="abc", env=[("GREETING", "hi")],
                                 binds=["/x:/y:ro"], labels={"io.kube.managed": "true"})
    assert args["name"] == "k8s_app_web_prod_01234567_2"
    assert args["entrypoint"] == ["sh", "-c"] and args["command"] == ["echo hi $HOME"]
    assert args["network_mode"] == "container:abc" and args["working_dir"] == "/srv"
    assert args["nano_cpus"] == 250_000_000 and args["mem_limit"] == 128 * 1024 * 1024
    assert args["labels"]["io.kube.container.restart-count"] == "2"
    assert command_line({"args": ["a"]}, {}) == (None, ["a"])
    assert resource_limits({}) == {}
    assert expand("$(A)-$(MISSING)", {"A": "1"}) == "1-$(MISSING)"


def test_restart_back_off_doubles_to_five_minutes_and_resets():
    b = RestartBackoff()
    assert b.remaining("k", finished_at=100.0, now=100.0) == 0  # first restart: at once
    waits = [b.restarted("k", ran_for=1.0) for _ in range(7)]
    assert waits == [10, 20, 40, 80, 160, 300, 300]
    assert b.remaining("k", finished_at=100.0, now=150.0) == 250
    assert b.restarted("k", ran_for=700.0) == 10  # ran 10+ minutes: back to the start


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


def test_cleanup_matches_only_this_clusters_containers(tmp_path):
    from kube.node.containers_cleanup import _belongs

    mine = {"io.kube.managed": "true", "io.kube.root-dir": str(tmp_path / "nodes" / "minion-a")}
    other = {"io.kube.managed": "true", "io.kube.root-dir": str(tmp_path) + "-other/nodes/x"}
    assert _belongs(mine, str(tmp_path)) and not _belongs(other, str(tmp_path))
    assert _belongs(other, "") and not _belongs({"io.kube.root-dir": str(tmp_path)}, "")
