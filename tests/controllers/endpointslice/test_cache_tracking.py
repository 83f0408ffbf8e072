"""The controller's guard against its own stale cache (Kubernetes' endpointSliceTracker):
after writing, a sync waits until the informer shows the writes, or until a limit passes
(someone else changed the slices meanwhile)."""

from __future__ import annotations

import time

from kube.client.informer import SharedInformerFactory
from kube.controllers.context import Context, ControllerOptions
from kube.controllers.endpointslice import controller as mod


def controller() -> mod.EndpointSliceController:
    ctx = Context(None, SharedInformerFactory(None), ControllerOptions())  # type: ignore[arg-type]
    return mod.EndpointSliceController(ctx)


def slice_(name: str, rv: str) -> dict:
    return {"metadata": {"name": name, "resourceVersion": rv}}


def test_waits_for_creates_and_updates_to_show() -> None:
    c = controller()
    assert not c._cache_behind("default/web", [])  # nothing written: the cache is believed
    c._expected["default/web"] = (2, {"web-a": "5"}, time.monotonic())
    assert c._cache_behind("default/web", [slice_("web-a", "5")])  # the create is not there yet
    assert c._cache_behind("default/web", [slice_("web-a", "5"), slice_("web-b", "1")])  # the update neither
    assert not c._cache_behind("default/web", [slice_("web-a", "6"), slice_("web-b", "1")])
    assert "default/web" not in c._expected  # caught up: forgotten


def test_believes_the_cache_after_the_limit() -> None:
    c = controller()
    c._expected["default/web"] = (3, {}, time.monotonic() - mod._STALE_LIMIT - 1)
    assert not c._cache_behind("default/web", [slice_("web-a", "1")])
    assert "default/web" not in c._expected
