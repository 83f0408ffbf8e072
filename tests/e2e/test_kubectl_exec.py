"""The real kubectl 1.37 and the Python client against a `kube up` cluster with two Docker minions:
exec (exit codes, piped stdin, -it under a pty with a resize), attach -it, cp both ways, stream(),
bad input, a client that vanishes mid-stream, a node certificate knocking on another node's server,
and the recorded client bytes (tests/fixtures/protocols/exec_*.json) replayed."""

from __future__ import annotations

import asyncio
import hashlib
import os
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from kube.apiserver.auth.pki import client_cert_paths
from tests.e2e.exec_cluster import PtyKubectl, exec_cluster
from tests.fixtures.protocols import exec_wire
from tests.fixtures.requirements import require_docker
from tests.local.local_cluster import KUBECTL, LocalCluster, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.docker]
SHELL_EXIT_3 = ["sh", "-c", "echo out; echo err >&2; exit 3"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    require_docker()
    yield from exec_cluster(tmp_path_factory.mktemp("exec-e2e"))


def kubectl(cluster: LocalCluster, *args: str, stdin: bytes | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([KUBECTL, "--kubeconfig", str(cluster.kubeconfig), "--cache-dir", str(cluster.cache), *args],
                          input=stdin, capture_output=True, timeout=120, env={**os.environ, **(env or {})})


def test_exec_gives_the_remote_exit_code_and_keeps_stdout_and_stderr_apart(cluster: LocalCluster) -> None:
    done = kubectl(cluster, "exec", "box", "--", *SHELL_EXIT_3)
    assert done.returncode == 3 and done.stdout == b"out\n"
    assert done.stderr == b"err\ncommand terminated with exit code 3\n"
    assert kubectl(cluster, "exec", "box", "--", "true").returncode == 0


def test_exec_pipes_stdin_through(cluster: LocalCluster) -> None:
    data = os.urandom(300_000)
    done = kubectl(cluster, "exec", "-i", "box", "--", "sha256sum", stdin=data)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0].decode() == hashlib.sha256(data).hexdigest()


def test_exec_it_under_a_pty_follows_the_window_size(cluster: LocalCluster) -> None:
    term = PtyKubectl(cluster, "exec", "-it", "box", "--", "sh")
    try:
        term.expect(b"# ")
        term.retype_until("stty size", b"40 100")
        term.resize(33, 77)
        term.retype_until("stty size", b"33 77")
        term.type("exit 5\r")
        assert term.wait() == 5
    finally:
        term.kill()


def test_attach_it_reaches_the_containers_own_shell(cluster: LocalCluster) -> None:
    term = PtyKubectl(cluster, "attach", "-it", "talk", rows=30, cols=90)
    try:
        term.expect(b"If you don't see a command prompt")
        term.type("echo attached-$((6*7))\r")
        term.expect(b"attached-42")
        term.retype_until("stty size", b"30 90")  # kubectl's first resize message
        term.resize(25, 80)
        term.retype_until("stty size", b"25 80")
    finally:
        term.kill()  # detaching leaves the container running
    assert cluster.get_json("pod", "talk")["status"]["phase"] == "Running"


def test_cp_ten_mebibytes_in_and_out_unchanged(cluster: LocalCluster, tmp_path: Path) -> None:
    source, back = tmp_path / "in.bin", tmp_path / "out.bin"
    source.write_bytes(os.urandom(10 << 20))
    assert kubectl(cluster, "cp", str(source), "box:/tmp/in.bin").returncode == 0
    inside = kubectl(cluster, "exec", "box", "--", "sha256sum", "/tmp/in.bin").stdout.split()[0].decode()
    assert kubectl(cluster, "cp", "box:/tmp/in.bin", str(back)).returncode == 0
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    assert inside == digest and hashlib.sha256(back.read_bytes()).hexdigest() == digest


def _core(cluster: LocalCluster):  # noqa: ANN202 - the generated client's class
    from kubernetes import client, config

    return client.CoreV1Api(config.new_client_from_config(str(cluster.kubeconfig)))


def test_python_client_stream_reads_stdout_stderr_and_returncode(cluster: LocalCluster) -> None:
    from kubernetes.stream import stream

    api = _core(cluster)
    ws = stream(api.connect_get_namespaced_pod_exec, "box", "default", command=SHELL_EXIT_3, stderr=True,
                stdin=False, stdout=True, tty=False, _preload_content=False)
    ws.run_forever(timeout=60)
    assert (ws.read_stdout(), ws.read_stderr(), ws.returncode) == ("out\n", "err\n", 3)
    assert stream(api.connect_get_namespaced_pod_exec, "box", "default", command=["echo", "hi"], stderr=True,
                  stdin=False, stdout=True, tty=False) == "hi\n"


@pytest.mark.parametrize(("args", "code", "message"), [
    (["exec", "box", "-c", "nope", "--", "true"], 1, b"error: container nope is not valid for pod box out of: main"),
    (["exec", "done", "--", "true"], 1,
     b"error: cannot exec into a container in a completed pod; current phase is Succeeded"),
    (["exec", "box", "--", "nope"], 127, b'exec: "nope": executable file not found in $PATH'),
    (["exec", "box", "--", "/etc/passwd"], 126, b"permission denied"),
])
def test_kubectl_bad_input(cluster: LocalCluster, args: list[str], code: int, message: bytes) -> None:
    done = kubectl(cluster, *args)
    assert done.returncode == code and message in done.stderr, done.stderr


@pytest.mark.parametrize(("pod", "container", "message"), [
    ("box", "nope", "container nope is not valid for pod box"),
    ("done", None, "cannot exec into a container in a completed pod; current phase is Succeeded"),
])
def test_python_client_bad_input_is_the_servers_status(cluster: LocalCluster, pod: str, container: str | None,
                                                        message: str) -> None:
    from kubernetes.client.exceptions import ApiException
    from kubernetes.stream import stream

    extra = {"container": container} if container else {}
    with pytest.raises(ApiException) as err:
        stream(_core(cluster).connect_get_namespaced_pod_exec, pod, "default", command=["true"], stderr=True,
               stdin=False, stdout=True, tty=False, **extra)
    assert "Handshake status 400" in str(err.value) and message in str(err.value), str(err.value)  # status 0: stream()


def _admin_tls(cluster: LocalCluster) -> ssl.SSLContext:
    pki = cluster.dir.pki
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(pki / "admin.crt", pki / "admin.key")
    return ctx


def _running_execs(pod: str) -> list[str]:
    """Exec ids still running in the pod's containers, asked of dockerd."""
    import docker

    client = docker.from_env()
    try:
        running = []
        for found in client.containers.list(filters={"label": f"io.kube.pod.name={pod}"}):
            for exec_id in found.attrs.get("ExecIDs") or []:
                try:
                    if client.api.exec_inspect(exec_id).get("Running"):
                        running.append(exec_id)
                except docker.errors.NotFound:
                    pass
        return running
    finally:
        client.close()


WS_HEAD = ("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
           "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
           "Sec-WebSocket-Protocol: v5.channel.k8s.io\r\n\r\n")


def test_a_client_gone_mid_stream_leaves_no_exec_behind(cluster: LocalCluster) -> None:
    async def vanish() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", cluster.port, ssl=_admin_tls(cluster),
                                                       server_hostname="127.0.0.1")
        path = "/api/v1/namespaces/default/pods/box/exec?command=sleep&command=311&stdout=true&stdin=true"
        writer.write(WS_HEAD.format(path=path).encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 60)
        await asyncio.to_thread(wait_for, "the exec to run", lambda: _running_execs("box"), 60)
        writer.transport.abort()  # no close frame, no FIN handshake: the client is simply gone
        return head

    assert b" 101 " in asyncio.run(vanish())
    wait_for("the vanished client's exec to be killed", lambda: not _running_execs("box"), 60)
    ps = kubectl(cluster, "exec", "box", "--", "ps").stdout
    assert b"sleep 311" not in ps


def test_logs_still_pass_the_nodes_door_with_the_api_servers_certificate(cluster: LocalCluster) -> None:
    assert kubectl(cluster, "logs", "box").stdout == b"box-started\n"


def _node_of(cluster: LocalCluster, pod: str) -> tuple[str, str, int]:
    node_name = cluster.get_json("pod", pod)["spec"]["nodeName"]
    status = cluster.get_json("node", node_name)["status"]
    address = next(a["address"] for a in status["addresses"] if a["type"] == "InternalIP")
    return node_name, address, status["daemonEndpoints"]["kubeletEndpoint"]["Port"]


def test_a_node_certificate_is_refused_by_another_nodes_server(cluster: LocalCluster) -> None:
    node_name, address, port = _node_of(cluster, "box")
    other = next(n["metadata"]["name"] for n in cluster.get_json("nodes")["items"]
                 if n["metadata"]["name"] != node_name)
    cert, key = client_cert_paths(str(cluster.dir.pki), f"system:node:{other}")
    ctx = ssl.create_default_context(cafile=str(cluster.dir.pki / "ca.crt"))
    ctx.check_hostname = False
    ctx.load_cert_chain(cert, key)

    async def knock(path: str) -> tuple[bytes, dict]:
        reader, writer = await asyncio.open_connection(address, port, ssl=ctx)
        writer.write(WS_HEAD.format(path=path).encode())
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 30)
        length = int(exec_wire.headers(head)["content-length"])
        body = orjson.loads(await reader.readexactly(length))
        writer.close()
        return head, body

    for path in ("/exec/default/box/main?command=true&stdout=true", "/containerLogs/default/box/main",
                 f"/stats/summary?node={node_name}"):
        head, body = asyncio.run(knock(path))
        assert head.startswith(b"HTTP/1.1 403 ") and body["reason"] == "Forbidden", body
        assert f"user=system:node:{other}" in body["message"]


@pytest.mark.parametrize("fixture", exec_wire.EXEC_FIXTURES, ids=lambda p: p.stem)
def test_recorded_client_bytes_replay_to_the_same_answers(cluster: LocalCluster, fixture: Path) -> None:
    recording = exec_wire.load(fixture)
    got = asyncio.run(exec_wire.replay(recording, "127.0.0.1", cluster.port, _admin_tls(cluster)))
    want = exec_wire.side(recording, "server")
    (got_head, got_rest), (want_head, want_rest) = exec_wire.split_head(got), exec_wire.split_head(want)
    assert got_head.split(b"\r\n")[0] == want_head.split(b"\r\n")[0]
    if b" 101 " in want_head:
        assert exec_wire.headers(got_head)["sec-websocket-accept"] == exec_wire.headers(want_head)[
            "sec-websocket-accept"]
        assert exec_wire.by_channel(exec_wire.channel_messages(got_rest)) == \
            exec_wire.by_channel(exec_wire.channel_messages(want_rest))
    else:
        assert orjson.loads(got_rest)["message"] == orjson.loads(want_rest)["message"]
