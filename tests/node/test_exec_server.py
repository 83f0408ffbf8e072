"""The node server's /exec and /attach against a real Docker container (busybox), in process: the
channel protocol's codecs, exit codes, stdin and v5's close, a command that cannot start, a client
that goes away (its exec killed, no task left), and who may call (the API server's certificate only)."""

from __future__ import annotations

import asyncio
import base64
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import WSMsgType, web
from prometheus_client import CollectorRegistry

from kube.apiserver.auth.pki import PkiPaths, ensure_pki, issue_client_cert, issue_serving_cert
from kube.node import docker_exec
from kube.node.log_server import make_app, serve, tls_context
from tests.fixtures.requirements import require_docker

pytestmark = pytest.mark.docker
IMAGE = "kube.local/busybox:1"


class StubRuntime:
    """What the exec server asks of a runtime: the Docker id of a pod's container ("main" sleeps,
    "cat" copies its stdin to its stdout)."""

    name = "docker"

    def __init__(self, docker_id: str) -> None:
        self.ids = {"main": docker_id, "cat": CONTAINERS.get("cat", "")}
        self.docker = object()  # runs processes: the server asks for ids, never uses the client itself

    async def latest_container_id(self, uid: str, container: str) -> str:
        return self.ids.get(container, "")


CONTAINERS: dict[str, str] = {}


@pytest.fixture(scope="module")
def container() -> Iterator[str]:
    require_docker()
    names = {role: f"exec-test-{role}-{uuid.uuid4().hex[:8]}" for role in ("main", "cat")}
    for role, cmd in (("main", ["sleep", "3600"]), ("cat", ["cat"])):
        subprocess.run(["docker", "run", "-d", "--name", names[role], "-i", IMAGE, *cmd], check=True,
                       capture_output=True)
        CONTAINERS[role] = subprocess.run(["docker", "inspect", "-f", "{{.Id}}", names[role]], check=True,
                                          capture_output=True, text=True).stdout.strip()
    yield CONTAINERS["main"]
    for name in names.values():
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def _app(docker_id: str, require_cert: bool) -> web.Application:
    pod = {"metadata": {"name": "p", "namespace": "default", "uid": "u1"}, "spec": {"nodeName": "n1"}}
    agents: dict[str, Any] = {"n1": SimpleNamespace(runtime=StubRuntime(docker_id))}
    return make_app(agents, lambda ns, name: pod if (ns, name) == ("default", "p") else None, require_cert,
                    registry=CollectorRegistry())


@pytest.fixture
async def node(container: str) -> AsyncIterator[str]:
    runner = await serve(_app(container, False), "127.0.0.1", 0, None)
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


async def _exec(url: str, query: str, protocol: str = "v5.channel.k8s.io", send: list[bytes | str] = (),
                ) -> tuple[str, dict[int, bytes], dict[str, Any]]:
    """(negotiated protocol, output per channel, the closing Status) of one exec."""
    out: dict[int, bytes] = {}
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"{url}/exec/default/p/main?{query}", protocols=(protocol,)) as ws:
        for message in send:
            await (ws.send_str(message) if isinstance(message, str) else ws.send_bytes(message))
        async for msg in ws:
            if msg.type == WSMsgType.BINARY:
                channel, data = msg.data[0], msg.data[1:]
            elif msg.type == WSMsgType.TEXT:
                channel, data = ord(msg.data[0]) - ord("0"), base64.b64decode(msg.data[1:])
            else:
                break
            out[channel] = out.get(channel, b"") + data
        return ws.protocol or "", out, orjson.loads(out.pop(3))


async def test_exit_code_stdout_and_stderr_on_their_channels(node: str) -> None:
    protocol, out, status = await _exec(node, "command=sh&command=-c&command=echo%20out%3B%20echo%20err%20%3E%262%3B"
                                              "%20exit%203&stdout=true&stderr=true")
    assert protocol == "v5.channel.k8s.io" and out == {1: b"out\n", 2: b"err\n"}
    assert status["status"] == "Failure" and status["reason"] == "NonZeroExitCode"
    assert status["details"] == {"causes": [{"reason": "ExitCode", "message": "3"}]}
    _, _, status = await _exec(node, "command=true&stdout=true")
    assert status == {"metadata": {}, "status": "Success"}


async def test_stdin_then_v5_close_ends_the_input(node: str) -> None:
    _, out, status = await _exec(node, "command=wc&command=-c&stdin=true&stdout=true",
                                 send=[b"\x00" + b"x" * 100_000, b"\xff\x00"])
    assert out[1].strip() == b"100000" and status["status"] == "Success"


async def test_stdin_sent_after_the_process_exited_does_not_lose_its_status(node: str) -> None:
    _, out, status = await _exec(node, "command=sh&command=-c&command=exit%204&stdin=true&stdout=true",
                                 send=[b"\x00" + b"y" * (1 << 20) for _ in range(8)])
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": "4"}]


async def test_attach_reaches_the_containers_own_stdio_and_lets_go(node: str) -> None:
    async with aiohttp.ClientSession() as session:
        for attempt in ("first", "second"):  # the container outlives the first attach
            async with session.ws_connect(f"{node}/attach/default/p/cat?stdin=true&stdout=true&stderr=true",
                                          protocols=("v5.channel.k8s.io",)) as ws:
                await ws.send_bytes(b"\x00" + f"{attempt} line\n".encode())
                msg = await asyncio.wait_for(ws.receive(), 30)
                assert msg.type == WSMsgType.BINARY and msg.data == b"\x01" + f"{attempt} line\n".encode()
                await ws.send_bytes(b"\xff\x00")  # the client's stdin ended: not the container's
    await asyncio.sleep(0.5)
    assert await docker_exec.running(CONTAINERS["cat"])


async def test_v4_base64_codec(node: str) -> None:
    protocol, out, status = await _exec(node, "command=echo&command=hi&stdout=true", "v4.base64.channel.k8s.io")
    assert protocol == "v4.base64.channel.k8s.io" and out == {1: b"hi\n"} and status["status"] == "Success"


async def test_tty_exec_takes_resize_messages(node: str) -> None:
    resize = b"\x04" + orjson.dumps({"Width": 91, "Height": 27})
    _, out, status = await _exec(node, "command=sh&command=-c&command=sleep%200.5%3B%20stty%20size&stdout=true"
                                       "&tty=true", send=[resize])
    assert out[1].strip() == b"27 91" and status["status"] == "Success"


@pytest.mark.parametrize(("command", "code"), [("nope", 127), ("/etc/passwd", 126)])
async def test_a_command_that_cannot_start_exits_as_a_shell_says(node: str, command: str, code: int) -> None:
    _, out, status = await _exec(node, f"command={command}&stdout=true&stderr=true")
    assert b"OCI runtime exec failed" in out[2] and 1 not in out
    assert status["details"]["causes"] == [{"reason": "ExitCode", "message": str(code)}]


WS = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
      "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}


@pytest.mark.parametrize(("path", "headers", "code", "message"), [
    ("/exec/default/ghost/main?command=ls&stdout=true", WS, 404, "pod does not exist"),
    ("/exec/default/p/other?command=ls&stdout=true", WS, 404, 'container not found ("other")'),
    ("/exec/default/p/main?stdout=true", WS, 400, "you must specify at least one command for the container"),
    ("/exec/default/p/main?command=ls&stdout=true", {"Upgrade": "SPDY/3.1", "Connection": "Upgrade"}, 400,
     "unable to upgrade: SPDY exec and attach are not served by this node; use a WebSocket (v5.channel.k8s.io, "
     "v4.channel.k8s.io, v4.base64.channel.k8s.io), as kubectl >= 1.30 does"),
    ("/exec/default/p/main?command=ls&stdout=true", {}, 400, "Upgrade request required"),
])
async def test_refusals_are_statuses(node: str, path: str, headers: dict[str, str], code: int, message: str) -> None:
    async with aiohttp.ClientSession() as session, session.get(f"{node}{path}", headers=headers) as resp:
        body = await resp.json()
    assert resp.status == code and body["message"] == message and body["kind"] == "Status"


async def _running_execs(docker_id: str, marker: str = "") -> list[str]:
    """Running execs in the container (those whose arguments include marker)."""
    ids = (await docker_exec.call("GET", f"/containers/{docker_id}/json")).get("ExecIDs") or []
    running = []
    for exec_id in ids:
        info = await docker_exec.inspect_exec(exec_id)
        if info.get("Running") and marker in (info.get("ProcessConfig") or {}).get("arguments", []):
            running.append(exec_id)
    return running


async def test_a_client_that_goes_away_leaves_no_exec_and_no_task(node: str, container: str) -> None:
    await _exec(node, "command=true&stdout=true")  # warm: the server's own tasks exist before the count
    baseline = len(asyncio.all_tasks())
    async with aiohttp.ClientSession() as session:
        ws = await session.ws_connect(f"{node}/exec/default/p/main?command=sleep&command=301&stdout=true&stdin=true",
                                      protocols=("v5.channel.k8s.io",))
        for _ in range(100):
            if await _running_execs(container, "301"):
                break
            await asyncio.sleep(0.1)
        assert await _running_execs(container, "301"), "the exec never started"
        ws._response.connection.transport.abort()  # type: ignore[union-attr]  # gone, no close frame
    for _ in range(200):
        if not await _running_execs(container, "301") and len(asyncio.all_tasks()) <= baseline:
            break
        await asyncio.sleep(0.1)
    assert await _running_execs(container, "301") == []
    assert len(asyncio.all_tasks()) <= baseline, [t.get_coro() for t in asyncio.all_tasks()]


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, PkiPaths]:
    path = tmp_path_factory.mktemp("node-pki")
    paths = ensure_pki(str(path), ["127.0.0.1"])
    issue_serving_cert(paths, ["127.0.0.1"], str(path / "node.crt"), str(path / "node.key"), cn="n1")
    for name, cn, groups in (("apiserver-client", "kube-apiserver-kubelet-client", ["system:masters"]),
                             ("other-node", "system:node:n2", ["system:nodes"])):
        issue_client_cert(paths, cn, groups, str(path / f"{name}.crt"), str(path / f"{name}.key"))
    return path, paths


@pytest.mark.parametrize(("identity", "code"), [("apiserver-client", 400), ("other-node", 403), ("admin", 403),
                                                 (None, 401)])
async def test_only_the_api_servers_certificate_is_served(container: str, pki: tuple[Path, PkiPaths],
                                                          identity: str | None, code: int) -> None:
    path, paths = pki
    runner = await serve(_app(container, True), "127.0.0.1", 0,
                         tls_context(str(path / "node.crt"), str(path / "node.key"), paths.ca_cert))
    try:
        ctx = ssl.create_default_context(cafile=paths.ca_cert)
        if identity:
            ctx.load_cert_chain(path / f"{identity}.crt", path / f"{identity}.key")
        url = f"https://127.0.0.1:{runner.addresses[0][1]}"
        async with aiohttp.ClientSession() as session:
            for target in ("/exec/default/p/main?command=ls&stdout=true", "/containerLogs/default/p/main",
                           "/portForward/default/p?ports=80"):
                async with session.get(url + target, ssl=ctx) as resp:
                    body = await resp.json() if resp.content_type == "application/json" else {}
                if code != 400 or target.startswith("/exec"):  # the API server gets past the door (then: no upgrade)
                    assert resp.status == code, (target, body)
                if code == 403:
                    assert body["reason"] == "Forbidden" and "subresource(s)=[proxy]" in body["message"]
    finally:
        await runner.cleanup()
