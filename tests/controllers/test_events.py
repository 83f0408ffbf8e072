"""Controller Events: written through the API as kubectl describe reads them, repeats folded
into counts, floods of similar ones combined, pod creation failures reported."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.controllers.actions import CreatePod
from kube.controllers.events import (
    AGGREGATE_AFTER,
    AGGREGATE_WINDOW,
    COMBINED_PREFIX,
    EVENT,
    NORMAL,
    WARNING,
    Correlator,
    EventRecorder,
    note,
)
from kube.controllers.executor import Executor, Retry
from kube.controllers.replicaset import pod_from_template
from tests.controllers.workloads import replica_set

RS = {**replica_set("web", 3), "metadata": {"name": "web", "namespace": "default", "uid": "rs-uid-1"}}


def test_the_same_event_keeps_its_key_and_similar_ones_are_combined_after_ten() -> None:
    now = [0.0]
    c = Correlator(clock=lambda: now[0])
    first = note(RS, NORMAL, "SuccessfulCreate", "Created pod: web-0")
    assert c.correlate(first) == (first, "Created pod: web-0")
    assert c.correlate(first) == (first, "Created pod: web-0")
    keys = {c.correlate(note(RS, NORMAL, "SuccessfulCreate", f"Created pod: web-{i}"))[0] for i in range(1, 30)}
    combined = [k for k in keys if k.message == COMBINED_PREFIX]
    assert len(keys) == AGGREGATE_AFTER and len(combined) == 1  # web-1..web-9 as they are, the rest combined
    assert c.correlate(note(RS, NORMAL, "SuccessfulCreate", "Created pod: web-99"))[1] == \
        COMBINED_PREFIX + "Created pod: web-99"
    assert c.correlate(note(RS, NORMAL, "SuccessfulDelete", "Deleted pod: web-1"))[0].message == "Deleted pod: web-1"
    now[0] += AGGREGATE_WINDOW + 1
    fresh = note(RS, NORMAL, "SuccessfulCreate", "Created pod: web-100")
    assert c.correlate(fresh)[0] == fresh  # a new window starts uncombined


@given(st.lists(st.tuples(st.sampled_from(["A", "B"]), st.integers(0, 40)), max_size=200))
def test_a_group_never_lands_in_more_than_eleven_events(stream: list[tuple[str, int]]) -> None:
    c = Correlator(clock=lambda: 0.0)
    keys: dict[str, set] = {"A": set(), "B": set()}
    for reason, n in stream:
        keys[reason].add(c.correlate(note(RS, NORMAL, reason, f"message {n}"))[0])
    for reason, seen in keys.items():
        distinct = len({n for r, n in stream if r == reason})
        assert len(seen) == min(distinct, AGGREGATE_AFTER + 1)


def field_selector(obj: dict[str, Any]) -> str:
    meta = obj["metadata"]
    return (f"involvedObject.name={meta['name']},involvedObject.namespace={meta['namespace']},"
            f"involvedObject.uid={meta['uid']}")


async def test_recorder_writes_counts_and_combines_through_the_api(client: RestClient) -> None:
    recorder = EventRecorder(client, "replicaset-controller")
    try:
        repeat = note(RS, NORMAL, "SuccessfulCreate", "Created pod: web-a")
        for _ in range(3):
            recorder.record(repeat)
        await recorder.flush()
        recorder.record(repeat)
        await recorder.flush()
        (event,) = (await client.list(EVENT, "default", field_selector=field_selector(RS)))["items"]
        assert event["count"] == 4 and event["reason"] == "SuccessfulCreate" and event["type"] == "Normal"
        assert event["source"] == {"component": "replicaset-controller"}
        assert event["involvedObject"] == {"kind": "ReplicaSet", "apiVersion": "apps/v1", "name": "web",
                                           "namespace": "default", "uid": "rs-uid-1"}
        assert event["firstTimestamp"] <= event["lastTimestamp"]
        for i in range(40):
            recorder.record(note(RS, NORMAL, "SuccessfulDelete", f"Deleted pod: web-{i}"))
        await recorder.flush()
        events = (await client.list(EVENT, "default", field_selector=field_selector(RS)))["items"]
        deletes = [e for e in events if e["reason"] == "SuccessfulDelete"]
        assert len(deletes) == AGGREGATE_AFTER + 1
        assert sum(e["count"] for e in deletes) == 40
        assert sum(1 for e in deletes if e["message"].startswith(COMBINED_PREFIX)) == 1
        assert recorder.writes < 40 + 4
    finally:
        await recorder.stop()


class RefusingClient:
    """Stands in for the API where it refuses every pod (a quota, an admission webhook)."""

    async def create(self, kind: Any, obj: dict, namespace: str | None = None, **_: Any) -> dict:
        raise ApiError(403, "Forbidden", 'pods "web-" is forbidden: exceeded quota')


async def test_a_refused_pod_creation_is_a_failed_create_warning(client: RestClient) -> None:
    recorder = EventRecorder(client, "replicaset-controller")
    executor = Executor(RefusingClient())  # type: ignore[arg-type]
    creates: list[CreatePod] = [pod_from_template(RS, RS["spec"]["template"]) for _ in range(4)]
    skipped: list[int] = []
    try:
        await executor.run(creates, "replicaset default/web", skipped.append, recorder)
        raise AssertionError("the refused creations did not raise Retry")
    except Retry:
        pass
    await recorder.flush()
    assert skipped == [4]  # slow start: one refused, three never sent
    (event,) = (await client.list(EVENT, "default", field_selector=field_selector(RS)))["items"]
    assert event["type"] == WARNING and event["reason"] == "FailedCreate"
    assert event["message"] == 'Error creating: pods "web-" is forbidden: exceeded quota'
    await recorder.stop()
