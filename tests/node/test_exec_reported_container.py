"""exec finds its container from the pod's status (the containerID this node reported) with one
Docker inspect, without asking the runtime to list the pod's containers; a reported id that is
another pod's container, another container of this pod, stopped or gone is not trusted: the
runtime is asked as before."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType
from prometheus_client import CollectorRegistry

from kube.node.log_server import make_app, serve
from tests.fixtures.requirements import require_docker

IMAGE = "kube.local/busybox:1"


@pytest.fixture(scope="module")
def containers() -> Iterator[dict[str, str]]:
    """Docker ids: `mine` labelled as pod u1's container main, `other` as pod u2's, `stopped` u1's."""
    require_docker()
    ids, names = {}, []
    for role, uid, cmd in (("mine", "u1", ["sleep", "3600"]), ("other", "u2", ["sleep", "3600"]),
                           ("stopped", "u1", ["true"])):
        name = f"exec-reported-{role}-{uuid.uuid4().hex[:8]}"
        names.append(name)
        subprocess.run(["docker", "run", "-d", "--name", name, "--label", f"io.kube.pod.uid={uid}",
                        "--label", "io.kube.container.name=main", IMAGE, *cmd], check=True, capture_output=True)
        ids[role] = subprocess.run(["docker", "inspect", "-f", "{{.Id}}", name], check=True, capture_output=True,
                                   text=True).stdout.strip()
    subprocess.run(["docker", "wait", names[2]], capture_output=True)
    yield ids
    for name in names:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


class Runtime:
    """Counts the lookups the fast path should have saved; answers `fallback`."""

    name, docker = "docker", object()

    def __init__(self, fallback: str) -> None:
        self.fallback, self.lookups = fallback, 0

    async def latest_container_id(self, uid: str, container: str) -> str:
        self.lookups += 1
        return self.fallback


async def exec_echo(reported: str, container: str, fallback: str) -> tuple[int, bytes, int]:
    """(HTTP status, stdout, runtime lookups) of `echo hi` in container `container` of pod p."""
    pod = {"metadata": {"name": "p", "namespace": "default", "uid": "u1"}, "spec": {"nodeName": "n1"},
           "status": {"containerStatuses": [{"name": "main", "containerID": reported}]}}
    runtime = Runtime(fallback)
    agents: dict[str, Any] = {"n1": SimpleNamespace(runtime=runtime)}
    app = make_app(agents, lambda ns, name: pod if (ns, name) == ("default", "p") else None, False,
                   registry=CollectorRegistry())
    runner = await serve(app, "127.0.0.1", 0, None)
    url = f"http://127.0.0.1:{runner.addresses[0][1]}/exec/default/p/{container}?command=echo&command=hi&stdout=true"
    out = b""
    try:
        async with aiohttp.ClientSession() as session:
            try:
                async with session.ws_connect(url, protocols=("v5.channel.k8s.io",)) as ws:
                    async for msg in ws:
                        if msg.type != WSMsgType.BINARY:
                            break
                        out += msg.data[1:] if msg.data[0] == 1 else b""
                return 101, out, runtime.lookups
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status, out, runtime.lookups
    finally:
        await runner.cleanup()


async def test_the_reported_container_is_used_without_a_runtime_lookup(containers: dict[str, str]) -> None:
    assert await exec_echo(f"docker://{containers['mine']}", "main", "") == (101, b"hi\n", 0)


@pytest.mark.parametrize("role", ["other", "stopped", "gone"])
async def test_an_untrustworthy_report_falls_back_to_the_runtime(containers: dict[str, str], role: str) -> None:
    reported = f"docker://{containers.get(role, 'f' * 64)}"
    assert await exec_echo(reported, "main", containers["mine"]) == (101, b"hi\n", 1)
    status, _, lookups = await exec_echo(reported, "main", "")  # and the runtime's answer stands
    assert (status, lookups) == (404, 1)


async def test_another_containers_report_is_not_used(containers: dict[str, str]) -> None:
    status, _, lookups = await exec_echo(f"docker://{containers['mine']}", "sidecar", "")
    assert (status, lookups) == (404, 1)
