"""Image GC and disk pressure on the real Docker daemon, with the file-system usage faked
(injected readers): unused images go least recently used / oldest first down to the low
threshold, an image a container uses stays; the eviction thresholds give DiskPressure,
and the agent shows the condition and the taint, and clears both when space returns.

The daemon is shared with every other test, so the GC here may only remove this test's
own images (its `candidates` filter); kube.local/ images are pinned in any case."""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import time
import uuid

import docker
import pytest

from kube.node.image_gc import FsStats, ImageGC, parse_eviction_hard
from tests.apiserver.conftest import eventually
from tests.fixtures.requirements import require_docker
from tests.node.cluster import NODE, condition
from tests.node.conftest import DockerNode


def import_image(name: str, size: int = 256 * 1024) -> str:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        data = os.urandom(size)  # distinct content: a distinct image id
        info = tarfile.TarInfo("blob")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    out = subprocess.run(["docker", "import", "-c", 'CMD ["/blob"]', "-", name], input=buf.getvalue(),
                         capture_output=True, check=True)
    return out.stdout.decode().strip()


@pytest.fixture
def images():
    require_docker()
    prefix = f"kube-gc-test-{uuid.uuid4().hex[:8]}"
    client = docker.from_env()
    made: dict[str, str] = {}
    for name in ("inuse", "a", "b", "c"):  # oldest first; Created has one-second resolution
        made[name] = import_image(f"{prefix}/{name}:1")
        time.sleep(1.1)
    container = client.api.create_container(f"{prefix}/inuse:1", labels={"kube-gc-test": prefix})
    try:
        yield prefix, made, client
    finally:
        client.api.remove_container(container["Id"], force=True)
        for name in made:
            subprocess.run(["docker", "rmi", f"{prefix}/{name}:1"], capture_output=True)
        client.close()


def present(client: docker.DockerClient, prefix: str) -> dict[str, int]:
    return {t.split("/")[1].split(":")[0]: int(i["Size"]) for i in client.api.images()
            for t in i.get("RepoTags") or [] if t.startswith(f"{prefix}/")}


def test_unused_images_go_oldest_first_down_to_the_low_threshold(images):
    prefix, made, client = images
    size = max(present(client, prefix).values())

    def image_fs() -> FsStats:  # 10 images' worth of disk, 4 taken by others, plus ours
        used = 4 * size + sum(present(client, prefix).values())
        return FsStats(10 * size, 10 * size - used)

    gc = ImageGC(client, image_fs, lambda: FsStats(100, 50), high=75, low=65,
                 candidates=lambda i: any(t.startswith(f"{prefix}/") for t in i.get("RepoTags") or []))
    assert image_fs().percent_used() == pytest.approx(80, abs=1)
    assert gc.housekeeping() is False  # GC ran, and no eviction threshold is crossed after it
    assert sorted(present(client, prefix)) == ["c", "inuse"]  # a and b went; the oldest is in use
    assert gc.collect() == []  # at 60 %: below the low threshold, nothing more goes


def test_nothing_goes_below_the_high_threshold(images):
    prefix, made, client = images
    gc = ImageGC(client, lambda: FsStats(100, 16), lambda: FsStats(100, 50), high=85, low=80,
                 candidates=lambda i: any(t.startswith(f"{prefix}/") for t in i.get("RepoTags") or []))
    assert gc.housekeeping() is False
    assert len(present(client, prefix)) == 4


def test_eviction_thresholds_give_disk_pressure():
    require_docker()
    client = docker.from_env()
    only_ours = {"candidates": lambda i: False}  # nothing may be reclaimed: the pressure stays
    node_full = ImageGC(client, lambda: FsStats(100, 50), lambda: FsStats(100, 9), **only_ours)
    assert node_full.housekeeping() is True  # nodefs.available 9% < 10%
    image_full = ImageGC(client, lambda: FsStats(100, 14), lambda: FsStats(100, 50), high=100, **only_ours)
    assert image_full.housekeeping() is True  # imagefs.available 14% < 15%
    bytes_rule = ImageGC(client, lambda: FsStats(2**31, 2**29), lambda: FsStats(2**31, 2**29),
                         eviction=parse_eviction_hard("nodefs.available<1Gi"), **only_ours)
    assert bytes_rule.housekeeping() is True
    assert ImageGC(client, lambda: FsStats(100, 50), lambda: FsStats(100, 50), **only_ours).housekeeping() is False
    client.close()


@pytest.mark.parametrize("text", ["nodefs.available", "memory.available<1Gi", "nodefs.available<120%",
                                  "imagefs.available<lots"])
def test_bad_eviction_thresholds_are_refused(text):
    with pytest.raises(ValueError, match="--eviction-hard"):
        parse_eviction_hard(text)


async def test_the_node_shows_disk_pressure_and_its_taint_then_clears_them(docker_node: DockerNode):
    agent = docker_node.fleet.agents[docker_node.name]
    space = {"available": 5}
    gc = agent.runtime.image_gc
    gc.node_fs = lambda: FsStats(100, space["available"])
    gc.candidates = lambda i: False

    async def node_is(pressure: str, tainted: bool):
        await agent.refresh_host()
        await agent.report_status()
        n = await docker_node.client.get(NODE, docker_node.name)
        taints = [t["key"] for t in n["spec"].get("taints") or []]
        return condition(n, "DiskPressure") == pressure and ("node.kubernetes.io/disk-pressure" in taints) == tainted

    await eventually(lambda: node_is("True", True), timeout=30, interval=0.5)
    space["available"] = 50
    await eventually(lambda: node_is("False", False), timeout=30, interval=0.5)
