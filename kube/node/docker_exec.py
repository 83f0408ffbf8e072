"""exec and attach through dockerd's HTTP API on its unix socket, asynchronously: the exec (or attach)
is started with a hijacked connection (`Upgrade: tcp`), which then carries stdin one way and the
output the other (multiplexed into stdout/stderr frames unless it is a TTY).

Docker has no call that stops an exec, so `kill_exec` kills the exec's process tree by its host
PID (the agent runs beside dockerd, in its PID namespace): a client that goes away leaves nothing
running behind it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import struct
from collections.abc import AsyncIterator
from typing import Any

import orjson

from kube.node.docker_logs import _socket_path

HEAD_LIMIT = 64 << 10
STDOUT, STDERR = 1, 2


class DockerError(Exception):
    """dockerd refused a call; `status` is its HTTP status, the message its own."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Hijacked:
    """The raw connection after dockerd's 101: write stdin, read output, half-close for stdin EOF."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def write(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    def close_stdin(self) -> None:
        if not self.writer.is_closing() and self.writer.can_write_eof():
            self.writer.write_eof()

    async def output(self, tty: bool) -> AsyncIterator[tuple[int, bytes]]:
        """(stream, bytes) until the process's output ends: raw for a TTY, else Docker's 8-byte framing."""
        while True:
            if tty:
                data = await self.reader.read(65536)
                if not data:
                    return
                yield STDOUT, data
                continue
            try:
                header = await self.reader.readexactly(8)
                size = struct.unpack(">I", header[4:])[0]
                data = await self.reader.readexactly(size) if size else b""
            except asyncio.IncompleteReadError as exc:
                if exc.partial and not tty:  # not framed: dockerd's own error text (a failed start)
                    yield STDERR, exc.partial
                return
            if header[0] in (STDOUT, STDERR) and data:
                yield header[0], data
            elif data and header[0] not in (0, STDOUT, STDERR):  # dockerd wrote plain text, not frames
                yield STDERR, header + data

    def close(self) -> None:
        self.writer.close()


async def _open() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_unix_connection(_socket_path(), limit=HEAD_LIMIT)


def _request(method: str, path: str, body: Any, upgrade: bool) -> bytes:
    payload = orjson.dumps(body) if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", "Host: docker", f"Content-Length: {len(payload)}"]
    if body is not None:
        lines.append("Content-Type: application/json")
    lines += ["Connection: Upgrade", "Upgrade: tcp"] if upgrade else ["Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


async def _head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    raw = await reader.readuntil(b"\r\n\r\n")
    first, *lines = raw.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
    return int(first.split(" ", 2)[1]), headers


async def _body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        out = bytearray()
        while size := int((await reader.readuntil(b"\r\n")).strip() or b"0", 16):
            out += await reader.readexactly(size)
            await reader.readexactly(2)
        return bytes(out)
    return await reader.read()


def _message(body: bytes) -> str:
    try:
        return str(orjson.loads(body).get("message", "")) or body.decode(errors="replace").strip()
    except (orjson.JSONDecodeError, AttributeError):
        return body.decode(errors="replace").strip()


async def call(method: str, path: str, body: Any = None) -> Any:
    """One JSON call to dockerd; DockerError on a status >= 400."""
    reader, writer = await _open()
    try:
        writer.write(_request(method, path, body, upgrade=False))
        status, headers = await _head(reader)
        data = await _body(reader, headers)
    finally:
        writer.close()
    if status >= 400:
        raise DockerError(status, _message(data))
    return orjson.loads(data) if data.strip() else None


async def hijack(path: str, body: Any) -> Hijacked:
    """POST path with `Upgrade: tcp`; the connection once dockerd switched protocols."""
    reader, writer = await _open()
    try:
        writer.write(_request("POST", path, body, upgrade=True))
        status, headers = await _head(reader)
        if status not in (101, 200):
            raise DockerError(status, _message(await _body(reader, headers)))
    except BaseException:
        writer.close()
        raise
    return Hijacked(reader, writer)


async def inspect_container(container_id: str) -> dict[str, Any]:
    return await call("GET", f"/containers/{container_id}/json")


def is_running(info: dict[str, Any]) -> bool:
    state = info.get("State") or {}
    return bool(state.get("Running")) and not state.get("Paused")


async def running(container_id: str) -> bool:
    return is_running(await inspect_container(container_id))


async def create_exec(container_id: str, cmd: list[str], stdin: bool, stdout: bool, stderr: bool,
                      tty: bool) -> str:
    created = await call("POST", f"/containers/{container_id}/exec", {
        "AttachStdin": stdin, "AttachStdout": stdout, "AttachStderr": stderr, "Tty": tty, "Cmd": cmd})
    return str(created["Id"])


async def start_exec(exec_id: str, tty: bool) -> Hijacked:
    return await hijack(f"/exec/{exec_id}/start", {"Detach": False, "Tty": tty})


async def attach(container_id: str, stdin: bool, stdout: bool, stderr: bool) -> Hijacked:
    flags = "&".join(f"{k}={int(v)}" for k, v in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr)))
    return await hijack(f"/containers/{container_id}/attach?stream=1&{flags}", None)


async def resize(kind: str, target: str, width: int, height: int) -> None:
    """kind: "exec" or "containers"; errors are dropped (a resize races the process's exit)."""
    try:
        await call("POST", f"/{kind}/{target}/resize?h={height}&w={width}")
    except (DockerError, OSError):
        pass


async def inspect_exec(exec_id: str) -> dict[str, Any]:
    return await call("GET", f"/exec/{exec_id}/json")


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as f:
                    ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == pid:
                found.append(int(entry))
    return found


def _kill_tree(pid: int) -> None:
    for child in _children(pid):
        _kill_tree(child)
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


async def kill_exec(exec_id: str, settle: float = 5.0) -> None:
    """Kill a started exec's process and its children; no-op once it has exited. An exec just started
    may not show Running (nor an exit code) yet: that is waited for, up to `settle` seconds."""
    deadline = asyncio.get_running_loop().time() + settle
    while True:
        try:
            info = await inspect_exec(exec_id)
        except (DockerError, OSError):
            return
        if info.get("Running") and int(info.get("Pid") or 0) > 1:
            await asyncio.to_thread(_kill_tree, int(info["Pid"]))
            return
        if info.get("ExitCode") is not None or asyncio.get_running_loop().time() > deadline:
            return
        await asyncio.sleep(0.02)
