"""The host image: tagged by its recipe's hash, built once, never pulled."""

from __future__ import annotations

import subprocess
import time

import pytest

from hack.hosts import image
from hack.hosts.image import ImageError, Recipe, ensure_image

pytestmark = pytest.mark.hosts


def test_the_tag_follows_the_recipe() -> None:
    base = Recipe(mirror="http://mirror.example/debian")
    assert base.tag == Recipe(mirror="http://mirror.example/debian").tag
    assert base.tag.startswith("kube.local/host:")
    other_pkgs = Recipe(mirror=base.mirror, packages=(*base.packages, "vim"))
    other_file = Recipe(mirror=base.mirror, files={**base.files, "etc/motd": "hi\n"})
    other_mirror = Recipe(mirror="http://elsewhere.example/debian")
    assert len({base.tag, other_pkgs.tag, other_file.tag, other_mirror.tag}) == 4


def test_second_build_is_a_no_op(host_image: str) -> None:
    created = subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}}", host_image],
                             capture_output=True, text=True, check=True).stdout
    t0 = time.monotonic()
    again = ensure_image(log=lambda *_: None)
    assert again.tag == host_image and not again.created
    assert time.monotonic() - t0 < 30
    assert subprocess.run(["docker", "image", "inspect", "-f", "{{.Id}}", host_image],
                          capture_output=True, text=True, check=True).stdout == created


def test_a_missing_tool_is_a_one_line_error(host_image: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(image.shutil, "which", lambda tool: None if tool == "debootstrap" else "/bin/x")
    fresh = Recipe(files={**image.FILES, "etc/kube-test-never-built": "x\n"})  # a tag that is not there
    with pytest.raises(ImageError, match="missing debootstrap"):
        ensure_image(fresh, log=lambda *_: None)
    # the cached image needs no tool at all
    assert not ensure_image(log=lambda *_: None).created
