"""The host image: a Debian rootfs made by debootstrap and `docker import`ed.

Its tag is a hash of the recipe (suite, mirror, packages, the files written into the
rootfs and this module's own text), so the image is rebuilt only when the recipe
changes and is never pulled. debootstrap uses this machine's own Debian mirror.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = "kube.local/host"
SUITE = "bookworm"
SOURCES = "/etc/apt/sources.list.d/debian.sources"
FALLBACK_MIRROR = "http://deb.debian.org/debian"
# what the playbooks and the cross-host tests use: systemd + sshd for Ansible, python3-venv
# for the wheel, docker.io for the minions, iproute2/iptables/conntrack for the pod network
PACKAGES = (
    "systemd", "systemd-sysv", "dbus", "openssh-server", "sudo", "ca-certificates",
    "python3", "python3-venv", "docker.io", "iproute2", "iptables", "conntrack",
    "procps", "iputils-ping", "netcat-openbsd", "less", "curl",
)
USER = "kube"
BLACKHOLES = ("10.244.0.0/16", "10.96.0.0/12")

# Files written into the rootfs (path -> text). Part of the recipe hash.
FILES = {
    # the mirror is a dated snapshot: its Release files are "expired"
    "etc/apt/apt.conf.d/99snapshot": 'Acquire::Check-Valid-Until "false";\nAcquire::Check-Date "false";\n',
    "etc/apt/apt.conf.d/99no-recommends": 'APT::Install-Recommends "false";\n',
    # host keys are made at first boot, so no two hosts share one (the list is reset
    # first: without it sshd's own ExecStartPre fails with "no hostkeys available")
    "etc/systemd/system/ssh.service.d/hostkeys.conf": (
        "[Service]\nExecStartPre=\nExecStartPre=/usr/bin/ssh-keygen -A\nExecStartPre=/usr/sbin/sshd -t\n"),
    # no pod or service packet may leave the machine, from the first boot on
    "etc/systemd/system/kube-blackhole.service": (
        "[Unit]\nDescription=blackhole the cluster and service ranges\n"
        "DefaultDependencies=no\nBefore=network.target docker.service\n\n"
        "[Service]\nType=oneshot\nRemainAfterExit=yes\n"
        + "".join(f"ExecStart=-/sbin/ip route replace blackhole {c}\n" for c in BLACKHOLES)
        + "\n[Install]\nWantedBy=multi-user.target\n"),
    f"etc/sudoers.d/{USER}": f"{USER} ALL=(ALL) NOPASSWD:ALL\n",
    "etc/hostname": "host\n",
}
MASK = (
    "getty.target", "console-getty.service", "apt-daily.timer", "apt-daily-upgrade.timer",
    "dpkg-db-backup.timer", "e2scrub_all.timer", "fstrim.timer", "systemd-remount-fs.service",
    "sys-kernel-config.mount", "sys-kernel-debug.mount", "sys-kernel-tracing.mount",
    "sys-fs-fuse-connections.mount", "proc-sys-fs-binfmt_misc.automount", "systemd-firstboot.service",
)


class ImageError(RuntimeError):
    """A one-line reason the host image cannot be built."""


@dataclass
class Recipe:
    suite: str = SUITE
    mirror: str = ""
    packages: tuple[str, ...] = PACKAGES
    files: dict[str, str] = field(default_factory=lambda: dict(FILES))

    def __post_init__(self) -> None:
        self.mirror = self.mirror or host_mirror()

    def digest(self) -> str:
        h = hashlib.sha256()
        h.update(Path(__file__).read_bytes())
        for part in (self.suite, self.mirror, *self.packages, *MASK):
            h.update(part.encode() + b"\0")
        for name in sorted(self.files):
            h.update(name.encode() + b"\0" + self.files[name].encode() + b"\0")
        return h.hexdigest()[:16]

    @property
    def tag(self) -> str:
        return f"{REPO}:{self.digest()}"


def host_mirror() -> str:
    """The `URIs:` of this machine's Debian sources (the mirror that is reachable here)."""
    try:
        text = Path(SOURCES).read_text()
    except OSError:
        return FALLBACK_MIRROR
    m = re.search(r"^URIs:\s*(\S+)", text, re.M)
    return m.group(1) if m else FALLBACK_MIRROR


def image_exists(tag: str) -> bool:
    return subprocess.run(["docker", "image", "inspect", tag], capture_output=True).returncode == 0


def prerequisites() -> list[str]:
    """What is missing to build the image (empty when it can be built)."""
    lacks = [tool for tool in ("debootstrap", "docker") if shutil.which(tool) is None]
    if os.geteuid() != 0:
        lacks.append("root (debootstrap needs it)")
    return lacks


@dataclass(frozen=True)
class Built:
    tag: str
    created: bool  # False when the recipe's image was already there
    seconds: float


def ensure_image(recipe: Recipe | None = None, log=print) -> Built:
    """The recipe's image, built only when no image carries its hash."""
    recipe = recipe or Recipe()
    t0 = time.monotonic()
    if image_exists(recipe.tag):
        return Built(recipe.tag, False, time.monotonic() - t0)
    lacks = prerequisites()
    if lacks:
        raise ImageError(f"cannot build {recipe.tag}: missing {', '.join(lacks)}")
    with tempfile.TemporaryDirectory(prefix="kube-host-rootfs-", dir="/var/tmp") as tmp:
        rootfs = Path(tmp) / "rootfs"
        log(f"building {recipe.tag}: debootstrap {recipe.suite} from {recipe.mirror}")
        run(["debootstrap", "--variant=minbase", f"--include={','.join(recipe.packages)}",
             recipe.suite, str(rootfs), recipe.mirror])
        configure(rootfs, recipe)
        log(f"importing {recipe.tag}")
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-c", "."],
                               stdout=subprocess.PIPE)
        imp = subprocess.run(["docker", "import", "-c", 'CMD ["/lib/systemd/systemd"]',
                              "-c", "ENV container=docker",
                              "-", recipe.tag], stdin=tar.stdout, capture_output=True, text=True)
        tar.stdout.close()
        if tar.wait() != 0 or imp.returncode != 0:
            raise ImageError(f"docker import {recipe.tag} failed: {imp.stderr.strip()[-300:]}")
    prune_others(recipe.tag)
    return Built(recipe.tag, True, time.monotonic() - t0)


def prune_others(keep: str) -> list[str]:
    """Remove the images of older recipes (~480 MB each); one still in use stays."""
    out = subprocess.run(["docker", "images", REPO, "--format", "{{.Repository}}:{{.Tag}}"],
                         capture_output=True, text=True).stdout.split()
    gone = [tag for tag in out if tag != keep
            and subprocess.run(["docker", "rmi", tag], capture_output=True).returncode == 0]
    return gone


def configure(rootfs: Path, recipe: Recipe) -> None:
    """Files, masks, the user and the first-boot state; nothing machine-specific stays."""
    if Path(SOURCES).exists():
        shutil.copy(SOURCES, rootfs / SOURCES.lstrip("/"))
        (rootfs / "etc/apt/sources.list").unlink(missing_ok=True)
    for name, text in recipe.files.items():
        path = rootfs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (rootfs / f"etc/sudoers.d/{USER}").chmod(0o440)
    wants = rootfs / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    link = wants / "kube-blackhole.service"
    link.unlink(missing_ok=True)
    link.symlink_to("/etc/systemd/system/kube-blackhole.service")
    for unit in MASK:
        target = rootfs / "etc/systemd/system" / unit
        target.unlink(missing_ok=True)
        target.symlink_to("/dev/null")
    run(["chroot", str(rootfs), "useradd", "-m", "-s", "/bin/bash", "-G", "sudo,docker", USER])
    (rootfs / "etc/machine-id").write_text("")
    for key in (rootfs / "etc/ssh").glob("ssh_host_*"):
        key.unlink()
    shutil.rmtree(rootfs / "var/cache/apt/archives", ignore_errors=True)
    (rootfs / "var/cache/apt/archives/partial").mkdir(parents=True, exist_ok=True)
    shutil.rmtree(rootfs / "var/lib/apt/lists", ignore_errors=True)
    (rootfs / "var/lib/apt/lists/partial").mkdir(parents=True, exist_ok=True)


def run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True)
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise ImageError(f"{argv[0]} failed ({proc.returncode}): {' | '.join(tail)}")
