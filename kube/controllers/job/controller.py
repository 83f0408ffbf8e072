"""The Job controller's loop around `reconcile_job`: informers, expectations, and the order
the tracking protocol needs (the status stored first, then finalizers off, then pods).

The status goes out with the Job's resourceVersion (a compare-and-swap) and the stored
answer is kept: the next sync reads whichever of it and the cache is newer, so a lagging
watch never makes the controller forget what it just recorded. A pod that carries our
finalizer but whose Job is gone (or that an orphaning delete left without one) loses the
finalizer: nothing is left to count it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable

from kube.api.meta import Obj, join_key, object_key
from kube.client.errors import ApiError
from kube.controllers.actions import Patch
from kube.controllers.context import Context
from kube.controllers.executor import Retry
from kube.controllers.expectations import Expectations
from kube.controllers.job.kinds import JOB, POD
from kube.controllers.job.pods import has_finalizer, remove_finalizer
from kube.controllers.job.reconcile import Backoff, reconcile_job
from kube.controllers.loop import ControllerLoop, final_state, obj_key
from kube.controllers.ownership import controller_of

log = logging.getLogger("kube.controllers")
COMPONENT = "job-controller"


def _rv(obj: Obj) -> int:
    text = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    return int(text) if text.isdigit() else -1


class JobController(ControllerLoop):
    name = "job"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, ctx.options.concurrent_job_syncs)
        self.expectations = Expectations()
        self.backoff = Backoff(ctx.options.job_backoff_base, ctx.options.job_backoff_cap)
        self.latest: dict[str, Obj] = {}  # the status writes' answers, per Job key

    def setup(self) -> None:
        self.jobs = self.ctx.factory.informer_for(JOB)
        self.pods = self.ctx.factory.informer_for(POD)
        self.jobs.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)),
                              self._job_deleted)
        self.pods.add_handler(self._pod_added, self._pod_updated, self._pod_deleted)

    def _job_deleted(self, obj: object) -> None:
        key = obj_key(obj)
        self.expectations.forget(key)
        self.latest.pop(key, None)
        for pod in self.pods.store.by_index("namespace", str((final_state(obj).get("metadata") or {})
                                                                 .get("namespace", ""))):
            self._pod_changed(pod)

    def _owner_key(self, pod: Obj) -> str | None:
        ref = controller_of(pod)
        if ref is None or ref.get("kind") != "Job" or ref.get("apiVersion") != "batch/v1":
            return None
        return join_key((pod.get("metadata") or {}).get("namespace"), str(ref.get("name", "")))

    def _pod_added(self, pod: Obj) -> None:
        owner = self._owner_key(pod)
        if owner is None:
            return
        if (pod.get("metadata") or {}).get("deletionTimestamp"):
            self.expectations.deletion_observed(owner, object_key(pod))
        else:
            self.expectations.creation_observed(owner)
        self._pod_changed(pod)

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        owner = self._owner_key(new)
        if owner is not None and (new.get("metadata") or {}).get("deletionTimestamp") and not (
                old.get("metadata") or {}).get("deletionTimestamp"):
            self.expectations.deletion_observed(owner, object_key(new))
        self._pod_changed(new)

    def _pod_changed(self, pod: Obj) -> None:
        owner = self._owner_key(pod)
        if owner is not None:
            self.enqueue(owner)
        if has_finalizer(pod) and self._orphaned(pod, owner):
            self.enqueue(("orphan", object_key(pod)))

    def _pod_deleted(self, obj: object) -> None:
        pod = final_state(obj)
        owner = self._owner_key(pod)
        if owner is not None:
            self.expectations.deletion_observed(owner, obj_key(obj))
            self.enqueue(owner)

    def _orphaned(self, pod: Obj, owner: str | None) -> bool:
        """No Job will count this pod: it has none (orphaned by the garbage collector) or its Job is gone."""
        if owner is None:
            return True
        job = self.jobs.store.get(owner)
        ref = controller_of(pod) or {}
        return job is None or (job.get("metadata") or {}).get("uid") != ref.get("uid")

    def _current(self, key: str) -> Obj | None:
        cached = self.jobs.store.get(key)
        written = self.latest.get(key)
        if cached is None:
            self.latest.pop(key, None)
            return None
        if written is not None and (written.get("metadata") or {}).get("uid") == (cached.get("metadata") or {}).get(
                "uid") and _rv(written) > _rv(cached):
            return written
        self.latest.pop(key, None)
        return cached

    async def sync(self, key: Hashable) -> float | None:
        if isinstance(key, tuple):
            await self._release_orphan(str(key[1]))
            return None
        job = self._current(str(key))
        if job is None:
            self.expectations.forget(str(key))
            return None
        namespace = str((job.get("metadata") or {}).get("namespace", ""))
        pods = self.pods.store.by_index("namespace", namespace)
        plan = reconcile_job(job, pods, self.ctx.now(), expectations_met=self.expectations.satisfied(str(key)),
                             backoff=self.backoff)
        recorder = self.ctx.recorder(COMPONENT)
        if plan.status != (job.get("status") or {}):
            try:
                stored = await self.ctx.client.update_status(JOB, {**job, "status": plan.status})
            except ApiError as exc:
                if exc.code == 404:
                    return None
                raise Retry(f"job {key}: status not stored: {exc.code} {exc.message}") from exc
            self.latest[str(key)] = stored
        for n in plan.notes:
            recorder.record(n)
        if plan.creates or plan.deletes:
            self.expectations.expect(str(key), plan.creates, {join_key(d.namespace, d.name) for d in plan.deletes})
        # finalizers off (the status holding their pods is stored) while the next pods are made
        results = await asyncio.gather(
            *(self._remove_finalizer(p) for p in plan.finalizer_removals),
            self.ctx.executor.run(plan.actions, f"job {key}",
                                  lambda n: self.expectations.creation_observed(str(key), n), recorder),
            return_exceptions=True)
        failures = [r for r in results if isinstance(r, BaseException)]
        if failures:
            raise failures[0]
        return plan.requeue_after

    async def _remove_finalizer(self, patch: Patch) -> None:
        """404: gone; 422: the finalizer moved or went meanwhile (the next sync looks again)."""
        try:
            await self.ctx.client.patch(POD, patch.name, patch.patch, patch.namespace, patch_type="json")
        except ApiError as exc:
            if exc.code not in (404, 409, 422):
                raise Retry(f"pod {patch.namespace}/{patch.name}: finalizer not removed: {exc.message}") from exc

    async def _release_orphan(self, pod_key: str) -> None:
        pod = self.pods.store.get(pod_key)
        owner = self._owner_key(pod) if pod is not None else None
        if pod is None or not has_finalizer(pod) or not self._orphaned(pod, owner):
            return
        patch = remove_finalizer(pod)
        if patch is not None:
            await self._remove_finalizer(patch)
            log.info("job controller: finalizer removed from pod %s (its Job is gone)", pod_key)
