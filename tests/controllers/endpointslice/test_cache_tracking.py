"""The controller's guard against its own stale cache (Kubernetes' endpointSliceTracker):
after writing, a sync waits until the informer shows the writes, or until a limit passes
(someone else changed the slices meanwhile)."""

from __future__ import annotations

import time

from kube.controllers.endpointslice import tracker as mod


def controller() -> mod.SliceWriteTracker:
    return mod.SliceWriteTracker()


def slice_(name: str, rv: str) -> dict:
    return {"metadata": {"name": name, "resourceVersion": rv}}


def test_waits_for_creates_and_updates_to_show() -> None:
    c = controller()
    assert not c.behind("default/web", [])  # nothing written: the cache is believed
    c._expected["default/web"] = (2, {"web-a": "5"}, time.monotonic())
    assert c.behind("default/web", [slice_("web-a", "5")])  # the create is not there yet
    assert c.behind("default/web", [slice_("web-a", "5"), slice_("web-b", "1")])  # the update neither
    assert not c.behind("default/web", [slice_("web-a", "6"), slice_("web-b", "1")])
    assert "default/web" not in c._expected  # caught up: forgotten


def test_believes_the_cache_after_the_limit() -> None:
    c = controller()
    c._expected["default/web"] = (3, {}, time.monotonic() - mod.STALE_LIMIT - 1)
    assert not c.behind("default/web", [slice_("web-a", "1")])
    assert "default/web" not in c._expected


def test_wrote_expects_the_count_and_the_new_versions() -> None:
    from kube.controllers.actions import Create, Delete, Update
    from kube.controllers.endpointslice.reconcile import ENDPOINTSLICE

    c = controller()
    cached = [slice_("web-a", "5"), slice_("web-b", "7")]
    c.wrote("default/web", cached, [Create(ENDPOINTSLICE, {"metadata": {"generateName": "web-"}}),
                                     Update(ENDPOINTSLICE, {"metadata": {"name": "web-a", "resourceVersion": "5"}}),
                                     Delete(ENDPOINTSLICE, "default", "web-b")])
    assert c.behind("default/web", cached)
    assert not c.behind("default/web", [slice_("web-a", "6"), slice_("web-c", "1")])
    c.wrote("default/web", cached, [Delete(ENDPOINTSLICE, "default", "web-b")])
    c.forget("default/web")
    assert not c.behind("default/web", cached)


def test_a_slice_deleted_while_the_watch_was_down_requeues_its_service() -> None:
    from kube.client.informer import DeletedFinalStateUnknown, SharedInformerFactory
    from kube.controllers.context import Context, ControllerOptions
    from kube.controllers.endpointslice.controller import EndpointSliceController

    c = EndpointSliceController(Context(None, SharedInformerFactory(None), ControllerOptions()))  # type: ignore[arg-type]
    labels = {"kubernetes.io/service-name": "web",
              "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    c._slice_changed(DeletedFinalStateUnknown("default/web-a", {"metadata": {
        "name": "web-a", "namespace": "default", "labels": labels}}))
    c._slice_changed({"metadata": {"name": "x", "namespace": "default", "labels": {"kubernetes.io/service-name": "y"}}})
    assert len(c.queue) == 1
