"""Dialling a port INSIDE a pod's network namespace, as the container runtime does for the kubelet.

No port is published and nothing runs in the pod: the pod's pause container (it holds the netns)
gives a PID through the Docker API, and a short-lived thread joins /proc/<pid>/ns/net with setns(2)
(Python 3.11 has no os.setns: libc through ctypes), creates and connects a socket to localhost:<port>
there, and exits. A socket keeps the namespace it was created in, so the event loop then uses it
from the host's namespace; no thread of the process is ever left in the pod's.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import threading
from typing import Any

from kube.node.container_config import L_KIND, L_UID
from kube.node.runtime import PodRuntime

CLONE_NEWNET = 0x40000000
CONNECT_TIMEOUT = 10.0
_libc: Any = None


class DialError(Exception):
    """The port could not be reached; the message is what the client's error stream shows."""


class NetnsGone(DialError):
    """The PID's namespace is gone (the sandbox died or was replaced): look the sandbox up again."""


def _setns_net(pid: int) -> None:
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
    try:
        if _libc.setns(fd, CLONE_NEWNET) != 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code))
    finally:
        os.close(fd)


def _go_error(exc: OSError) -> str:
    """Go's wording ("connect: connection refused"), which is what kubectl users see from a kubelet."""
    text = os.strerror(exc.errno) if exc.errno else str(exc)
    return f"connect: {text[:1].lower()}{text[1:]}"


def _connect_localhost(port: int, timeout: float) -> socket.socket:
    errors = []
    for family, host, net in ((socket.AF_INET, "127.0.0.1", "tcp4"), (socket.AF_INET6, "::1", "tcp6")):
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.settimeout(timeout)
            sock.connect((host, port))
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as exc:
            sock.close()
            shown = f"[{host}]" if ":" in host else host
            reason = "i/o timeout" if isinstance(exc, TimeoutError) else _go_error(exc)
            errors.append(f"dial {net} {shown}:{port}: {reason}")
    raise DialError(f"IPv4: {errors[0]} IPv6 {errors[1]}")


async def dial_in_netns(pid: int, port: int, sandbox_id: str, timeout: float = CONNECT_TIMEOUT) -> socket.socket:
    """A connected, non-blocking socket to localhost:port in the netns of `pid`."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[socket.socket] = loop.create_future()

    def deliver(result: socket.socket | BaseException) -> None:
        if done.cancelled():
            if isinstance(result, socket.socket):
                result.close()
        elif isinstance(result, BaseException):
            done.set_exception(result)
        else:
            done.set_result(result)

    def run() -> None:
        result: socket.socket | BaseException
        try:
            _setns_net(pid)
            result = _connect_localhost(port, timeout)
        except DialError as exc:
            result = DialError(f"failed to connect to localhost:{port} inside namespace \"{sandbox_id}\", {exc} ")
        except (FileNotFoundError, ProcessLookupError) as exc:
            result = NetnsGone(f"the network namespace of \"{sandbox_id}\" is gone: {exc}")
        except OSError as exc:
            result = DialError(f"failed to enter the network namespace of \"{sandbox_id}\": {exc}")
        try:
            loop.call_soon_threadsafe(deliver, result)
        except RuntimeError:  # the loop closed meanwhile
            if isinstance(result, socket.socket):
                result.close()

    threading.Thread(target=run, name=f"netns-dial-{port}", daemon=True).start()
    return await done


class PodNetns:
    """One pod's sandbox, resolved once per port-forward session."""

    def __init__(self, pid: int, sandbox_id: str) -> None:
        self.pid, self.sandbox_id = pid, sandbox_id

    async def dial(self, port: int) -> socket.socket:
        return await dial_in_netns(self.pid, port, self.sandbox_id)


async def pod_netns(runtime: PodRuntime, uid: str) -> PodNetns:
    """The running pause container of pod `uid` (DialError when there is none, or no Docker)."""
    client = runtime.docker
    if client is None:
        raise DialError(f"port forwarding is not supported by the {runtime.name} runtime")

    def find() -> PodNetns:
        for summary in client.api.containers(filters={"label": [f"{L_UID}={uid}", f"{L_KIND}=pause"]}):
            state = (client.api.inspect_container(summary["Id"]).get("State") or {})
            if state.get("Running") and int(state.get("Pid") or 0) > 0:
                return PodNetns(int(state["Pid"]), str(summary["Id"]))
        raise DialError(f"the pod sandbox of pod uid {uid} is not running")

    try:
        return await asyncio.to_thread(find)
    except DialError:
        raise
    except Exception as exc:  # dockerd gone or answering errors: the stream says so
        raise DialError(f"cannot find the pod sandbox: {exc}") from None

