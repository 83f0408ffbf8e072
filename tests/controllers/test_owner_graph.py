"""The garbage collector's incremental graph: after any add, update or delete, every object
whose garbage-collection actions changed is among the uids the event touched, so syncing
those alone finds what a walk over every object would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from kube.controllers.garbage_collector import dependent_actions, owner_actions, reconcile_gc
from kube.controllers.owner_graph import OwnerGraph

KINDS = {"Deployment": "apps/v1", "ReplicaSet": "apps/v1", "Pod": "v1"}
UIDS = [f"u{i}" for i in range(6)]


@st.composite
def objects(draw, uid: str) -> dict:
    kind = draw(st.sampled_from(sorted(KINDS)))
    meta: dict = {"name": f"o-{uid}", "namespace": "ns", "uid": uid, "resourceVersion": draw(st.sampled_from("123"))}
    owners = draw(st.lists(st.sampled_from([u for u in UIDS if u != uid]), unique=True, max_size=2))
    if owners:
        meta["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": draw(st.sampled_from(sorted(KINDS))),
                                    "name": f"o-{o}", "uid": o, "blockOwnerDeletion": draw(st.booleans())}
                                   for o in owners]
    if draw(st.booleans()):
        meta["deletionTimestamp"] = "2026-12-07T00:00:00Z"
        finalizers = draw(st.lists(st.sampled_from(["foregroundDeletion", "orphan"]), unique=True, max_size=2))
        if finalizers:
            meta["finalizers"] = finalizers
    return {"apiVersion": KINDS[kind], "kind": kind, "metadata": meta}


def per_uid(graph: OwnerGraph) -> dict[str, list]:
    return {uid: dependent_actions(o, graph.by_uid) + owner_actions(o, graph.dependents(uid))
            for uid, o in graph.by_uid.items()}


@st.composite
def scenarios(draw):
    present = draw(st.lists(st.sampled_from(UIDS), unique=True, min_size=1))
    start = [draw(objects(u)) for u in present]
    events = []
    for _ in range(draw(st.integers(1, 6))):
        uid = draw(st.sampled_from(UIDS))
        events.append(("remove", uid) if draw(st.booleans()) else ("put", draw(objects(uid))))
    return start, events


@settings(max_examples=300)
@given(scenarios())
def test_every_changed_object_is_touched(scenario) -> None:
    start, events = scenario
    graph = OwnerGraph()
    for obj in start:
        graph.put(obj)
    for kind, what in events:
        before = per_uid(graph)
        if kind == "put":
            touched = graph.put(what)
        else:
            touched = graph.remove(graph.by_uid[what]) if what in graph.by_uid else set()
        after = per_uid(graph)
        changed = {u for u in after if after[u] and after[u] != before.get(u)}
        assert changed <= touched, (kind, what, changed - touched)


@given(st.lists(st.sampled_from(UIDS), unique=True, min_size=1).flatmap(
    lambda uids: st.tuples(*[objects(u) for u in uids])))
def test_the_graph_gives_the_snapshot_s_actions(objs) -> None:
    graph = OwnerGraph()
    for obj in objs:
        graph.put(obj)
    incremental = sorted(map(repr, (a for acts in per_uid(graph).values() for a in acts)))
    assert incremental == sorted(map(repr, reconcile_gc(list(objs))))
