"""The validation play (playbooks/validate.yml, first in site.yml and reset.yml) stops a
bad inventory or a missing wheel on the controller, with one line, before any host is
contacted. The hosts here point at 127.0.0.x port 1: had a later play run, it would
report them UNREACHABLE."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.playbooks.ansible_run import REPO, playbook

ZONE = "topology.kubernetes.io/zone"


def node(i: int, **hostvars) -> dict:
    return {"ansible_host": f"127.0.0.{i}", "ansible_port": 1, **hostvars}


def good() -> dict:
    """One etcd+master, two zoned minions."""
    return {"all": {
        "hosts": {"m1": node(1), "n1": node(2, node_labels={ZONE: "a"}), "n2": node(3, node_labels={ZONE: "b"})},
        "children": {"etcd": {"hosts": {"m1": None}}, "kube_control_plane": {"hosts": {"m1": None}},
                     "kube_node": {"hosts": {"n1": None, "n2": None}}}}}


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    wheel = tmp_path / "dist" / "kube-1.2.3-cp311-cp311-linux_x86_64.whl"
    wheel.parent.mkdir()
    wheel.write_bytes(b"not really a wheel")
    (tmp_path / "wheelhouse").mkdir()
    return {"wheel": wheel, "wheelhouse": tmp_path / "wheelhouse", "dir": tmp_path}


def run_site(files: dict[str, Path], inventory: dict, *extra: str, name: str = "site.yml"):
    inv = files["dir"] / "hosts.yml"
    inv.write_text(yaml.safe_dump(inventory))
    return playbook(inv, name, "-e", f"kube_wheel={files['wheel']}", "-e", f"kube_wheelhouse={files['wheelhouse']}",
                    *extra, timeout=300)


def assert_stopped(proc, line: str) -> None:
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out[-3000:]
    assert line in out, out[-3000:]
    assert "UNREACHABLE" not in out, "a host was contacted after the validation failed:\n" + out[-3000:]
    assert out.count("PLAY [") == 1, "a play ran after the validation play:\n" + out[-3000:]


def test_a_good_inventory_passes(files) -> None:
    proc = run_site(files, good(), name="validate.yml")
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_the_sample_inventory_passes(files) -> None:
    proc = playbook(REPO / "inventory" / "sample" / "hosts.yml", "validate.yml", "-e", f"kube_wheel={files['wheel']}",
                    "-e", f"kube_wheelhouse={files['wheelhouse']}", timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_an_even_etcd_group_is_refused(files) -> None:
    inv = good()
    inv["all"]["children"]["etcd"]["hosts"]["n1"] = None
    assert_stopped(run_site(files, inv), "the etcd group has 2 members; etcd needs an odd number")


def test_an_empty_etcd_group_is_refused(files) -> None:
    inv = good()
    del inv["all"]["children"]["etcd"]
    assert_stopped(run_site(files, inv), "the etcd group has 0 members; etcd needs an odd number")


def test_a_host_in_no_group_is_refused(files) -> None:
    inv = good()
    inv["all"]["hosts"]["stray"] = node(9)
    assert_stopped(run_site(files, inv), "in no group of etcd, kube_control_plane, kube_node: stray")


def test_duplicate_ips_are_refused(files) -> None:
    inv = good()
    inv["all"]["hosts"]["n2"]["ip"] = "127.0.0.2"  # n1's ansible_host, hence its ip
    assert_stopped(run_site(files, inv), "duplicate IPs: n1=127.0.0.2, n2=127.0.0.2")


def test_a_minion_without_a_zone_is_refused(files) -> None:
    inv = good()
    inv["all"]["hosts"]["n2"]["node_labels"] = {"disktype": "ssd"}
    assert_stopped(run_site(files, inv), f"kube_node hosts without a {ZONE} node label: n2")


def test_a_missing_wheel_is_refused(files) -> None:
    files["wheel"].unlink()
    assert_stopped(run_site(files, good()), f"no kube wheel at '{files['wheel']}' (no such file)")


def test_no_wheel_at_all_is_refused(files) -> None:
    proc = run_site(files, good(), "-e", "kube_wheel=")
    assert_stopped(proc, "no kube wheel at '' (set kube_wheel or run make wheel)")


def test_a_missing_wheelhouse_is_refused(files) -> None:
    files["wheelhouse"].rmdir()
    assert_stopped(run_site(files, good()), f"no wheelhouse directory at '{files['wheelhouse']}'")


def test_reset_refuses_without_confirmation(files) -> None:
    proc = run_site(files, good(), name="reset.yml")
    assert_stopped(proc, "reset.yml removes the whole cluster and its data: run it with -e reset_confirmation=yes")


def test_reset_refuses_a_confirmation_other_than_yes(files) -> None:
    proc = run_site(files, good(), "-e", "reset_confirmation=y", name="reset.yml")
    assert_stopped(proc, "run it with -e reset_confirmation=yes")


@pytest.mark.parametrize("name", ["upgrade.yml", "scale.yml", "rotate-certs.yml"])
def test_the_day_two_playbooks_refuse_a_missing_wheel(files, name: str) -> None:
    files["wheel"].unlink()
    assert_stopped(run_site(files, good(), name=name), f"no kube wheel at '{files['wheel']}' (no such file)")


def test_remove_node_refuses_without_a_node(files) -> None:
    assert_stopped(run_site(files, good(), name="remove-node.yml"),
                   "remove-node.yml needs the host to remove: -e node=NAME")


def test_remove_node_refuses_an_unknown_host(files) -> None:
    assert_stopped(run_site(files, good(), "-e", "node=nosuch", name="remove-node.yml"),
                   "no host 'nosuch' in the inventory")


def test_remove_node_refuses_the_last_etcd_member(files) -> None:
    inv = good()
    inv["all"]["hosts"]["e1"] = node(7)
    inv["all"]["children"]["etcd"]["hosts"] = {"e1": None}
    assert_stopped(run_site(files, inv, "-e", "node=e1", name="remove-node.yml"),
                   "refusing to remove e1: it is the last etcd member")


def test_remove_node_refuses_the_ca_host(files) -> None:
    inv = good()
    inv["all"]["hosts"]["m2"], inv["all"]["hosts"]["m3"] = node(4), node(5)
    inv["all"]["children"]["etcd"]["hosts"] = {"m1": None, "m2": None, "m3": None}
    inv["all"]["children"]["kube_control_plane"]["hosts"] = {"m1": None, "m2": None, "m3": None}
    assert_stopped(run_site(files, inv, "-e", "node=m1", name="remove-node.yml"),
                   "refusing to remove m1: it holds the cluster CA (kube_ca_host)")


def test_etcd_restore_refuses_without_a_snapshot(files) -> None:
    assert_stopped(run_site(files, good(), name="etcd-restore.yml"),
                   "etcd-restore.yml needs the snapshot: -e etcd_snapshot=PATH")


def test_etcd_restore_refuses_a_snapshot_that_fails_its_checksum(files) -> None:
    snap = files["dir"] / "etcd.db"
    snap.write_bytes(b"a snapshot")
    (files["dir"] / "etcd.db.sha256").write_text("0" * 64 + "  etcd.db\n")
    assert_stopped(run_site(files, good(), "-e", f"etcd_snapshot={snap}", name="etcd-restore.yml"),
                   f"the snapshot '{snap}' does not match its .sha256: refusing to restore it")
    (files["dir"] / "etcd.db.sha256").unlink()
    assert_stopped(run_site(files, good(), "-e", f"etcd_snapshot={snap}", name="etcd-restore.yml"),
                   f"no snapshot '{snap}' with its '{snap}.sha256' beside it")
