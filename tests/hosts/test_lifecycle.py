"""up reconciles to the asked count and keeps running hosts; down removes everything named
after the fleet and is harmless when there is nothing."""

from __future__ import annotations

import subprocess

import pytest

from hack.hosts.fleet import Fleet, FleetError

pytestmark = pytest.mark.hosts


def container_id(name: str) -> str:
    return subprocess.run(["docker", "inspect", "-f", "{{.Id}}", name], capture_output=True, text=True).stdout


def test_up_reconciles_and_down_leaves_nothing(host_image: str, tmp_path) -> None:
    fleet = Fleet("kube-hostlife", "172.31.242.0/24", tmp_path / "state")
    fleet.down()
    try:
        hosts = fleet.up(2, host_image, log=lambda *_: None)
        assert [h.ip for h in hosts] == ["172.31.242.11", "172.31.242.12"]
        first = container_id(hosts[0].name)
        again = fleet.up(2, host_image, log=lambda *_: None)  # nothing to do: the same containers
        assert container_id(again[0].name) == first
        fewer = fleet.up(1, host_image, log=lambda *_: None)
        assert [h.name for h in fewer] == ["kube-hostlife-1"]
        assert container_id(hosts[0].name) == first
        left = fleet.leftovers()
        assert left["containers"] == ["kube-hostlife-1"]
        assert left["volumes"] == ["kube-hostlife-1-docker"]
        assert "kube-hostlife-2" not in (tmp_path / "state" / "hosts.yml").read_text()
        with pytest.raises(FleetError, match="--count"):
            fleet.up(0, host_image)
    finally:
        removed = fleet.down()
    assert "kube-hostlife-1" in removed and "kube-hostlife-net" in removed
    assert fleet.leftovers() == {"containers": [], "volumes": [], "networks": []}
    assert fleet.down() == []
    assert not (tmp_path / "state" / "hosts.yml").exists()


def test_the_cli_says_what_went_wrong_in_one_line(tmp_path) -> None:
    proc = subprocess.run(["python3", "hack/hosts/hosts.py", "--prefix", "kube-hostcli", "--state-dir",
                           str(tmp_path), "up", "--count", "0"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == ["error: --count must be between 1 and 200, not 0"]
    down = subprocess.run(["python3", "hack/hosts/hosts.py", "--prefix", "kube-hostcli", "--state-dir",
                           str(tmp_path), "down"], capture_output=True, text=True, timeout=120)
    assert down.returncode == 0 and down.stdout.strip() == "nothing to remove"
