"""Selector watches follow Kubernetes' cacher: what a watcher was told matches what matches."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kube.api.labels import parse
from kube.apiserver.storage.object_filter import ObjectFilter
from kube.apiserver.watch.cache_watcher import CacheWatcher
from kube.apiserver.watch.events import CacheEvent

_ops = st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["web", "db", None])), max_size=30)


@given(_ops)
def test_selector_watch_view_equals_the_matching_set(ops: list[tuple[str, str | None]]) -> None:
    """Replaying the events a selector watcher receives gives exactly the objects that match now."""
    watcher = CacheWatcher(ObjectFilter("", parse("app=web")))
    objects: dict[str, dict] = {}
    revision = 0
    for name, app in ops:
        revision += 1
        prev = objects.get(name)
        if app is None:
            if prev is None:
                continue
            del objects[name]
            watcher.offer(CacheEvent("DELETED", prev, prev, revision))
            continue
        obj = {"metadata": {"name": name, "labels": {"app": app}}}
        objects[name] = obj
        watcher.offer(CacheEvent("ADDED" if prev is None else "MODIFIED", obj, prev, revision))
    view: set[str] = set()
    for event in watcher.drain():
        name = event.obj["metadata"]["name"]
        if event.type == "DELETED":
            assert name in view
            view.discard(name)
        else:
            assert (event.type == "ADDED") == (name not in view)
            view.add(name)
    assert view == {n for n, o in objects.items() if o["metadata"]["labels"]["app"] == "web"}


def test_events_at_or_below_the_start_are_not_sent() -> None:
    watcher = CacheWatcher(ObjectFilter(), after_revision=5)
    obj = {"metadata": {"name": "x"}}
    watcher.offer(CacheEvent("ADDED", obj, None, 5))
    watcher.offer(CacheEvent("MODIFIED", obj, obj, 6))
    assert [e.revision for e in watcher.drain()] == [6]


def test_a_watcher_that_falls_too_far_behind_is_closed() -> None:
    watcher = CacheWatcher(ObjectFilter())
    watcher.limit = 3
    for rev in range(1, 6):
        watcher.offer(CacheEvent("ADDED", {"metadata": {"name": str(rev)}}, None, rev))
    assert watcher.closed and watcher.overflowed
