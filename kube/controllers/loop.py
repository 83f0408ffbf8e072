"""The thin loop around a pure reconcile function: informer events put keys on a work
queue, workers call `sync(key)`, which reads the caches, calls the pure function and
executes its actions. Failures back off per key (kube/client/reconciler.py)."""

from __future__ import annotations

import logging
from collections.abc import Hashable

from kube.api.meta import object_key
from kube.client.reconciler import Reconciler
from kube.client.workqueue import WorkQueue
from kube.controllers.context import Context

log = logging.getLogger("kube.controllers")


class ControllerLoop:
    name = "controller"

    def __init__(self, ctx: Context, workers: int = 1) -> None:
        self.ctx = ctx
        self.queue = WorkQueue(name=self.name)
        self.workers = workers
        self.syncs = 0
        self.errors = 0
        self._reconciler: Reconciler | None = None

    def setup(self) -> None:
        """Ask the shared factory for informers and register handlers (before it starts)."""

    async def started(self) -> None:
        """Called once the caches are synced, before the workers start."""

    async def sync(self, key: Hashable) -> float | None:
        raise NotImplementedError

    async def _reconcile(self, key: Hashable) -> float | None:
        self.syncs += 1
        try:
            return await self.sync(key)
        except Exception:
            self.errors += 1
            raise

    def enqueue(self, key: Hashable) -> None:
        self.queue.add(key)

    def start(self) -> None:
        self._reconciler = Reconciler(self.queue, self._reconcile, self.workers, self.name)
        self._reconciler.start()

    async def stop(self) -> None:
        if self._reconciler is not None:
            await self._reconciler.stop()


def obj_key(obj: object) -> str:
    """The informer key of an object or of a DeletedFinalStateUnknown."""
    from kube.client.informer import DeletedFinalStateUnknown

    if isinstance(obj, DeletedFinalStateUnknown):
        return obj.key
    assert isinstance(obj, dict)
    return object_key(obj)


def final_state(obj: object) -> dict:
    from kube.client.informer import DeletedFinalStateUnknown

    return obj.obj if isinstance(obj, DeletedFinalStateUnknown) else obj  # type: ignore[return-value]
