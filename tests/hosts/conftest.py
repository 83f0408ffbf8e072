"""Test hosts for tests marked `hosts` (run by `make test-hosts`; `make test` leaves them out).

The image comes from hack.hosts.image (built once, cached by its recipe hash); the hosts
are a fleet of their own (`kube-hosttest-*`, 172.31.241.0/24, state in a temp dir), so
they never touch a person's `make hosts`. Under CI=true a missing prerequisite
(debootstrap, Docker, root) fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from hack.hosts.fleet import Fleet
from hack.hosts.host import Host
from hack.hosts.image import ensure_image, prerequisites
from hack.hosts.wheelhouse import wheelhouse as make_wheelhouse
from tests.fixtures.requirements import docker_available, missing

REPO = Path(__file__).resolve().parents[2]
STAMPED_VERSION = "9.8.7"  # what the wheel fixture stamps, to tell it from the tree's version
TEST_PREFIX = "kube-hosttest"
TEST_SUBNET = "172.31.241.0/24"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Host tests run only when asked for (`-m hosts`): they build images and start hosts."""
    if "hosts" in (config.option.markexpr or ""):
        return
    keep, drop = [], []
    for item in items:
        (drop if item.get_closest_marker("hosts") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def require_host_prerequisites() -> None:
    lacks = prerequisites()
    if lacks:
        missing(f"the host image's prerequisites ({', '.join(lacks)})")
    if not docker_available():
        missing("a running dockerd")


@pytest.fixture(scope="session")
def host_image() -> str:
    require_host_prerequisites()
    return ensure_image(log=lambda *_: None).tag


@pytest.fixture(scope="session")
def test_fleet(host_image: str, tmp_path_factory: pytest.TempPathFactory):
    fleet = Fleet(TEST_PREFIX, TEST_SUBNET, tmp_path_factory.mktemp("hosts"))
    fleet.down()  # what a killed run left
    subprocess.run(["bash", str(REPO / "hack/blackhole-routes.sh")], check=False)
    yield fleet
    fleet.down()


@pytest.fixture(scope="session")
def make_hosts(test_fleet: Fleet, host_image: str) -> Callable[[int], list[Host]]:
    """`make_hosts(n)`: exactly n running hosts of the session's fleet (kept between tests)."""
    return lambda n: test_fleet.up(n, host_image, log=lambda *_: None)


@pytest.fixture(scope="session")
def kube_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built by `make wheel` with KUBE_VERSION stamped."""
    if shutil.which("make") is None:
        missing("make")
    dist = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "KUBE_VERSION": STAMPED_VERSION}
    proc = subprocess.run(["make", "-s", "-C", str(REPO), "wheel", f"DIST={dist}"], env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheels = sorted(dist.glob(f"kube-{STAMPED_VERSION}-cp311-*.whl"))
    assert wheels, f"make wheel made no kube-{STAMPED_VERSION} wheel in {dist}: {proc.stdout[-500:]}"
    return wheels[0]


@pytest.fixture(scope="session")
def wheelhouse(kube_wheel: Path) -> Path:
    """The wheel's dependencies as files (kept in .hosts/wheelhouse between runs)."""
    return make_wheelhouse(kube_wheel, REPO / ".hosts" / "wheelhouse")
