"""The scheduler against a real (in-process) API server: informers in, pods/binding and Events out."""

from __future__ import annotations

import asyncio

from kube.api.registry import resolve
from kube.client.informer import SharedInformerFactory
from kube.client.rest import RestClient
from kube.scheduler.api_binding import ApiBinder, ApiEvents, wire_informers
from kube.scheduler.scheduler import Scheduler
from tests.apiserver.conftest import eventually, kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.scheduler.objects import anti_affinity, node, pod

POD, NODE, EVENT = resolve("pods"), resolve("nodes"), resolve("events")


async def test_schedules_through_the_api(kubeconfig):  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    for i in range(3):
        await client.create(NODE, node(f"n{i}", cpu="2"))
    sched = Scheduler(binder=ApiBinder(client), events=ApiEvents(client))
    factory = SharedInformerFactory(client)
    wire_informers(factory, sched)
    factory.start()
    stop = asyncio.Event()
    loop_task = asyncio.create_task(sched.run(stop))
    try:
        assert await factory.wait_for_cache_sync(20)
        for i in range(3):
            p = pod(f"web-{i}", labels={"app": "web"}, affinity=anti_affinity({"app": "web"}))
            del p["metadata"]["uid"]
            await client.create(POD, p, "default")
        big = pod("huge", cpu="64")
        del big["metadata"]["uid"]
        await client.create(POD, big, "default")

        async def all_bound():
            items = (await client.list(POD, "default"))["items"]
            nodes = [p["spec"].get("nodeName") for p in items if p["metadata"]["name"].startswith("web-")]
            return nodes if len(nodes) == 3 and all(nodes) else None

        placed = await eventually(all_bound, timeout=30)
        assert sorted(placed) == ["n0", "n1", "n2"]  # anti-affinity: one per node

        async def failed_event():
            items = (await client.list(EVENT, "default"))["items"]
            return [e for e in items if e["involvedObject"]["name"] == "huge" and e["reason"] == "FailedScheduling"]

        [ev] = await eventually(failed_event, timeout=30)
        assert ev["message"] == "0/3 nodes are available: 3 Insufficient cpu."
        huge = await client.get(POD, "huge", "default")
        assert not huge["spec"].get("nodeName")
    finally:
        stop.set()
        await asyncio.wait_for(loop_task, 10)
        await factory.stop()
        await sched.drain_binds()
        await client.close()
