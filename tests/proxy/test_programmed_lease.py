"""The proxy's programmed Lease (kube/proxy/programmed_lease.py) on a real in-process API
server: nothing before the first sync, then the revision of each sync (never lower), renewed
between syncs, a Lease changed under it updated anyway, an unreachable API retried without
killing the proxy."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from kube.api import programmed_lease
from kube.api.age import parse_timestamp
from kube.api.registry import resolve
from kube.client.errors import ApiConnectionError
from kube.client.rest import RestClient
from kube.proxy.programmed_lease import ProgrammedLease
from kube.proxy.proxier import Proxier
from kube.proxy.service_targets import ServiceTarget
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures

LEASE, SLICE = resolve("leases"), resolve("endpointslices")
NS = "kube-node-lease"


async def _lease(client: RestClient) -> dict[str, Any] | None:
    items = (await client.list(LEASE, NS, label_selector=programmed_lease.SELECTOR))["items"]
    return items[0] if items else None


async def test_the_lease_follows_the_programmed_revision_and_is_renewed(kubeconfig: Path) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    publisher = ProgrammedLease(client, "h1", renew_seconds=0.2)
    task = asyncio.create_task(publisher.run())
    try:
        publisher.programmed(None)  # a sync whose informer had no revision: nothing to say yet
        await asyncio.sleep(0.5)  # several renew periods: still nothing written
        assert await _lease(client) is None and publisher.writes == 0

        publisher.programmed(40)

        async def shows(revision: int) -> dict[str, Any] | None:
            lease = await _lease(client)
            return lease if lease and programmed_lease.programmed_revision(lease) == revision else None
        first = await eventually(lambda: shows(40), timeout=10)
        assert first["metadata"]["name"] == "kube-proxy-h1" and first["spec"]["holderIdentity"] == "h1"
        assert programmed_lease.is_live(first, parse_timestamp(first["spec"]["renewTime"]) + 1)

        publisher.programmed(30)  # never backwards
        assert publisher.revision == 40

        async def renewed() -> bool:
            lease = await _lease(client)
            return bool(lease) and lease["spec"]["renewTime"] != first["spec"]["renewTime"]
        await eventually(renewed, timeout=10)
        assert programmed_lease.programmed_revision(await _lease(client)) == 40

        other = await client.get(LEASE, "kube-proxy-h1", NS)  # someone else writes it meanwhile
        other["metadata"]["annotations"]["kube.io/programmed-revision"] = "1"
        await client.update(LEASE, other, NS)
        publisher.programmed(55)
        await eventually(lambda: shows(55), timeout=10)  # the conflict re-read, then updated
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()


class Unreachable:
    """A client whose every call fails as an API outage does."""

    calls = 0

    async def get(self, *_args: object, **_kw: object) -> Any:
        Unreachable.calls += 1
        raise ApiConnectionError(["https://127.0.0.1:1"], ConnectionRefusedError("refused"))

    create = update = get


async def test_an_unreachable_api_is_retried_and_never_raised() -> None:
    publisher = ProgrammedLease(Unreachable(), "h1")  # type: ignore[arg-type]
    publisher.programmed(3)
    task = asyncio.create_task(publisher.run())
    try:
        async def retried() -> bool:
            return publisher.failures >= 2  # again after RETRY_SECONDS
        await eventually(retried, timeout=10)
        assert not task.done() and publisher.writes == 0 and publisher.published is None
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


class FailingFirst:
    """An executor whose first commit fails (iptables-restore refused it), the rest succeed."""

    def __init__(self) -> None:
        self.calls = 0

    async def apply(self, targets: list[ServiceTarget]) -> None:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("iptables-restore: line 3 failed")

    async def close(self) -> None:
        pass


async def test_the_proxier_reports_a_revision_only_for_syncs_that_succeeded(kubeconfig: Path) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    slice_ = await client.create(SLICE, {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "web-1", "labels": {"kubernetes.io/service-name": "web"}}, "addressType": "IPv4",
        "endpoints": [{"addresses": ["10.0.0.1"]}], "ports": [{"port": 80}]}, "default")
    executor = FailingFirst()
    proxier = Proxier(client, executor, min_sync_period=0.01)
    reported: list[tuple[int, int | None]] = []
    proxier.on_programmed = lambda revision: reported.append((executor.calls, revision))
    task = asyncio.create_task(proxier.run())
    try:
        async def synced() -> bool:
            return bool(reported)
        await eventually(synced, timeout=20)
        calls, revision = reported[0]
        assert calls == 2  # the failed first commit reported nothing
        assert revision is not None and revision >= int(slice_["metadata"]["resourceVersion"])
        assert proxier.programmed_revision == revision
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await client.close()
