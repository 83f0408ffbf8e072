"""Image garbage collection and disk pressure for the docker runtime, as the kubelet's
image GC manager and eviction manager do them.

Image GC: when the image file system (Docker's root dir) is at least
`--image-gc-high-threshold` percent full (85), unused images are removed, the least
recently used first (then the oldest), until usage is down to `--image-gc-low-threshold`
(80). An image any container on the daemon uses (running or not) is never removed, nor
a `kube.local/` image: those are made on the node and cannot be pulled back (the
kubelet pins its sandbox image the same way).

Disk pressure: the `--eviction-hard` signals `nodefs.available` (the agent's root dir)
and `imagefs.available` (Docker's root dir), `<10%` and `<15%` by default, or a byte
quantity. Under pressure image GC runs first; the pressure that remains is the Node's
`DiskPressure` condition (and the `node.kubernetes.io/disk-pressure` taint). Pods are not
evicted here (the kubelet's eviction of pods is not built).

The file-system readers are injectable (tests run with a fake usage on the real daemon).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import docker

from kube.api.quantity import memory_bytes
from kube.node.image_ref import LOCAL_ONLY

log = logging.getLogger("kube.node.images")
DEFAULT_EVICTION_HARD = "nodefs.available<10%,imagefs.available<15%"
SIGNALS = ("nodefs.available", "imagefs.available")


@dataclass(frozen=True)
class FsStats:
    capacity: int
    available: int

    @property
    def used(self) -> int:
        return self.capacity - self.available

    def percent_used(self) -> float:
        return 100.0 * self.used / self.capacity if self.capacity else 0.0


FsReader = Callable[[], FsStats]


def statvfs_reader(path: str) -> FsReader:
    def read() -> FsStats:
        st = os.statvfs(path if os.path.exists(path) else "/")
        return FsStats(st.f_blocks * st.f_frsize, st.f_bavail * st.f_frsize)
    return read


@dataclass(frozen=True)
class Threshold:
    signal: str
    percent: float | None = None  # available below this % of capacity
    quantity: int | None = None  # available below this many bytes

    def crossed(self, fs: FsStats) -> bool:
        if self.percent is not None:
            return fs.available < fs.capacity * self.percent / 100
        return self.quantity is not None and fs.available < self.quantity


def parse_eviction_hard(text: str) -> dict[str, Threshold]:
    """`nodefs.available<10%,imagefs.available<15%` (or `<1Gi`); ValueError names the bad item."""
    found: dict[str, Threshold] = {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        signal, sep, value = item.partition("<")
        signal, value = signal.strip(), value.strip()
        if not sep or signal not in SIGNALS:
            raise ValueError(f"--eviction-hard: {item!r}: expected SIGNAL<VALUE with SIGNAL one of {', '.join(SIGNALS)}")
        try:
            if value.endswith("%"):
                percent = float(value[:-1])
                if not 0 <= percent <= 100:
                    raise ValueError
                found[signal] = Threshold(signal, percent=percent)
            else:
                found[signal] = Threshold(signal, quantity=memory_bytes(value))
        except (ValueError, ArithmeticError):
            raise ValueError(f"--eviction-hard: {item!r}: {value!r} is neither a percentage nor a quantity") from None
    return found


def check_gc_thresholds(high: int, low: int) -> str:
    """Why the thresholds are refused ("" when fine), as the kubelet validates them."""
    if not 0 <= high <= 100 or not 0 <= low <= 100:
        return "--image-gc-high-threshold and --image-gc-low-threshold must be between 0 and 100"
    if low > high:
        return f"--image-gc-low-threshold ({low}) must not be above --image-gc-high-threshold ({high})"
    return ""


class ImageGC:
    def __init__(self, client: docker.DockerClient, image_fs: FsReader, node_fs: FsReader, *, high: int = 85,
                 low: int = 80, eviction: dict[str, Threshold] | None = None,
                 candidates: Callable[[dict], bool] | None = None, clock: Callable[[], float] = time.time) -> None:
        self.docker = client
        self.image_fs = image_fs
        self.node_fs = node_fs
        self.high, self.low = high, low
        self.eviction = parse_eviction_hard(DEFAULT_EVICTION_HARD) if eviction is None else eviction
        self.candidates = candidates  # tests on a shared daemon: only their own images may go
        self.clock = clock
        self._last_used: dict[str, float] = {}  # image id -> when a container was last seen using it

    def _in_use(self) -> set[str]:
        now = self.clock()
        used = {str(c.get("ImageID") or "") for c in self.docker.api.containers(all=True)}
        for image_id in used:
            self._last_used[image_id] = now
        return used

    def _removable(self, image: dict, in_use: set[str]) -> bool:
        tags = [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"]
        if image.get("Id") in in_use or any(t.startswith(f"{LOCAL_ONLY}/") for t in tags):
            return False
        return self.candidates is None or self.candidates(image)

    def collect(self, target_percent: float | None = None) -> list[str]:
        """Remove unused images, least recently used first, until the image file system is at
        `target_percent` (the low threshold); the ids removed. Blocking."""
        fs = self.image_fs()
        target = self.low if target_percent is None else target_percent
        to_free = fs.used - fs.capacity * target / 100
        if to_free <= 0:
            return []
        in_use = self._in_use()
        images = [i for i in self.docker.api.images() if self._removable(i, in_use)]
        images.sort(key=lambda i: (self._last_used.get(i["Id"], 0.0), int(i.get("Created") or 0)))
        removed: list[str] = []
        freed = 0
        for image in images:
            if freed >= to_free:
                break
            try:
                for tag in [t for t in image.get("RepoTags") or [] if t != "<none>:<none>"] or [image["Id"]]:
                    self.docker.api.remove_image(tag)  # never forced: a container made meanwhile keeps it
            except docker.errors.APIError as exc:
                log.info("image GC: %s stays: %s", image["Id"][:19], exc.explanation or exc)
                continue
            freed += int(image.get("Size") or 0)
            removed.append(str(image["Id"]))
            self._last_used.pop(image["Id"], None)
        log.info("image GC: removed %d image(s), %d bytes (wanted %d)", len(removed), freed, int(to_free))
        return removed

    def housekeeping(self) -> bool:
        """Image GC past the high threshold, then the eviction signals; True under disk pressure. Blocking."""
        if self.high < 100 and self.image_fs().percent_used() >= self.high:  # 100 turns image GC off
            self.collect()
        image_fs, node_fs = self.image_fs(), self.node_fs()
        crossed = [t for t in self.eviction.values()
                   if t.crossed(image_fs if t.signal == "imagefs.available" else node_fs)]
        if any(t.signal == "imagefs.available" for t in crossed):  # reclaim images first, as the kubelet does
            self.collect(target_percent=100 - (self.eviction["imagefs.available"].percent or 0))
            image_fs = self.image_fs()
            crossed = [t for t in crossed if t.signal != "imagefs.available" or t.crossed(image_fs)]
        return bool(crossed)
