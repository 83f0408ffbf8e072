"""Dialling inside a real container's network namespace: a busybox httpd in a container with no network
but loopback (`--network none`), so the only way to it is from inside; the sandbox is found by the
labels the Docker runtime puts on a pod's pause container."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import threading
import uuid
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from kube.node.container_config import L_KIND, L_UID
from kube.node.images import BUSYBOX_IMAGE
from kube.node.port_forward_netns import DialError, dial_in_netns, pod_netns
from tests.fixtures.requirements import require_docker


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SimpleNamespace]:
    require_docker()
    import docker

    client = docker.from_env()
    uid = str(uuid.uuid4())
    container = client.containers.run(
        BUSYBOX_IMAGE, ["sh", "-c", "mkdir -p /www && echo inside > /www/index.html && exec httpd -f -p 80 -h /www"],
        detach=True, network_mode="none", labels={L_UID: uid, L_KIND: "pause"}, name=f"kube-pf-test-{uid[:8]}")
    try:
        found = SimpleNamespace(runtime=SimpleNamespace(docker=client, name="docker"), uid=uid, container=container)
        asyncio.run(_until_serving(found))
        yield found
    finally:
        container.remove(force=True)
        client.close()


async def _until_serving(found: SimpleNamespace) -> None:
    netns = await pod_netns(found.runtime, found.uid)
    for _ in range(120):  # httpd may still be starting
        try:
            (await netns.dial(80)).close()
            return
        except DialError:
            await asyncio.sleep(0.25)
    raise AssertionError("httpd in the test container never listened")


def _get(sock: socket.socket) -> bytes:
    sock.setblocking(True)
    sock.settimeout(20)
    sock.sendall(b"GET /index.html HTTP/1.0\r\n\r\n")
    out = b""
    while chunk := sock.recv(65536):
        out += chunk
    return out


async def test_a_port_inside_the_pods_netns_is_reached(sandbox: SimpleNamespace) -> None:
    netns = await pod_netns(sandbox.runtime, sandbox.uid)
    assert netns.sandbox_id == sandbox.container.id
    threads = threading.active_count()
    sock = await netns.dial(80)
    answer = await asyncio.to_thread(_get, sock)
    sock.close()
    assert answer.startswith(b"HTTP/1.") and answer.endswith(b"inside\n")
    socks = await asyncio.gather(*(netns.dial(80) for _ in range(20)))  # many at once
    assert len({s.getsockname() for s in socks}) == 20
    for s in socks:
        s.close()
    await asyncio.sleep(0.2)
    assert threading.active_count() <= threads  # the dial threads are gone, none left in the pod's netns


async def test_a_closed_port_is_the_kubelets_error(sandbox: SimpleNamespace) -> None:
    netns = await pod_netns(sandbox.runtime, sandbox.uid)
    with pytest.raises(DialError) as err:
        await netns.dial(81)
    message = str(err.value)
    assert message.startswith(f'failed to connect to localhost:81 inside namespace "{sandbox.container.id}", IPv4: '
                              "dial tcp4 127.0.0.1:81: connect: connection refused IPv6 dial tcp6 [::1]:81: ")


async def test_a_host_port_is_reached_from_the_hosts_netns_and_not_from_the_pods(sandbox: SimpleNamespace) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        sock = await dial_in_netns(os.getpid(), port, "host")  # our own netns: the control
        sock.close()
        netns = await pod_netns(sandbox.runtime, sandbox.uid)
        with pytest.raises(DialError, match="connection refused"):
            await netns.dial(port)


async def test_no_sandbox_or_no_docker_is_a_dial_error(sandbox: SimpleNamespace) -> None:
    with pytest.raises(DialError, match="is not running"):
        await pod_netns(sandbox.runtime, str(uuid.uuid4()))
    with pytest.raises(DialError, match="not supported by the simulated runtime"):
        await pod_netns(SimpleNamespace(name="simulated", docker=None), sandbox.uid)  # type: ignore[arg-type]


async def test_a_session_looks_the_sandbox_up_again_when_its_netns_is_gone(sandbox: SimpleNamespace) -> None:
    """The pause container restarted (its old PID has no /proc entry): the next dial finds the new one;
    a lookup that failed is not kept either."""
    from kube.node.port_forward_netns import PodNetns
    from kube.node.port_forward_server import LazyNetns

    dead = subprocess.Popen(["true"])
    dead.wait()
    answers = [DialError("the pod sandbox of pod uid u is not running"), PodNetns(dead.pid, "old"),
               await pod_netns(sandbox.runtime, sandbox.uid)]
    looked_up = []

    async def find(runtime: object, uid: str) -> PodNetns:
        answer = answers[len(looked_up)]
        looked_up.append(answer)
        if isinstance(answer, DialError):
            raise answer
        return answer

    netns = LazyNetns(sandbox.runtime, sandbox.uid, find)
    with pytest.raises(DialError, match="not running"):
        await netns.dial(80)
    sock = await netns.dial(80)  # the old PID's namespace is gone: looked up again, the live sandbox
    assert len(looked_up) == 3 and netns.sandbox_id == sandbox.container.id
    assert (await asyncio.to_thread(_get, sock)).endswith(b"inside\n")
    sock.close()
    netns.close()
