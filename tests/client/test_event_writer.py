"""Every component's Events go through one bounded writer (kube/client/event_writer.py):
with the API down a burst costs one task and bounded memory in the node agent and the
controllers as in the scheduler, the outage is logged once, and a repeat of a pruned
Event is posted anew."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import pytest

from kube.api.registry import resolve
from kube.client.backoff import Backoff
from kube.client.event_writer import EventWriter
from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from kube.controllers.events import NORMAL, EventRecorder, note
from kube.node.events import EventRecorder as NodeEvents
from tests.apiserver.conftest import kubeconfig, pki_dir, server  # noqa: F401 - fixtures
from tests.conftest import free_port

EVENT = resolve("events")


def pod(i: int) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}", "namespace": "default", "uid": f"u{i}"}}


def node_agent(client: RestClient) -> tuple[EventWriter, Callable[[int], None]]:
    events = NodeEvents(client, "n1", max_pending=100)
    return events.writer, lambda i: events.emit(pod(i), "Warning", "BackOff", "Back-off restarting failed container")


def controller(client: RestClient) -> tuple[EventWriter, Callable[[int], None]]:
    recorder = EventRecorder(client, "replicaset-controller", max_pending=100)
    return recorder.writer, lambda i: recorder.record(note(pod(i), NORMAL, "SuccessfulCreate", f"Created pod: p{i}"))


@pytest.mark.parametrize("recorder", [node_agent, controller], ids=["node", "controller"])
async def test_a_burst_with_the_api_down_is_one_task_and_bounded(recorder, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kube.client.events")
    client = RestClient(ClientConfig(servers=[f"http://127.0.0.1:{free_port()}"]))
    writer, emit = recorder(client)
    writer.backoff = Backoff(base=0.01, cap=0.02)
    before = len(asyncio.all_tasks())
    try:
        for _round in range(10):
            for i in range(1000):
                emit(i)
            assert len(asyncio.all_tasks()) <= before + 1  # one worker, not a task per Event
            assert writer.pending() <= 100
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.2)
        assert writer.dropped > 5000 and writer.posted == 0
        assert len([r for r in caplog.records if "posting Events" in r.getMessage()]) == 1
    finally:
        await writer.stop()
        await client.close()


async def test_a_repeat_of_a_pruned_event_is_posted_anew(kubeconfig) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    events = NodeEvents(client, "n1")
    try:
        events.emit(pod(7), "Normal", "Pulled", "Container image already present")
        await events.flush()
        [first] = (await client.list(EVENT, "default", field_selector="involvedObject.uid=u7"))["items"]
        await client.delete(EVENT, first["metadata"]["name"], "default")  # pruned, as the key budget does
        events.emit(pod(7), "Normal", "Pulled", "Container image already present")
        await events.flush()
        [again] = (await client.list(EVENT, "default", field_selector="involvedObject.uid=u7"))["items"]
        assert again["metadata"]["name"] != first["metadata"]["name"] and again["count"] == 1
        assert events.writer.posted == 2 and events.writer.dropped == 0
    finally:
        await events.writer.stop()
        await client.close()
