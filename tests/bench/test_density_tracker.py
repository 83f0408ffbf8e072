"""The density benchmark's pod tracker against its watch's failures: a run must not wait forever
for pods its watch missed (at 150,000 pods the one watch fell out of the window and the run hung)."""

from __future__ import annotations

import asyncio

from aiohttp import web

from kube.bench.density_workload import Tracker
from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from kube.client.transport import RetryPolicy
from tests.client.scripted_api import Scripted, event, scripted, status, streaming  # noqa: F401 - fixture


def pod(name: str, rv: str, running: bool) -> dict:
    return {"metadata": {"name": name, "namespace": "density-0", "uid": f"u-{name}", "resourceVersion": rv,
                         "labels": {"group": "density", "app": "dep-0"}},
            "spec": {"nodeName": "node-1"}, "status": {"phase": "Running" if running else "Pending"}}


async def wait_for(condition, seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def test_a_dropped_stream_is_resumed_and_a_410_relists(scripted: Scripted) -> None:  # noqa: F811
    scripted.answers += [
        streaming([event("ADDED", pod("a", "5", running=True))]),  # the server ends the stream
        streaming([event("ERROR", status(410, "Expired", "too old resource version: 5"))]),
        lambda r: web.json_response({"metadata": {"resourceVersion": "40"},
                                     "items": [pod("a", "5", True), pod("b", "39", True)]}),
        streaming([event("ADDED", pod("c", "41", running=True))], hold=asyncio.Event()),
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]), retry=RetryPolicy(max_retries=0))
    tracker = Tracker()
    following = asyncio.ensure_future(tracker.follow(client, "1"))
    try:
        await wait_for(lambda: len(tracker.running_at) == 3)
    finally:
        following.cancel()
        await client.close()
    assert tracker.relists == 1 and len(tracker.startup) == 3  # "a" counted once, not again on the relist
    paths = [path for _, path, _, _ in scripted.requests]
    assert "resourceVersion=1" in paths[0] and "resourceVersion=5" in paths[1]  # resumed where it was
    assert "watch" not in paths[2] and "resourceVersion=40" in paths[3]  # listed, then watched from the list
