"""`make test-playbooks-full` only (PLAYBOOKS_FULL=1; not CI): after test_upgrade, on the
same cluster: a failed upgrade (a wheel whose node agent exits) rolls the first minion
back and stops, and the rerun with a good wheel completes; rotate-certs.yml under the
Service prober; etcd-backup.yml and etcd-restore.yml; remove-node.yml of a minion and,
with 3 etcd members (PLAYBOOK_MASTERS=3), of an etcd+master host."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.playbooks.cluster_checks import (
    cert_fingerprints,
    changed_tasks,
    kubectl,
    kubectl_json,
    leftovers,
    unit_start_times,
    wait_for,
)
from tests.playbooks.fleet import NEXT_VERSION, Fleet, assert_ok
from tests.playbooks.probers import Probers, admin_tls
from tests.playbooks.test_upgrade import APP, NODE_PORT, ready_nodes, with_wheel
from tests.playbooks.wheels import restamp

pytestmark = [pytest.mark.playbooks, pytest.mark.timeout(2400)]
BAD_VERSION = NEXT_VERSION.rsplit(".", 1)[0] + "." + str(int(NEXT_VERSION.rsplit(".", 1)[1]) + 1)
ETCDCTL = ("etcdctl --endpoints=https://127.0.0.1:2379 --cacert=/etc/kube/pki/ca.crt "
           "--cert=/etc/kube/pki/etcd-healthcheck.crt --key=/etc/kube/pki/etcd-healthcheck.key")


def kubelet_versions(fleet: Fleet) -> dict[str, str]:
    return {n["metadata"]["name"]: n["status"]["nodeInfo"]["kubeletVersion"]
            for n in kubectl_json(fleet.kubeconfig, "get", "nodes")["items"]}


def test_a_failed_upgrade_rolls_the_first_minion_back(fleet: Fleet, next_wheel: Path, tmp_path: Path) -> None:
    first, rest = fleet.minions[0], fleet.minions[1:]
    broken = restamp(next_wheel, BAD_VERSION, tmp_path / "broken", broken_agent=True)
    starts = {h.name: unit_start_times(h) for h in rest}
    proc = fleet.run("upgrade.yml", extra=with_wheel(fleet, broken), label="failed upgrade.yml")
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-4000:]
    print(f"failed upgrade.yml with rollback: {fleet.timings['failed upgrade.yml']:.0f}s")
    # one clear failure, the first minion's (ansible-core 2.19 prints a failed task's message
    # twice: as "[ERROR]: Task failed" and in its "fatal:" result)
    assert f"upgrade of {first.name} to kube {BAD_VERSION} failed (" in out, out[-4000:]
    assert not [h.name for h in rest if f"upgrade of {h.name} to kube" in out], out[-4000:]
    assert (f"rolled back to kube {NEXT_VERSION} (/opt/kube/current -> /opt/kube/{NEXT_VERSION}) and uncordoned; "
            "the run stops before the next batch") in out, out[-4000:]
    assert first.sh("readlink /opt/kube/current").stdout.strip() == f"/opt/kube/{NEXT_VERSION}"
    node = wait_for("the rolled-back minion Ready", lambda: ready_nodes(fleet).get(first.name), timeout=180)
    assert node["status"]["nodeInfo"]["kubeletVersion"] == f"v{NEXT_VERSION}" and not node["spec"].get("unschedulable")
    assert {h.name: unit_start_times(h) for h in rest} == starts, "a minion of a later batch was touched"
    assert all(kubelet_versions(fleet)[h.name] == f"v{NEXT_VERSION}" for h in rest)

    good = restamp(next_wheel, BAD_VERSION, tmp_path / "good")
    proc = fleet.run("upgrade.yml", extra=with_wheel(fleet, good), label="upgrade.yml after the rollback")
    assert_ok(proc)
    assert set(kubelet_versions(fleet).values()) == {f"v{BAD_VERSION}"}, kubelet_versions(fleet)


def test_rotate_certs_under_the_prober(fleet: Fleet, tmp_path: Path) -> None:
    before = {h.name: cert_fingerprints(h) for h in fleet.hosts}
    probers = Probers(f"http://{fleet.minions[-1].ip}:{NODE_PORT}/", [f"https://{m.ip}:6443" for m in fleet.masters],
                      admin_tls(fleet.kubeconfig, tmp_path), APP).start()
    try:
        proc = fleet.run("rotate-certs.yml", label="rotate-certs.yml")
    finally:
        probers.stop()
    assert_ok(proc)
    print(f"rotate-certs.yml: {fleet.timings['rotate-certs.yml']:.0f}s; service probes {probers.service.attempts}, "
          f"failed {len(probers.service.failures)}; API rounds {probers.api.attempts}, "
          f"with no API server ready {len(probers.api.failures)}")
    after = {h.name: cert_fingerprints(h) for h in fleet.hosts}
    for h in fleet.hosts:
        old = dict(line.split()[::-1] for line in before[h.name].splitlines())
        new = dict(line.split()[::-1] for line in after[h.name].splitlines())
        assert old.pop("ca.crt") == new.pop("ca.crt"), f"the CA changed on {h.name}"
        assert all(old[k] != new[k] for k in old), (h.name, old, new)
    assert not probers.service.failures, probers.service.failures[:20]
    if len(fleet.etcd) >= 3:  # one etcd member restarting makes every /readyz fail for a moment
        assert not probers.api.failures, probers.api.failures[:20]
    wait_for("every node Ready on its new certificates", lambda: len(ready_nodes(fleet)) == len(fleet.minions))


def test_backup_then_restore_serves_the_old_objects(fleet: Fleet) -> None:
    kubectl(fleet.kubeconfig, "create", "configmap", "before-backup", "--from-literal=k=v")
    proc = fleet.run("etcd-backup.yml", label="etcd-backup.yml")
    assert_ok(proc)
    snaps = sorted((fleet.inventory / "artifacts" / "etcd-backups").glob("*.db"))
    assert len(snaps) == 1, snaps
    recorded = Path(f"{snaps[0]}.sha256").read_text().split()[0]
    assert hashlib.sha256(snaps[0].read_bytes()).hexdigest() == recorded
    kubectl(fleet.kubeconfig, "create", "configmap", "after-backup", "--from-literal=k=v")
    ids = fleet.etcd[0].sh(f"{ETCDCTL} member list").stdout
    proc = fleet.run("etcd-restore.yml", "-e", f"etcd_snapshot={snaps[0]}", label="etcd-restore.yml")
    assert_ok(proc)
    print(f"etcd-backup.yml {fleet.timings['etcd-backup.yml']:.0f}s, etcd-restore.yml "
          f"{fleet.timings['etcd-restore.yml']:.0f}s ({snaps[0].stat().st_size} bytes)")
    assert fleet.etcd[0].sh(f"{ETCDCTL} member list").stdout != ids, "the restored cluster kept its member ids"
    names = wait_for("the API serving the restored objects", lambda: kubectl(
        fleet.kubeconfig, "get", "configmaps", "-o", "name").stdout.split(), timeout=120)
    assert "configmap/before-backup" in names and "configmap/after-backup" not in names, names
    wait_for("every node Ready after the restore", lambda: len(ready_nodes(fleet)) == len(fleet.minions), timeout=240)


def test_remove_node_of_a_minion(fleet: Fleet) -> None:
    gone = fleet.minions[-1]
    proc = fleet.run("remove-node.yml", "-e", f"node={gone.name}", label="remove-node.yml (minion)")
    assert_ok(proc)
    print(f"remove-node.yml of a minion: {fleet.timings['remove-node.yml (minion)']:.0f}s")
    assert gone.name not in kubelet_versions(fleet)
    assert not leftovers(gone), leftovers(gone)
    assert fleet.kubeconfig.exists(), "remove-node.yml removed the operator's admin.conf"
    assert {h for _, h in changed_tasks(proc.stdout)} <= {gone.name, "localhost"}, changed_tasks(proc.stdout)


def test_remove_node_of_an_etcd_master(fleet: Fleet) -> None:
    if len(fleet.etcd) < 3:
        pytest.skip("needs 3 etcd members (PLAYBOOK_MASTERS=3)")
    gone = fleet.etcd[-1]
    proc = fleet.run("remove-node.yml", "-e", f"node={gone.name}", label="remove-node.yml (etcd+master)")
    assert_ok(proc)
    members = fleet.etcd[0].sh(f"{ETCDCTL} member list").stdout.splitlines()
    assert len(members) == 2 and not any(gone.ip in m for m in members), members
    health = fleet.etcd[0].sh(f"{ETCDCTL} endpoint health --cluster 2>&1").stdout
    assert health.count("is healthy") == 2, health


def test_site_re_adds_the_removed_etcd_master_as_a_member(fleet: Fleet) -> None:
    """The host removed above is still in the inventory: site.yml `member add`s it to the
    running cluster (it starts `existing`), and no other member is restarted for it."""
    if len(fleet.etcd) < 3:
        pytest.skip("needs 3 etcd members (PLAYBOOK_MASTERS=3)")
    back, stay = fleet.etcd[-1], fleet.etcd[:-1]
    starts = {h.name: unit_start_times(h).get("kube-etcd") for h in stay}
    proc = fleet.run("site.yml", label="site.yml re-adding an etcd member")
    assert_ok(proc)
    print(f"site.yml re-adding {back.name}: {fleet.timings['site.yml re-adding an etcd member']:.0f}s")
    members = fleet.etcd[0].sh(f"{ETCDCTL} member list").stdout.splitlines()
    assert len(members) == 3 and any(f"{back.name}, https://{back.ip}:2380" in m for m in members), members
    health = fleet.etcd[0].sh(f"{ETCDCTL} endpoint health --cluster 2>&1").stdout
    assert health.count("is healthy") == 3, health
    assert "ETCD_INITIAL_CLUSTER_STATE=existing" in back.sh("cat /etc/kube/etcd-initial.env").stdout
    assert {h.name: unit_start_times(h).get("kube-etcd") for h in stay} == starts, "a running member restarted"
    kubectl(fleet.kubeconfig, f"--server=https://{back.ip}:6443", "get", "--raw", "/readyz")
    wait_for("every node Ready", lambda: len(ready_nodes(fleet)) == len(fleet.minions), timeout=240)
