"""Two `kube scheduler --leader-elect` processes: one works; SIGKILL it mid-way and the other
takes over, and no pod is ever bound twice (nodeName, once set, never changes; every pod has
at most one acknowledged binding; a second binding is refused with 409)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kube.api.registry import resolve
from kube.client.errors import ApiError
from kube.client.paths import object_path
from kube.client.rest import RestClient
from tests.apiserver.conftest import (  # noqa: F401 - fixtures
    ADMIN_TOKEN,
    ca_file,
    eventually,
    pki_dir,
    server_process,
    write_kubeconfig,
)
from tests.scheduler.objects import node, pod
from tests.scheduler.scheduler_process import SchedulerProcess

POD, NODE, LEASE = resolve("pods"), resolve("nodes"), resolve("leases")
BATCH = 60


class NodeNameWatch:
    """Every nodeName each pod was seen with, from a pod watch that runs for the whole test."""

    def __init__(self, client: RestClient) -> None:
        self.client = client
        self.seen: dict[str, list[str]] = {}
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        rv = "0"
        while True:  # resume where a closed stream left off, so no change is missed
            async with self.client.watch(POD, "default", resource_version=rv) as stream:
                async for type_, obj in stream:
                    rv = obj["metadata"].get("resourceVersion", rv)
                    if type_ == "BOOKMARK":
                        continue
                    node_name = (obj.get("spec") or {}).get("nodeName")
                    history = self.seen.setdefault(obj["metadata"]["name"], [])
                    if node_name and (not history or history[-1] != node_name):
                        history.append(node_name)

    def bound(self) -> int:
        if self.task.done():  # a broken watch must fail the test, not stall it
            self.task.result()
            raise AssertionError("the pod watch ended")
        return sum(1 for h in self.seen.values() if h)

    async def stop(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


async def create_pods(client: RestClient, names: list[str]) -> None:
    async def one(name: str) -> None:
        p = pod(name, cpu="100m")
        del p["metadata"]["uid"]
        await client.create(POD, p, "default")

    await asyncio.gather(*(one(n) for n in names))


async def holder(client: RestClient) -> str:
    try:
        lease = await client.get(LEASE, "kube-scheduler", "kube-system")
    except ApiError:
        return ""
    return str((lease.get("spec") or {}).get("holderIdentity") or "")


def by_identity(identity: str, scheds: list[SchedulerProcess]) -> SchedulerProcess | None:
    """The identity is host_pid_nonce (kube.client.leader_election.default_identity)."""
    for s in scheds:
        if f"_{s.pid}_" in identity:
            return s
    return None


@pytest.mark.timeout(180)
async def test_leader_killed_other_takes_over_and_no_pod_is_bound_twice(
        server_process, pki_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", server_process.url, ca_file(pki_dir), ADMIN_TOKEN)
    client = RestClient.from_kubeconfig(str(kubeconfig))
    for i in range(4):
        await client.create(NODE, node(f"n{i}", cpu="4"))
    watch = NodeNameWatch(client)
    scheds = [SchedulerProcess(kubeconfig, tmp_path, f"sched-{i}", leader_elect=True) for i in range(2)]
    try:
        for s in scheds:
            s.wait_serving()

        async def leader() -> SchedulerProcess | None:
            return by_identity(await holder(client), scheds)

        first = await eventually(leader, timeout=30)
        other = next(s for s in scheds if s is not first)
        assert first.metric("leader_election_master_status") == 1
        assert other.metric("leader_election_master_status") == 0

        # first batch: kill the leader as soon as it has bound some of it, while the rest are in flight
        await create_pods(client, [f"a-{i}" for i in range(BATCH)])
        await eventually(lambda: _async(watch.bound() >= 5), timeout=30, interval=0.01)
        first.kill()
        killed_bound = first.bound()  # acknowledged before the kill (may be fewer than the watch saw)
        assert first.attempts()  # it was working when it died
        await create_pods(client, [f"b-{i}" for i in range(BATCH)])

        # the survivor takes the lease (after lease_duration without renewal) and finishes the job
        async def taken_over() -> bool:
            return await leader() is other

        await eventually(taken_over, timeout=60)
        await eventually(lambda: _async(watch.bound() == 2 * BATCH), timeout=90, interval=0.1)
        assert other.metric("leader_election_master_status") == 1
        assert other.metric("scheduler_schedule_attempts_total", result="scheduled") > 0

        # no pod ever bound twice: nodeName never changed once set, one acknowledged binding per pod
        changed = {name: h for name, h in watch.seen.items() if len(h) > 1}
        assert not changed, changed
        acked = Counter(key for key, _node in killed_bound + other.bound())
        assert max(acked.values()) == 1, [k for k, n in acked.items() if n > 1]
        items: list[dict[str, Any]] = (await client.list(POD, "default"))["items"]
        assert len(items) == 2 * BATCH and all(p["spec"].get("nodeName") for p in items)
        for key, node_name in killed_bound + other.bound():  # what each scheduler saw acknowledged is what stuck
            assert watch.seen[key.split("/", 1)[1]] == [node_name]
        # the survivor bound everything the dead leader had not, and nothing it had
        assert {k for k, _ in other.bound()}.isdisjoint({k for k, _ in killed_bound})

        # the API's guard: a second binding of a bound pod is 409, and the pod stays put
        target = items[0]
        other_node = next(f"n{i}" for i in range(4) if f"n{i}" != target["spec"]["nodeName"])
        with pytest.raises(ApiError) as err:
            await client.request("POST", object_path(POD, "default", target["metadata"]["name"], "binding"),
                                 body={"apiVersion": "v1", "kind": "Binding",
                                       "metadata": {"name": target["metadata"]["name"]},
                                       "target": {"kind": "Node", "name": other_node}})
        assert err.value.code == 409
        again = await client.get(POD, target["metadata"]["name"], "default")
        assert again["spec"]["nodeName"] == target["spec"]["nodeName"]
    finally:
        await watch.stop()
        await client.close()
        for s in scheds:
            s.stop()


async def _async(value: Any) -> Any:
    return value
