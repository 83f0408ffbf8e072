"""TLS bootstrap and client certificate rotation of a real `kube node --simulated` (its _main, in
this process) against a Node,RBAC API server and the controller manager's csrapproving and
csrsigning: the node starts with only a bootstrap token and the CA, gets its certificate, becomes
Ready; with a 20 s signing duration it renews while it runs, and its Lease keeps being renewed
after the first certificate expired (the server refuses an expired certificate at the handshake,
so the renewals go out with the new one). A Denied request is logged in one line and retried."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import yaml

from kube.api import bootstrap_token as bt
from kube.node.certificate_store import CertificateStore
from tests.apiserver import conftest as apiserver_fixtures
from tests.apiserver.certificates import conftest as certificate_fixtures
from tests.apiserver.certificates.conftest import certificate_controllers
from tests.apiserver.conftest import ca_file, eventually
from tests.apiserver.rbac.conftest import Cluster
from tests.conftest import free_port

cluster = certificate_fixtures.cluster  # the Node,RBAC API server the bootstrap tests use
pki_dir = apiserver_fixtures.pki_dir
TOKEN = "abcdef.0123456789abcdef"
NODE = "boot-0"
CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"


async def _bootstrap_token(cluster: Cluster) -> None:
    secret = bt.token_secret(TOKEN, ["authentication", "signing"], [bt.DEFAULT_GROUP], "",
                             datetime.now(UTC) + timedelta(hours=1))
    async with cluster.api() as admin:
        assert (await admin.post("/api/v1/namespaces/kube-system/secrets", secret))[0] == 201


def _bootstrap_kubeconfig(cluster: Cluster) -> Path:
    path = cluster.tmp / "bootstrap-kubelet.conf"
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "boot",
        "clusters": [{"name": "c", "cluster": {"server": cluster.server.url, "certificate-authority": ca_file(cluster.pki)}}],
        "users": [{"name": "tls-bootstrap-token-user", "user": {"token": TOKEN}}],
        "contexts": [{"name": "boot", "context": {"cluster": "c", "user": "tls-bootstrap-token-user"}}]}))
    return path


@contextlib.asynccontextmanager
async def node_agent(cluster: Cluster, port: int, *extra: str) -> AsyncIterator[tuple[Path, Path]]:
    """`kube node --simulated --bootstrap-kubeconfig B --kubeconfig K --port P`; yields (kubeconfig, root)."""
    from kube.node.command import _check, _main, register

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    root, kubeconfig = cluster.tmp / "node-root", cluster.tmp / "kubelet.conf"
    args = parser.parse_args(["node", "--simulated", "--name-prefix", "boot", "--root-dir", str(root),
                              "--bootstrap-kubeconfig", str(_bootstrap_kubeconfig(cluster)),
                              "--kubeconfig", str(kubeconfig), "--port", str(port), *extra])
    stop = asyncio.Event()
    task = asyncio.get_running_loop().create_task(_main(args, _check(args), stop))
    try:
        yield kubeconfig, root
        assert not task.done(), task.result()
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


def _ready(node: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True" for c in node.get("status", {}).get("conditions", []))


async def _metrics(port: int) -> dict[str, float]:
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/metrics") as resp:
        text = await resp.text()
    return {line.split()[0]: float(line.split()[1]) for line in text.splitlines()
            if line and not line.startswith("#")}


def _renew_time(lease: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(lease["spec"]["renewTime"].replace("Z", "+00:00"))


async def test_a_node_joins_with_a_bootstrap_token_and_rotates_its_certificate_without_restart(
        cluster: Cluster) -> None:
    await _bootstrap_token(cluster)
    port = free_port()
    async with certificate_controllers(cluster, duration=20.0), node_agent(cluster, port) as (kubeconfig, root):
        async with cluster.api() as admin:
            async def ready() -> dict | None:
                status, node = await admin.get(f"/api/v1/nodes/{NODE}")
                return node if status == 200 and _ready(node) else None

            await eventually(ready, timeout=60, interval=0.5)
            store = CertificateStore(root / "pki")
            first = store.current()
            assert first is not None
            assert first.cert.subject.rfc4514_string() == f"CN=system:node:{NODE},O=system:nodes"
            first_file = os.readlink(store.current_path)
            assert (os.stat(store.current_path).st_mode & 0o777) == 0o600
            assert yaml.safe_load(kubeconfig.read_text())["users"][0]["user"]["client-certificate"] == \
                str(store.current_path)
            status, csrs = await admin.get(CSRS)
            boot = [c for c in csrs["items"] if c["spec"]["username"] == "system:bootstrap:abcdef"]
            assert len(boot) == 1 and boot[0]["metadata"]["name"].startswith("node-csr-")

            async def rotated() -> bool:
                return os.readlink(store.current_path) != first_file

            await eventually(rotated, timeout=60, interval=0.5)
            second = store.current()
            assert second is not None and second.cert.serial_number != first.cert.serial_number
            status, csrs = await admin.get(CSRS)
            renewals = [c for c in csrs["items"] if c["spec"]["username"] == f"system:node:{NODE}"]
            assert renewals and all(c["metadata"]["name"].startswith("csr-") for c in renewals)

            # past the first certificate's end and the pool's 30 s keep-alive: the Lease is still renewed
            wait = (first.not_after - datetime.now(UTC)).total_seconds() + 35
            await asyncio.sleep(max(0.0, wait))
            since = datetime.now(UTC)

            async def renewed_after() -> bool:
                status, lease = await admin.get(f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{NODE}")
                return status == 200 and _renew_time(lease) > since

            await eventually(renewed_after, timeout=40, interval=0.5)
            assert _ready((await admin.get(f"/api/v1/nodes/{NODE}"))[1])
        samples = await _metrics(port)
        assert samples["kube_node_lease_renewal_failures_total"] == 0
        assert 0 < samples["kubelet_certificate_manager_client_ttl_seconds"] <= 20


async def test_a_denied_bootstrap_request_is_logged_and_retried(cluster: Cluster, caplog: Any) -> None:
    await _bootstrap_token(cluster)
    caplog.set_level(logging.INFO, logger="kube.node")
    async with node_agent(cluster, free_port()) as (kubeconfig, root), cluster.api() as admin:
        async def pending() -> list[str]:
            status, csrs = await admin.get(CSRS)
            return [c["metadata"]["name"] for c in csrs.get("items", [])]

        first = (await eventually(pending, timeout=30, interval=0.2))[0]
        await cluster.kubectl("kube-admin", "certificate", "deny", first)

        async def retried() -> bool:
            return len(await pending()) >= 2

        await eventually(retried, timeout=30, interval=0.2)
        refusals = [r.getMessage() for r in caplog.records if "TLS bootstrap failed" in r.getMessage()]
        assert refusals and f"certificate signing request {first} was denied" in refusals[0]
        assert all(r.exc_info is None for r in caplog.records)
        assert not kubeconfig.exists()
        async with certificate_controllers(cluster):  # now someone approves: the node joins
            async def joined() -> bool:
                return kubeconfig.exists() and (await admin.get(f"/api/v1/nodes/{NODE}"))[0] == 200

            await eventually(joined, timeout=60, interval=0.5)


async def test_a_restarted_node_uses_its_certificate_and_no_token(cluster: Cluster) -> None:
    await _bootstrap_token(cluster)
    async with certificate_controllers(cluster):
        async with node_agent(cluster, free_port()) as (kubeconfig, root), cluster.api() as admin:
            async def ready() -> bool:
                status, node = await admin.get(f"/api/v1/nodes/{NODE}")
                return status == 200 and _ready(node)

            await eventually(ready, timeout=60, interval=0.5)
        written = kubeconfig.read_text()
        async with cluster.api() as admin:  # the token is gone: a second bootstrap could not work
            assert (await admin.delete(f"/api/v1/namespaces/kube-system/secrets/bootstrap-token-{TOKEN[:6]}"))[0] == 200
        async with node_agent(cluster, free_port()) as (kubeconfig, root), cluster.api() as admin:
            since = datetime.now(UTC)

            async def heartbeat() -> bool:
                status, lease = await admin.get(f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{NODE}")
                return status == 200 and _renew_time(lease) > since

            await eventually(heartbeat, timeout=60, interval=0.5)
            assert kubeconfig.read_text() == written
            status, csrs = await admin.get(CSRS)
            assert [c["spec"]["username"] for c in csrs["items"]] == ["system:bootstrap:abcdef"]
