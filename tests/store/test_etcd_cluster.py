"""EtcdStore against real etcd clusters: failover when a member dies, and TLS-only members."""

from __future__ import annotations

import asyncio
import urllib.request
from collections.abc import Callable

import pytest

from kube.local.etcd_members import QUOTA_BACKEND_BYTES
from kube.store.errors import UnavailableError
from kube.store.etcd import EtcdStore
from kube.store.protocol import WatchEvent
from tests.fixtures.etcd_cluster import EtcdCluster

pytestmark = pytest.mark.etcd

DEADLINE = 60.0  # generous: leader election after a kill takes a few seconds on a busy machine


async def collect(watch: object, count: int) -> list[WatchEvent]:
    events: list[WatchEvent] = []
    async for event in watch:  # type: ignore[attr-defined]
        events.append(event)
        if len(events) == count:
            break
    return events


async def test_cluster_keeps_accepting_writes_and_watching_after_the_connected_member_is_killed(
    etcd_cluster_factory: Callable[..., EtcdCluster],
) -> None:
    cluster = etcd_cluster_factory(3)
    store = await EtcdStore.connect(cluster.endpoints, prefix="/failover", timeout=2.0, retry_window=DEADLINE)
    try:
        watch = store.watch("/pods/")
        watched = asyncio.create_task(collect(watch, 20))
        for i in range(10):
            await store.create(f"/pods/before-{i:02}", b"x")

        connected = next(m for m in cluster.members if m.client_url == store.current_endpoint)
        connected.kill()

        for i in range(10):
            await store.create(f"/pods/after-{i:02}", b"y")
        assert store.current_endpoint != connected.client_url

        listed = await store.range("/pods/")
        assert [kv.key for kv in listed.items] == [f"/pods/after-{i:02}" for i in range(10)] + [
            f"/pods/before-{i:02}" for i in range(10)
        ]
        events = await asyncio.wait_for(watched, DEADLINE)
        assert [e.kv.key for e in events] == [f"/pods/before-{i:02}" for i in range(10)] + [
            f"/pods/after-{i:02}" for i in range(10)
        ]
        revisions = [e.revision for e in events]
        assert revisions == sorted(set(revisions)), "every change exactly once, in revision order"
        await watch.cancel()
    finally:
        await store.close()


async def test_watch_started_on_the_killed_member_resumes_without_gaps_or_repeats(
    etcd_cluster_factory: Callable[..., EtcdCluster],
) -> None:
    cluster = etcd_cluster_factory(3)
    victim, *survivors = cluster.members
    watcher = await EtcdStore.connect([victim.client_url, survivors[0].client_url], prefix="/resume",
                                      timeout=2.0, retry_window=DEADLINE)
    writer = await EtcdStore.connect([m.client_url for m in survivors], prefix="/resume",
                                     timeout=2.0, retry_window=DEADLINE)
    try:
        first = await writer.create("/k/0", b"0")
        watch = watcher.watch("/k/", start_revision=first.mod_revision)
        assert [e.kv.key for e in await asyncio.wait_for(collect(watch, 1), DEADLINE)] == ["/k/0"]
        victim.kill()
        for i in range(1, 6):  # written while the watcher's member is dead
            await writer.create(f"/k/{i}", str(i).encode())
        events = await asyncio.wait_for(collect(watch, 5), DEADLINE)
        assert [e.kv.key for e in events] == [f"/k/{i}" for i in range(1, 6)]
        assert [e.kv.value for e in events] == [str(i).encode() for i in range(1, 6)]
        await watch.cancel()
    finally:
        await watcher.close()
        await writer.close()


async def test_store_raises_unavailable_when_no_member_answers(
    etcd_cluster_factory: Callable[..., EtcdCluster],
) -> None:
    cluster = etcd_cluster_factory(1)
    store = await EtcdStore.connect(cluster.endpoints, prefix="/gone", timeout=1.0, retry_window=2.0)
    try:
        cluster.stop()
        with pytest.raises(UnavailableError, match=cluster.endpoints[0]):
            await store.create("/x", b"1")
    finally:
        await store.close()


async def test_tls_member_serves_clients_with_a_certificate(etcd_tls_member: EtcdCluster) -> None:
    tls = etcd_tls_member.tls
    assert tls is not None and etcd_tls_member.endpoints[0].startswith("https://")
    store = await EtcdStore.connect(
        etcd_tls_member.endpoints, ca_file=str(tls.ca_file), cert_file=str(tls.client_cert),
        key_file=str(tls.client_key), prefix="/tls",
    )
    try:
        created = await store.create("/secret", b"s3cr3t")
        assert await store.get("/secret") == created
    finally:
        await store.close()


async def test_tls_member_refuses_clients_without_a_certificate(etcd_tls_member: EtcdCluster) -> None:
    tls = etcd_tls_member.tls
    assert tls is not None
    with pytest.raises(UnavailableError, match="no endpoint answered.*client certificate"):
        await EtcdStore.connect(etcd_tls_member.endpoints, ca_file=str(tls.ca_file), timeout=1.0, retry_window=2.0)


async def test_plain_http_client_cannot_talk_to_a_tls_member(etcd_tls_member: EtcdCluster) -> None:
    plain = etcd_tls_member.endpoints[0].replace("https://", "http://")
    with pytest.raises(UnavailableError):
        await EtcdStore.connect([plain], timeout=1.0, retry_window=2.0)


def test_members_run_with_a_space_quota_that_fits_the_density_run(etcd_server: str) -> None:
    # etcd's 2 GiB default is below 150,000 pods and their history; the member reports its quota
    with urllib.request.urlopen(f"{etcd_server}/metrics", timeout=10) as resp:
        metrics = resp.read().decode()
    quota = next(line for line in metrics.splitlines() if line.startswith("etcd_server_quota_backend_bytes "))
    assert float(quota.split()[1]) == QUOTA_BACKEND_BYTES == 8 * 1024**3
