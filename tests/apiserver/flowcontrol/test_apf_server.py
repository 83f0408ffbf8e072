"""APF in a real in-process API server: the PF headers carry the UIDs kubectl shows, a
FlowSchema created through the API reclassifies its user's next request, and one identity
flooding slow lists gets 429s while another identity of the same priority level is never
refused. (Latency figures under the flood: tests/bench/test_apf_bench.py.)"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from kube.apiserver.flowcontrol.request_filter import FLOW_SCHEMA_UID, PRIORITY_LEVEL_UID
from kube.apiserver.server import APIServer
from tests.apiserver.conftest import (
    ADMIN_TOKEN,
    Api,
    ca_file,
    client_session,
    server_config,
    write_kubeconfig,
)

KUBECTL = os.path.join(os.path.dirname(sys.executable), "kubectl")
TOKENS = {"admin": ADMIN_TOKEN, "jane": "jane-token-0123456789", "bob": "bob-token-0123456789",
          "carol": "carol-token-0123456789"}
DEADLINE = 30.0
FLOWCONTROL = "/apis/flowcontrol.apiserver.k8s.io/v1"


@pytest.fixture
async def server(pki_dir: Path, tmp_path: Path) -> AsyncIterator[APIServer]:
    """Token users: the admin (system:masters, exempt) and three readers (global-default, a flow each).
    One seat in all (--max-requests-inflight 10, no mutating ones: global-default's share is 1),
    so a flood saturates it; a 3 s queue wait keeps the test short."""
    tokens = tmp_path / "tokens.csv"
    tokens.write_text("".join(f'{tok},{name},{name},"{"system:masters" if name == "admin" else "system:read-only"}"\n'
                              for name, tok in TOKENS.items()))
    srv = APIServer(server_config(pki_dir, tmp_path, token_auth_file=str(tokens), max_requests_inflight=10,
                                  max_mutating_requests_inflight=0, flowcontrol_queue_wait=3.0))
    await srv.start()
    yield srv
    await srv.stop()


def kubectl_uid(server: APIServer, pki_dir: Path, tmp_path: Path, resource: str, name: str) -> str:
    config = write_kubeconfig(tmp_path / "kubeconfig", server.url, ca_file(pki_dir), ADMIN_TOKEN)
    done = subprocess.run([KUBECTL, "--kubeconfig", str(config), "get", resource, name, "-o",
                           "jsonpath={.metadata.uid}"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


async def headers_of(server: APIServer, pki_dir: Path, who: str, path: str) -> tuple[str, str]:
    async with client_session(server.url, ca_file(pki_dir), TOKENS[who]) as s, s.get(path) as resp:
        assert resp.status == 200, await resp.text()
        return resp.headers.get(FLOW_SCHEMA_UID, ""), resp.headers.get(PRIORITY_LEVEL_UID, "")


async def eventually(probe: Callable[[], Awaitable[object]], want: object) -> None:
    deadline = time.monotonic() + DEADLINE
    got = await probe()
    while got != want:
        assert time.monotonic() < deadline, f"still {got!r}, wanted {want!r}"
        await asyncio.sleep(0.05)
        got = await probe()


async def uids(server: APIServer, pki_dir: Path, tmp_path: Path, schema: str, level: str) -> tuple[str, str]:
    fs = await asyncio.to_thread(kubectl_uid, server, pki_dir, tmp_path, "flowschema", schema)
    pl = await asyncio.to_thread(kubectl_uid, server, pki_dir, tmp_path, "prioritylevelconfiguration", level)
    assert fs and pl
    return fs, pl


async def test_headers_carry_the_uids_of_the_matching_objects(server: APIServer, pki_dir: Path,
                                                              tmp_path: Path) -> None:
    exempt = await uids(server, pki_dir, tmp_path, "exempt", "exempt")
    await eventually(lambda: headers_of(server, pki_dir, "admin", "/api/v1/namespaces"), exempt)
    default = await uids(server, pki_dir, tmp_path, "global-default", "global-default")
    await eventually(lambda: headers_of(server, pki_dir, "jane", "/api/v1/namespaces/default/configmaps"), default)
    await eventually(lambda: headers_of(server, pki_dir, "jane", "/api"), default)  # a non-resource path too
    async with client_session(server.url, ca_file(pki_dir), TOKENS["jane"]) as s, \
            s.get("/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1") as watch:
        assert watch.status == 200 and (watch.headers[FLOW_SCHEMA_UID], watch.headers[PRIORITY_LEVEL_UID]) == default


async def test_a_created_flowschema_reclassifies_its_users_next_request(server: APIServer, pki_dir: Path,
                                                                         tmp_path: Path) -> None:
    default = await uids(server, pki_dir, tmp_path, "global-default", "global-default")
    await eventually(lambda: headers_of(server, pki_dir, "jane", "/api/v1/namespaces/default/configmaps"), default)
    async with client_session(server.url, ca_file(pki_dir), ADMIN_TOKEN) as session:
        api = Api(session, server)
        code, created = await api.post(f"{FLOWCONTROL}/flowschemas", {
            "apiVersion": "flowcontrol.apiserver.k8s.io/v1", "kind": "FlowSchema", "metadata": {"name": "jane"},
            "spec": {"priorityLevelConfiguration": {"name": "workload-low"}, "matchingPrecedence": 500,
                     "distinguisherMethod": {"type": "ByUser"},
                     "rules": [{"subjects": [{"kind": "User", "user": {"name": "jane"}}],
                                "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
                                                   "clusterScope": True, "namespaces": ["*"]}]}]}})
        assert code == 201, created
        low = (created["metadata"]["uid"], (await uids(server, pki_dir, tmp_path, "jane", "workload-low"))[1])
        await eventually(lambda: headers_of(server, pki_dir, "jane", "/api/v1/namespaces/default/configmaps"), low)
        assert await headers_of(server, pki_dir, "bob", "/api/v1/namespaces/default/configmaps") == default
        code, _ = await api.delete(f"{FLOWCONTROL}/flowschemas/jane")
        assert code == 200
    await eventually(lambda: headers_of(server, pki_dir, "jane", "/api/v1/namespaces/default/configmaps"), default)


async def start_flood(server: APIServer, pki_dir: Path, who: str, path: str, count: int) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.apiserver.flowcontrol.flood", server.url, ca_file(pki_dir), TOKENS[who], path,
        str(count), stdout=asyncio.subprocess.PIPE, cwd=Path(__file__).parents[3])


async def test_a_flood_of_slow_lists_is_refused_only_to_the_flooder(server: APIServer, pki_dir: Path) -> None:
    """bob, from a process of his own: 600 lists of 1,000 ConfigMaps at once into the level's one
    seat (his 6 queues hold 300). carol, same level, another flow: 30 gets one after another
    while bob's requests wait in their queues; every one of hers is a 200."""
    payload = "x" * 1024
    async with client_session(server.url, ca_file(pki_dir), ADMIN_TOKEN) as admin:
        api = Api(admin, server)
        for start in range(0, 1000, 100):
            codes = await asyncio.gather(*(api.post("/api/v1/namespaces/default/configmaps",
                                                    {"metadata": {"name": f"cm-{i}"}, "data": {"p": payload}})
                                           for i in range(start, start + 100)))
            assert {c for c, _ in codes} == {201}
    assert server.state is not None and server.state.flowcontrol is not None
    level = server.state.flowcontrol.queue_sets["global-default"]
    flood = await start_flood(server, pki_dir, "bob", "/api/v1/namespaces/default/configmaps", 600)
    deadline = time.monotonic() + DEADLINE
    while level.waiting < 100:
        assert time.monotonic() < deadline, "the flood never queued"
        await asyncio.sleep(0.01)
    carol: list[int] = []
    async with client_session(server.url, ca_file(pki_dir), TOKENS["carol"]) as other:
        for _ in range(30):
            async with other.get("/api/v1/namespaces/default/configmaps/cm-7") as resp:
                carol.append(resp.status)
    out, _ = await asyncio.wait_for(flood.communicate(), DEADLINE * 4)
    assert flood.returncode == 0
    bob = json.loads(out)
    assert carol == [200] * 30
    assert bob.get("429", 0) > 0 and bob.get("200", 0) > 0 and set(bob) <= {"200", "429"}, bob
    assert level.executing == 0 and level.waiting == 0
