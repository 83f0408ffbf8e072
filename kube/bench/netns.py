"""A throwaway network namespace for running the iptables proxy without touching the host.

`kube bench network-programming` and the proxy's iptables tests program real iptables
rules; inside a namespace of their own those rules, the conntrack table and every packet
stay away from the host's. The namespace gets loopback and one veth pair whose first end
holds `NODE_IP` (a "node address" for NodePorts) and carries the default route, so service
IPs route somewhere and the nat OUTPUT chain sees them.

A namespace is a per-thread attribute in Linux (setns(2) changes the calling thread only),
and threads and processes inherit their creator's: `run_in` runs a function in a new
thread that entered the namespace, so everything it starts (sockets, event loops, child
processes) lives there while the rest of the caller stays outside. A child started with a
parent-death signal (setpriv --pdeathsig, as ApiServerProcess does) gets it when the
*thread* that started it ends: start such children from `worker`'s long-lived thread.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
CLONE_NEWNET = 0x40000000
NODE_IP = "192.168.240.1"  # the namespace's own "node address" (only ever inside the namespace)
NETNS_DIR = "/run/netns"


class NetnsError(RuntimeError):
    """The namespace could not be made or entered (needs root and iproute2)."""


def _ip(*args: str, netns: str | None = None) -> None:
    argv = ["ip", *(["-n", netns] if netns else []), *args]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except FileNotFoundError:
        raise NetnsError("the ip command (iproute2) is not installed") from None
    if done.returncode != 0:
        raise NetnsError(f"{' '.join(argv)}: {done.stderr.strip()}")


def create(name: str) -> None:
    """Make namespace `name` with lo up and a veth pair holding NODE_IP and the default route."""
    _ip("netns", "add", name)
    try:
        _ip("link", "set", "lo", "up", netns=name)
        _ip("link", "add", "kpx-node", "type", "veth", "peer", "name", "kpx-peer", netns=name)
        _ip("addr", "add", f"{NODE_IP}/24", "dev", "kpx-node", netns=name)
        _ip("link", "set", "kpx-node", "up", netns=name)
        _ip("link", "set", "kpx-peer", "up", netns=name)
        _ip("route", "add", "default", "dev", "kpx-node", netns=name)
    except NetnsError:
        delete(name)
        raise


def delete(name: str) -> None:
    """Remove the namespace (its links, rules and conntrack entries go with it)."""
    if os.path.exists(os.path.join(NETNS_DIR, name)):
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30)


def enter(name: str) -> None:
    """Move the calling thread into namespace `name`."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(os.path.join(NETNS_DIR, name), os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise NetnsError(f"setns {name}: {os.strerror(ctypes.get_errno())}")
    finally:
        os.close(fd)


def run_in(name: str, fn: Callable[[], T]) -> T:
    """fn() in a fresh thread inside namespace `name`; its result, or its exception re-raised."""
    box: dict[str, object] = {}

    def body() -> None:
        try:
            enter(name)
            box["result"] = fn()
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=body, name=f"netns-{name}")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["result"]  # type: ignore[return-value]


def worker(name: str) -> ThreadPoolExecutor:
    """One long-lived thread inside namespace `name` (shut it down when done)."""
    return ThreadPoolExecutor(1, thread_name_prefix=f"netns-{name}", initializer=enter, initargs=(name,))
