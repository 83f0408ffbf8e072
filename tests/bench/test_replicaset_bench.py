"""The ReplicaSet controller creating 1,000 pods through the API server (embedded SQLite
store): target >= 300 pods/s, recorded in docs/benchmarks.md rather than asserted (a shared
machine's load is not the controller's speed). Run with
`pytest tests/bench/test_replicaset_bench.py --benchmark-enable -s`."""

from __future__ import annotations

import asyncio
import contextlib
import time

from kube.controllers.actions import REPLICASET
from kube.controllers.manager import ControllerManager
from tests.apiserver.conftest import eventually
from tests.controllers.conftest import client, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.controllers.workloads import replica_set

PODS = 1_000


async def test_replicaset_creates_1000_pods(client, benchmark) -> None:  # noqa: F811
    manager = ControllerManager(client, ["replicaset"])
    task = asyncio.get_running_loop().create_task(manager.run())
    try:
        await asyncio.wait_for(manager.synced.wait(), 20)
        controller = manager.controllers[0]
        started = time.perf_counter()
        await client.create(REPLICASET, replica_set("bench", PODS))

        async def all_created() -> bool:
            return len(controller.pods.store) >= PODS  # type: ignore[attr-defined]

        await eventually(all_created, timeout=120, interval=0.02)
        elapsed = time.perf_counter() - started
        rate = PODS / elapsed
        await asyncio.sleep(1.0)
        assert len(controller.pods.store) == PODS  # type: ignore[attr-defined]  # no double creation
        benchmark.extra_info.update(seconds=elapsed, pods_per_second=rate)
        benchmark.pedantic(lambda: None, rounds=1)
        print(f"\nReplicaSet controller: {PODS} pods created through the API in {elapsed:.2f}s = {rate:.0f} pods/s "
              f"(target 300)")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
