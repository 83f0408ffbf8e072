"""The local images every pod can use with no registry: `kube.local/pause:1`
(holds a pod's network namespace) and `kube.local/busybox:1` (a shell and the
usual tools), both made from Debian's statically linked busybox with
`docker import`. `kube images build` also pushes them into the loopback registry
(`make up` starts it) under their own names and as Docker Hub's `library/busybox`.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass

BUSYBOX = "/bin/busybox"
PAUSE_IMAGE = "kube.local/pause:1"
BUSYBOX_IMAGE = "kube.local/busybox:1"

# The pause container must die promptly on SIGTERM: PID 1 ignores signals it
# does not handle, so the shell traps TERM and waits on a background sleep.
PAUSE_CMD = '["/bin/sh","-c","trap \'exit 0\' TERM INT; while :; do sleep 3600 & wait $!; done"]'


class ImageBuildError(RuntimeError):
    """A one-line reason the images could not be built."""


@dataclass(frozen=True)
class BuiltImage:
    name: str
    created: bool  # False when it was already there


def busybox_applets(busybox: str = BUSYBOX) -> list[str]:
    out = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True)
    return [line.strip() for line in out.stdout.splitlines() if line.strip()]


def rootfs_tar(busybox: str = BUSYBOX) -> bytes:
    """A minimal root filesystem: busybox, a symlink per applet, /etc basics."""
    if not os.path.exists(busybox):
        raise ImageBuildError(f"{busybox} not found: install Debian's busybox-static")
    buf = io.BytesIO()
    mtime = int(time.time())
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for d, mode in (("bin", 0o755), ("etc", 0o755), ("tmp", 0o1777), ("proc", 0o555), ("sys", 0o555),
                        ("dev", 0o755), ("root", 0o700), ("var", 0o755), ("usr", 0o755), ("usr/bin", 0o755)):
            info = tarfile.TarInfo(d)
            info.type, info.mode, info.mtime = tarfile.DIRTYPE, mode, mtime
            tar.addfile(info)
        tar.add(busybox, arcname="bin/busybox")
        for applet in busybox_applets(busybox):
            if applet == "busybox":
                continue
            link = tarfile.TarInfo(f"bin/{applet}")
            link.type, link.linkname, link.mode, link.mtime = tarfile.SYMTYPE, "busybox", 0o777, mtime
            tar.addfile(link)
        files = {
            "etc/passwd": "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n",
            "etc/group": "root:x:0:\nnogroup:x:65534:\n",
            "etc/hosts": "127.0.0.1 localhost\n",
        }
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(name)
            info.size, info.mode, info.mtime = len(data), 0o644, mtime
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def image_exists(name: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", name], capture_output=True).returncode == 0


def docker_import(tar: bytes, name: str, changes: list[str]) -> None:
    args = ["docker", "import"]
    for change in changes:
        args += ["-c", change]
    result = subprocess.run([*args, "-", name], input=tar, capture_output=True)
    if result.returncode != 0:
        raise ImageBuildError(f"docker import {name} failed: {result.stderr.decode().strip()}")


def build_images(force: bool = False) -> list[BuiltImage]:
    if shutil.which("docker") is None:
        raise ImageBuildError("docker CLI not found: install Debian's docker.io")
    if subprocess.run(["docker", "info"], capture_output=True).returncode != 0:
        raise ImageBuildError("dockerd is not running (start it: dockerd &)")
    wanted = {
        PAUSE_IMAGE: [f"CMD {PAUSE_CMD}"],
        BUSYBOX_IMAGE: ['CMD ["/bin/sh"]', "ENV PATH=/bin:/usr/bin"],
    }
    built: list[BuiltImage] = []
    tar: bytes | None = None
    for name, changes in wanted.items():
        if not force and image_exists(name):
            built.append(BuiltImage(name, False))
            continue
        tar = tar if tar is not None else rootfs_tar()
        docker_import(tar, name, changes)
        built.append(BuiltImage(name, True))
    return built


# --- the loopback registry (hack/registry.sh) ----------------------------------------------------------

DEFAULT_REGISTRY = "127.0.0.1:5000"
# what the registry serves: each local image under its own name, and busybox as Docker Hub's
# library/busybox:latest, so with dockerd's registry-mirrors pointing here `image: busybox` runs
PUSHED = ((BUSYBOX_IMAGE, BUSYBOX_IMAGE), (PAUSE_IMAGE, PAUSE_IMAGE), (BUSYBOX_IMAGE, "library/busybox:latest"))


def registry_answers(addr: str, timeout: float = 2.0) -> bool:
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(f"http://{addr}/v2/", timeout=timeout).close()
        return True
    except urllib.error.HTTPError as exc:
        return exc.code == 401
    except OSError:
        return False


def push_images(addr: str) -> list[str]:
    """docker tag + push the local images into the registry at `addr`; the names pushed."""
    pushed = []
    for local, repository in PUSHED:
        target = f"{addr}/{repository}"
        for args in (["docker", "tag", local, target], ["docker", "push", "--quiet", target]):
            result = subprocess.run(args, capture_output=True, timeout=300)
            if result.returncode != 0:
                raise ImageBuildError(f"{' '.join(args[:2])} {target} failed: {result.stderr.decode().strip()}")
        subprocess.run(["docker", "rmi", target], capture_output=True)  # the local name stays the only one
        pushed.append(target)
    return pushed
