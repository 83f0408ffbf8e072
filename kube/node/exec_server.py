"""/exec/<ns>/<pod>/<container> and /attach/<ns>/<pod>/<container> on the node's server, the kubelet's
way: the query says what (command=..., stdin, stdout, stderr, tty), the WebSocket channel protocol
(channel_protocol.py) carries it, Docker runs it (docker_exec.py), and the error channel closes the
stream with a Status: Success, or NonZeroExitCode with the exit code as its ExitCode cause.

A command that cannot start is Docker's `OCI runtime exec failed` (exit 126): its text goes to
stderr and the code becomes what a shell gives (127 not found, 126 not executable). A client that
goes away kills the exec's process (an attach just lets go) and both pumps end: no task stays
behind. SPDY exec is not served: kubectl >= 1.30 and the Python client use WebSocket.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from aiohttp import web

from kube.api.meta import Obj
from kube.node import docker_exec
from kube.node.channel_protocol import (
    CLOSE,
    PROTOCOLS,
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    Channels,
    exit_code_status,
    internal_error,
    offered,
    parse_resize,
    success,
)
from kube.node.container_config import L_CONTAINER, L_UID
from kube.node.runtime import PodAndRuntime

log = logging.getLogger("kube.node.exec")
Guard = Callable[[web.Request], web.StreamResponse | None]  # a refusal, or None to go on
AgentFor = PodAndRuntime
OCI_FAILED = b"OCI runtime exec failed"
EXIT_WAIT = 5.0  # how long an exec may still report Running after its output ended


def status(code: int, reason: str, message: str) -> web.Response:
    return web.json_response({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                              "message": message, "reason": reason, "code": code}, status=code)


def _flag(request: web.Request, name: str) -> bool:
    return request.query.get(name, "").lower() in ("true", "1")


def _failed_start_code(text: bytes) -> int:
    lowered = text.lower()
    return 127 if b"not found" in lowered or b"no such file" in lowered else 126


class _Session:
    """One exec or attach: the pumps between the client's channels and Docker's hijacked stream."""

    def __init__(self, channels: Channels, stream: docker_exec.Hijacked, tty: bool, resize_target: tuple[str, str]):
        self.channels, self.stream, self.tty = channels, stream, tty
        self.resize_kind, self.resize_id = resize_target
        # the client's stdin EOF ends an exec's stdin; a container's stdin outlives an attach (Docker
        # closes it itself after the first attach when the container asked for stdinOnce)
        self.forward_eof = resize_target[0] == "exec"
        self.failed_start: int | None = None  # the shell's code when the command could not start

    async def output(self) -> None:
        first = True
        async for stream, data in self.stream.output(self.tty):
            if first and data.startswith(OCI_FAILED):
                self.failed_start = _failed_start_code(data)
                stream = STDOUT if self.tty else STDERR
            first = False
            await self.channels.send(stream, data)

    async def input(self) -> None:
        stdin_open = True
        async for channel, data in self.channels.receive():
            if channel == STDIN and data and stdin_open:
                try:
                    await self.stream.write(data)
                except (ConnectionError, OSError):
                    stdin_open = False  # the process is gone or closed its stdin: drop the rest, wait for its end
            elif channel == RESIZE:
                size = parse_resize(data)
                if size is not None:
                    await docker_exec.resize(self.resize_kind, self.resize_id, *size)
            elif channel == CLOSE and data[:1] == bytes((STDIN,)) and self.forward_eof:
                self.stream.close_stdin()

    async def run(self) -> bool:
        """True when the output ended (the process is done), False when the client went first."""
        output = asyncio.ensure_future(self.output())
        client = asyncio.ensure_future(self.input())
        try:
            done, _ = await asyncio.wait((output, client), return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (output, client):
                task.cancel()
            await asyncio.gather(output, client, return_exceptions=True)
            self.stream.close()
        return output in done and not output.cancelled() and output.exception() is None


async def _exit_code(exec_id: str) -> int:
    deadline = asyncio.get_running_loop().time() + EXIT_WAIT
    while True:
        info = await docker_exec.inspect_exec(exec_id)
        if not info.get("Running") or asyncio.get_running_loop().time() > deadline:
            return int(info.get("ExitCode") or 0)
        await asyncio.sleep(0.02)


def _refuse_upgrade(request: web.Request) -> web.Response | None:
    upgrade = request.headers.get("Upgrade", "").lower()
    if upgrade == "websocket":
        wanted = offered(request)
        if wanted and not set(wanted) & set(PROTOCOLS):
            return status(400, "BadRequest", f"unable to upgrade: none of the WebSocket subprotocols {wanted} is "
                          f"served here (served: {', '.join(PROTOCOLS)})")
        return None
    if upgrade == "spdy/3.1":
        return status(400, "BadRequest", "unable to upgrade: SPDY exec and attach are not served by this node; "
                      f"use a WebSocket ({', '.join(PROTOCOLS)}), as kubectl >= 1.30 does")
    return status(400, "BadRequest", "Upgrade request required")


async def _reported_container(pod: Obj, uid: str, container: str) -> str:
    """The Docker id this node last reported for the container in the pod's status, if that container
    still runs and its labels say it is this pod's: one inspect instead of listing the pod's
    containers through the Docker SDK (about 5 ms an exec). Else "" and the runtime is asked."""
    status_ = pod.get("status") or {}
    for key in ("containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses"):
        for cs in status_.get(key) or []:
            reported = str(cs.get("containerID") or "") if isinstance(cs, dict) and cs.get("name") == container else ""
            if reported.startswith("docker://"):
                try:
                    info = await docker_exec.inspect_container(reported[len("docker://"):])
                except docker_exec.DockerError:
                    return ""
                labels = (info.get("Config") or {}).get("Labels") or {}
                mine = labels.get(L_UID) == uid and labels.get(L_CONTAINER) == container
                return str(info.get("Id") or "") if mine and docker_exec.is_running(info) else ""
    return ""


async def _container(request: web.Request, lookup: AgentFor) -> tuple[str, str] | web.Response:
    """(docker id, container name) of a running container, or the Status refusing the request."""
    ns, name, container = (request.match_info[k] for k in ("namespace", "pod", "container"))
    found = lookup(ns, name)
    if found is None:
        return status(404, "NotFound", "pod does not exist")
    pod, runtime = found
    if runtime.docker is None:
        return status(400, "BadRequest", "this node's runtime runs no processes: exec and attach need Docker")
    uid = str((pod.get("metadata") or {}).get("uid", ""))
    reported = await _reported_container(pod, uid, container)
    if reported:
        return reported, container
    docker_id = await runtime.latest_container_id(uid, container)
    if not docker_id:
        return status(404, "NotFound", f'container not found ("{container}")')
    try:
        if not await docker_exec.running(docker_id):
            return status(400, "BadRequest", f'container "{container}" in pod "{name}" is not running')
    except docker_exec.DockerError as exc:
        return status(404 if exc.status == 404 else 500, "NotFound" if exc.status == 404 else "InternalError",
                      str(exc))
    return docker_id, container


async def serve_exec(request: web.Request, lookup: AgentFor) -> web.StreamResponse:
    refused = _refuse_upgrade(request)
    if refused is not None:
        return refused
    found = await _container(request, lookup)
    if isinstance(found, web.Response):
        return found
    docker_id, _ = found
    cmd = request.query.getall("command", [])
    if not cmd:
        return status(400, "BadRequest", "you must specify at least one command for the container")
    tty = _flag(request, "tty")
    stdin, stdout, stderr = _flag(request, "stdin"), _flag(request, "stdout"), _flag(request, "stderr") and not tty
    try:
        exec_id = await docker_exec.create_exec(docker_id, cmd, stdin, stdout, stderr, tty)
    except docker_exec.DockerError as exc:
        return status(500, "InternalError", f"error executing command in container: {exc}")
    ws = web.WebSocketResponse(protocols=PROTOCOLS, max_msg_size=16 << 20, autoping=True)
    await ws.prepare(request)
    channels = Channels(ws)
    finished = started = False
    try:
        if ws.closed or request.transport is None or request.transport.is_closing():
            return ws  # gone before the start: the exec never runs
        stream = await docker_exec.start_exec(exec_id, tty)
        started = True
        session = _Session(channels, stream, tty, ("exec", exec_id))
        finished = await session.run()
        if finished:
            code = session.failed_start if session.failed_start is not None else await _exit_code(exec_id)
            await channels.send_status(success() if code == 0 else exit_code_status(code, cmd))
    except ConnectionError:
        pass  # the client went away: nobody to tell
    except (docker_exec.DockerError, OSError) as exc:
        with contextlib.suppress(ConnectionError):
            await channels.send_status(internal_error(f"error executing command in container: {exc}"))
    finally:
        if started and not finished:
            await docker_exec.kill_exec(exec_id)
        await ws.close()
    return ws


async def serve_attach(request: web.Request, lookup: AgentFor) -> web.StreamResponse:
    refused = _refuse_upgrade(request)
    if refused is not None:
        return refused
    found = await _container(request, lookup)
    if isinstance(found, web.Response):
        return found
    docker_id, _ = found
    try:
        config = (await docker_exec.call("GET", f"/containers/{docker_id}/json")).get("Config") or {}
        stream = await docker_exec.attach(docker_id, _flag(request, "stdin") and bool(config.get("OpenStdin")),
                                          _flag(request, "stdout"), _flag(request, "stderr"))
    except docker_exec.DockerError as exc:
        return status(500, "InternalError", f"error attaching to container: {exc}")
    ws = web.WebSocketResponse(protocols=PROTOCOLS, max_msg_size=16 << 20, autoping=True)
    try:
        await ws.prepare(request)
        channels = Channels(ws)
        if await _Session(channels, stream, bool(config.get("Tty")), ("containers", docker_id)).run():
            await channels.send_status(success())
    except ConnectionError:
        pass
    finally:
        stream.close()
        await ws.close()
    return ws


def add_exec_routes(app: web.Application, lookup: AgentFor, guard: Guard | None = None) -> None:
    def route(serve: Callable[[web.Request, AgentFor], object]) -> Callable[[web.Request], object]:
        async def handler(request: web.Request) -> web.StreamResponse:
            refused = guard(request) if guard is not None else None  # else: the app's door decided
            if refused is not None:
                return refused
            return await serve(request, lookup)  # type: ignore[misc]

        return handler

    for verb, serve in (("exec", serve_exec), ("attach", serve_attach)):
        for path in (f"/{verb}/{{namespace}}/{{pod}}/{{container}}", f"/{verb}/{{namespace}}/{{pod}}/{{uid}}/{{container}}"):
            app.router.add_route("GET", path, route(serve))
            app.router.add_route("POST", path, route(serve))
