"""Tests marked `playbooks` run the playbooks on test hosts (minutes each): only
`make test-playbooks` (`-m playbooks`) runs them; `make test` runs the fast lint and
validation tests beside them. The session's cluster (tests/playbooks/fleet.py) is made
here, once, and shared by test_site and test_upgrade, which run in that order."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from hack.hosts.fleet import Fleet as HostFleet
from hack.hosts.host import Host
from kube.node.images import ImageBuildError, build_images
from tests.fixtures.hosts import REPO
from tests.fixtures.requirements import missing
from tests.playbooks.fleet import HOSTS_PREFIX, HOSTS_SUBNET, MASTERS, MINIONS, NEXT_VERSION, Fleet

IMAGES = ("kube.local/pause:1", "kube.local/busybox:1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`-m playbooks` runs the playbook tests; test_upgrade_full only with PLAYBOOKS_FULL=1
    (`make test-playbooks-full`)."""
    asked, full = "playbooks" in (config.option.markexpr or ""), os.environ.get("PLAYBOOKS_FULL") == "1"
    keep, drop = [], []
    for item in items:
        playbooks = item.get_closest_marker("playbooks") is not None
        wanted = not playbooks or (asked and (full or "test_upgrade_full" not in item.nodeid))
        (keep if wanted else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def playbook_hosts(host_image: str, tmp_path_factory: pytest.TempPathFactory):
    """The playbook tests' own hosts (kube-pbtest-*, not the host tests' kube-hosttest-*:
    those tests take their fleet down when they start, and they may run meanwhile)."""
    hosts = HostFleet(HOSTS_PREFIX, HOSTS_SUBNET, tmp_path_factory.mktemp("pbhosts"))
    hosts.down()  # what a killed run left
    subprocess.run(["bash", str(REPO / "hack/blackhole-routes.sh")], check=False)
    yield hosts
    hosts.down()


@pytest.fixture(scope="session")
def make_hosts(playbook_hosts: HostFleet, host_image: str) -> Callable[[int], list[Host]]:
    """`make_hosts(n)`: exactly n running hosts of the playbook fleet (kept between tests)."""
    return lambda n: playbook_hosts.up(n, host_image, log=lambda *_: None)


@pytest.fixture(scope="session")
def fleet(make_hosts, kube_wheel: Path, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    if shutil.which("docker") is None:
        missing("docker")
    try:
        build_images()  # kube.local/pause:1 and busybox:1 (made only when missing)
    except ImageBuildError as exc:
        missing(f"the local images ({exc})")
    tmp = tmp_path_factory.mktemp("playbooks")
    archive = tmp / "kube-local-images.tar"
    save = subprocess.run(["docker", "save", "-o", str(archive), *IMAGES], capture_output=True, text=True)
    if save.returncode != 0:
        missing(f"the local images {', '.join(IMAGES)} (kube images build): {save.stderr.strip()[-200:]}")
    hosts = make_hosts(MASTERS + MINIONS)
    extra = ["-e", f"kube_wheel={kube_wheel}", "-e", f"kube_wheelhouse={wheelhouse}",
             "-e", yaml.safe_dump({"kube_image_archives": [str(archive)]}, default_flow_style=True).strip()]
    return Fleet(hosts, tmp / "inventory", extra)


@pytest.fixture(scope="session")
def next_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same tree built as version N+1 (KUBE_VERSION), for the upgrade."""
    dist = tmp_path_factory.mktemp("dist-next")
    proc = subprocess.run(["make", "-s", "-C", str(REPO), "wheel", f"DIST={dist}"],
                          env={**os.environ, "KUBE_VERSION": NEXT_VERSION}, capture_output=True, text=True,
                          timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheels = sorted(dist.glob(f"kube-{NEXT_VERSION}-cp311-*.whl"))
    assert wheels, f"make wheel made no kube-{NEXT_VERSION} wheel in {dist}: {proc.stdout[-500:]}"
    return wheels[0]
