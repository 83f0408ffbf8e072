"""Day two on the session's cluster (after test_site rebuilt it): scale.yml adds a
minion with --limit and touches nothing else; upgrade.yml rolls every host from N to
N+1 while probers watch (a Service through a NodePort every 50 ms, every API server,
the Deployment's ready pods under its PodDisruptionBudget, etcd writes); afterwards every
daemon reports N+1 through the API, a re-run changes nothing, and going back to N is
refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.fixtures.hosts import STAMPED_VERSION
from tests.playbooks.cluster_checks import (
    changed_tasks,
    kubectl,
    kubectl_json,
    recap,
    unit_start_times,
    wait_for,
)
from tests.playbooks.fleet import NEXT_VERSION, Fleet, assert_ok, minion_labels
from tests.playbooks.probers import Probers, admin_tls, service_answers

pytestmark = [pytest.mark.playbooks, pytest.mark.timeout(2400)]

APP, PORT, NODE_PORT, REPLICAS, MAX_UNAVAILABLE = "echo", 18080, 30080, 2, 1
# A hostNetwork server (pods are reached at their node's IP: the cross-host pod network
# is not in the roles yet), one per node (anti-affinity), that keeps serving for 3 s
# after SIGTERM while the proxies drop its endpoint.
SERVER = (f"mkdir -p /www && echo ok > /www/index.html && httpd -f -p {PORT} -h /www & pid=$!; "
          "trap 'sleep 3; kill $pid; exit 0' TERM; wait $pid")
MANIFESTS = [
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": APP}, "spec": {
        "replicas": REPLICAS, "selector": {"matchLabels": {"app": APP}},
        "strategy": {"rollingUpdate": {"maxUnavailable": MAX_UNAVAILABLE, "maxSurge": 0}},
        "template": {"metadata": {"labels": {"app": APP}}, "spec": {
            "hostNetwork": True, "terminationGracePeriodSeconds": 10,
            "affinity": {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
                {"labelSelector": {"matchLabels": {"app": APP}}, "topologyKey": "kubernetes.io/hostname"}]}},
            "containers": [{"name": "web", "image": "kube.local/busybox:1", "command": ["sh", "-c", SERVER],
                            "ports": [{"containerPort": PORT}],
                            "readinessProbe": {"httpGet": {"path": "/", "port": PORT}, "periodSeconds": 1}}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": APP}, "spec": {
        "type": "NodePort", "selector": {"app": APP},
        "ports": [{"port": 80, "targetPort": PORT, "nodePort": NODE_PORT}]}},
    {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": APP}, "spec": {
        "maxUnavailable": MAX_UNAVAILABLE, "selector": {"matchLabels": {"app": APP}}}},
]


def with_wheel(fleet: Fleet, wheel: Path) -> list[str]:
    extra = list(fleet.extra)
    extra[extra.index(next(a for a in extra if a.startswith("kube_wheel=")))] = f"kube_wheel={wheel}"
    return extra


def ready_nodes(fleet: Fleet) -> dict[str, dict]:
    nodes = {n["metadata"]["name"]: n for n in kubectl_json(fleet.kubeconfig, "get", "nodes")["items"]}
    return {k: n for k, n in nodes.items()
            if any(c["type"] == "Ready" and c["status"] == "True" for c in n["status"]["conditions"])}


def test_scale_adds_a_minion_touching_nothing_else(fleet: Fleet, make_hosts) -> None:
    new = make_hosts(len(fleet.hosts) + 1)[-1]
    starts = {h.name: unit_start_times(h) for h in fleet.hosts}
    fleet.add_minion(new)
    proc = fleet.run("scale.yml", "--limit", new.name)
    assert_ok(proc)
    print(f"scale.yml --limit {new.name}: {fleet.timings['scale.yml']:.0f}s")
    assert set(recap(proc.stdout)) <= {new.name, "localhost"}, recap(proc.stdout)
    assert {h for _, h in changed_tasks(proc.stdout)} == {new.name}  # its certificates issued on the CA host
    assert {h.name: unit_start_times(h) for h in fleet.hosts if h != new} == starts, "scale.yml restarted a unit"
    nodes = wait_for("the new minion Ready", lambda: ready_nodes(fleet).get(new.name), timeout=180)
    assert nodes["metadata"]["labels"]["tier"] == minion_labels(len(fleet.minions) - 1)["tier"]


def test_zero_unavailability_upgrade(fleet: Fleet, next_wheel: Path, tmp_path: Path) -> None:
    assert len(fleet.minions) >= 2 and len(fleet.masters) >= 2, "the point needs two minions and two masters"
    manifest = tmp_path / "echo.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": MANIFESTS}))
    kubectl(fleet.kubeconfig, "apply", "-f", str(manifest))
    wait_for("the echo pods ready on both minions", lambda: kubectl_json(
        fleet.kubeconfig, "get", "deployment", APP).get("status", {}).get("readyReplicas") == REPLICAS, timeout=240)
    url = f"http://{fleet.minions[-1].ip}:{NODE_PORT}/"
    wait_for("the Service answering through the NodePort", lambda: service_answers(url), timeout=120)
    probers = Probers(url, [f"https://{m.ip}:6443" for m in fleet.masters], admin_tls(fleet.kubeconfig, tmp_path),
                      APP, etcd_host=fleet.etcd[0]).start()
    try:
        proc = fleet.run("upgrade.yml", extra=with_wheel(fleet, next_wheel), label="upgrade.yml")
    finally:
        probers.stop()
    assert_ok(proc)
    print(f"upgrade.yml {STAMPED_VERSION} -> {NEXT_VERSION}: {fleet.timings['upgrade.yml']:.0f}s; "
          f"service probes {probers.service.attempts}, API rounds {probers.api.attempts}, "
          f"ready samples {len(probers.ready.samples)} (min {min(probers.ready.samples, default=-1)}), "
          f"etcd writes {probers.etcd.attempts}")
    print(proc.stdout[proc.stdout.find("TASKS RECAP"):][:2500])
    assert probers.service.attempts > 100 and not probers.service.failures, probers.service.failures[:20]
    assert not probers.api.failures, probers.api.failures[:20]
    assert probers.ready.samples and min(probers.ready.samples) >= REPLICAS - MAX_UNAVAILABLE, probers.ready.samples
    assert probers.etcd.attempts > 10 and not probers.etcd.failures, probers.etcd.failures[:20]


def test_every_daemon_reports_the_new_version(fleet: Fleet) -> None:
    for m in fleet.masters:
        version = kubectl_json(fleet.kubeconfig, f"--server=https://{m.ip}:6443", "version")
        assert version["serverVersion"]["gitCommit"] == f"kube-{NEXT_VERSION}", version
    nodes = kubectl_json(fleet.kubeconfig, "get", "nodes")["items"]
    assert {n["status"]["nodeInfo"]["kubeletVersion"] for n in nodes} == {f"v{NEXT_VERSION}"}
    assert {n["status"]["nodeInfo"]["kubeProxyVersion"] for n in nodes} == {f"v{NEXT_VERSION}"}
    assert not any(n["spec"].get("unschedulable") for n in nodes), "a minion was left cordoned"
    for h in fleet.hosts:
        links = h.sh("readlink /opt/kube/current /opt/kube/previous").stdout.split()
        assert links == [f"/opt/kube/{NEXT_VERSION}", f"/opt/kube/{STAMPED_VERSION}"], (h.name, links)
        units = h.sh("systemctl show -p ExecStart --value 'kube-*' | grep -o '/opt/kube/[^/]*/bin/kube' "
                     "| sort -u").stdout.split()
        assert units == [f"/opt/kube/{NEXT_VERSION}/bin/kube"] or not units, (h.name, units)


def test_a_second_upgrade_changes_nothing(fleet: Fleet, next_wheel: Path) -> None:
    starts = {h.name: unit_start_times(h) for h in fleet.hosts}
    proc = fleet.run("upgrade.yml", extra=with_wheel(fleet, next_wheel), label="second upgrade.yml")
    assert_ok(proc)
    print(f"second upgrade.yml: {fleet.timings['second upgrade.yml']:.0f}s")
    assert not changed_tasks(proc.stdout), changed_tasks(proc.stdout)
    assert {h.name: unit_start_times(h) for h in fleet.hosts} == starts, "a second upgrade.yml restarted a unit"


def test_going_back_to_the_older_version_is_refused(fleet: Fleet) -> None:
    proc = fleet.run("upgrade.yml", label="downgrade refused")  # fleet.extra: the N wheel
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert (f"refusing to downgrade: the cluster runs kube {NEXT_VERSION} and kube_wheel is {STAMPED_VERSION}; "
            "pass -e allow_downgrade=yes to do it anyway") in out, out[-3000:]
    assert not changed_tasks(proc.stdout), changed_tasks(proc.stdout)
    assert "PLAY [Upgrade | The new version installed" not in out, "a play ran after the refusal"
