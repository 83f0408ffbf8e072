"""The local images build from busybox-static and run with no registry."""

from __future__ import annotations

import io
import subprocess
import tarfile

import pytest

from kube.node import images
from tests.fixtures.requirements import missing, require_docker


def test_rootfs_has_busybox_and_applet_links() -> None:
    try:
        data = images.rootfs_tar()
    except images.ImageBuildError:
        missing("busybox-static")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = {m.name: m for m in tar.getmembers()}
    assert names["bin/busybox"].isfile()
    assert names["bin/sh"].issym() and names["bin/sh"].linkname == "busybox"
    assert "etc/passwd" in names and names["tmp"].mode == 0o1777


@pytest.mark.docker
def test_build_images_and_run_them() -> None:
    require_docker()
    built = images.build_images()
    assert {b.name for b in built} == {images.PAUSE_IMAGE, images.BUSYBOX_IMAGE}
    # idempotent: a second build finds them present
    assert all(not b.created for b in images.build_images())
    out = subprocess.run(["docker", "run", "--rm", images.BUSYBOX_IMAGE, "sh", "-c", "echo $((6*7))"],
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "42"
    name = "kube-test-pause-stop"
    subprocess.run(["docker", "rm", "-f", name], capture_output=True)
    subprocess.run(["docker", "run", "-d", "--name", name, images.PAUSE_IMAGE], check=True, capture_output=True)
    try:
        # the pause container handles SIGTERM itself: it exits 0 rather than being killed
        subprocess.run(["docker", "stop", "-t", "20", name], check=True, capture_output=True, timeout=60)
        code = subprocess.run(["docker", "inspect", "-f", "{{.State.ExitCode}}", name],
                              capture_output=True, text=True).stdout.strip()
        assert code == "0"
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
