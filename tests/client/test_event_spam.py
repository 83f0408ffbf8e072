"""client-go's Event spam filter: 25 posts per source and object, then one per 5 minutes, in
its bucket alone (kube/client/event_spam.py), and in the writer against a real API server."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.api.registry import resolve
from kube.client.event_spam import BURST, REFILL_SECONDS, SpamFilter
from kube.client.rest import RestClient
from kube.node.events import EventRecorder as NodeEvents
from tests.apiserver.conftest import kubeconfig, pki_dir, server  # noqa: F401 - fixtures

EVENT = resolve("events")


def event(name: str = "p", uid: str = "u", host: str = "n1", component: str = "kubelet") -> dict:
    return {"source": {"component": component, "host": host},
            "involvedObject": {"kind": "Pod", "namespace": "default", "name": name, "uid": uid, "apiVersion": "v1"}}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_one_per_refill_per_source_and_object() -> None:
    clock = Clock()
    spam = SpamFilter(clock=clock)
    assert [spam.allow(event()) for _ in range(BURST + 5)] == [True] * BURST + [False] * 5
    assert spam.allow(event(name="q", uid="v"))  # another object: its own bucket
    assert spam.allow(event(host="n2"))  # another source host: its own bucket
    assert spam.allow(event(component="kube-scheduler"))
    clock.now += REFILL_SECONDS * 0.9
    assert not spam.allow(event())
    clock.now += REFILL_SECONDS * 0.2
    assert spam.allow(event()) and not spam.allow(event())


def test_buckets_are_kept_for_the_most_recent_keys_only() -> None:
    spam = SpamFilter(max_keys=10, clock=Clock())
    for i in range(100):
        spam.allow(event(name=f"p{i}", uid=f"u{i}"))
    assert len(spam) == 10


@settings(max_examples=100, deadline=None)
@given(gaps=st.lists(st.floats(min_value=0, max_value=120), min_size=1, max_size=300))
def test_posts_never_exceed_the_burst_plus_what_time_refilled(gaps: list[float]) -> None:
    clock = Clock()
    spam = SpamFilter(clock=clock)
    start, results = clock.now, []
    for gap in gaps:
        clock.now += gap
        results.append(spam.allow(event()))
        assert sum(results) <= BURST + (clock.now - start) / REFILL_SECONDS + 1e-9
    assert all(results[:BURST])  # the burst is always there for a fresh key


async def test_a_crash_looping_pods_events_stop_at_the_limit(kubeconfig) -> None:  # noqa: F811
    client = RestClient.from_kubeconfig(str(kubeconfig))
    events = NodeEvents(client, "n1")
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "loop", "namespace": "default", "uid": "u-loop"}}
    try:
        for i in range(BURST + 15):  # each a distinct Event (its own message), flushed one at a time
            events.emit(pod, "Warning", "BackOff", f"Back-off restarting failed container (attempt {i})")
            await events.flush()
        stored = (await client.list(EVENT, "default", field_selector="involvedObject.uid=u-loop"))["items"]
        assert len(stored) == BURST
        assert events.writer.posted == BURST and events.writer.spammed == 15
        other = {**pod, "metadata": {**pod["metadata"], "name": "calm", "uid": "u-calm"}}
        events.emit(other, "Normal", "Pulled", "Container image already present")
        await events.flush()
        assert events.writer.posted == BURST + 1  # another object is not held back
    finally:
        await events.writer.stop()
        await client.close()
