"""The Deployment loop: Deployment, ReplicaSet and pod events -> the Deployment's key ->
`reconcile_deployment` over the cached ReplicaSets and pods of its namespace."""

from __future__ import annotations

import logging
from collections.abc import Hashable

from kube.api.labels import SelectorError, from_label_selector
from kube.api.meta import Obj, join_key
from kube.client.errors import ApiError
from kube.controllers.actions import DEPLOYMENT, POD, REPLICASET, UpdateStatus
from kube.controllers.context import Context
from kube.controllers.deployment.collision import status_after_collision
from kube.controllers.deployment.sync import reconcile_deployment
from kube.controllers.executor import AlreadyExists, Retry
from kube.controllers.loop import ControllerLoop, final_state, obj_key
from kube.controllers.ownership import controller_of

log = logging.getLogger("kube.controllers.deployment")
COMPONENT = "deployment-controller"


class DeploymentController(ControllerLoop):
    name = "deployment"

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx, ctx.options.concurrent_deployment_syncs)

    def setup(self) -> None:
        f = self.ctx.factory
        self.deployments = f.informer_for(DEPLOYMENT)
        self.sets = f.informer_for(REPLICASET)
        self.pods = f.informer_for(POD)
        self.deployments.add_handler(lambda o: self.enqueue(obj_key(o)), lambda _o, n: self.enqueue(obj_key(n)),
                                     lambda o: self.enqueue(obj_key(o)))
        self.sets.add_handler(self._set_changed, lambda _o, n: self._set_changed(n),
                              lambda o: self._set_changed(final_state(o)))
        self.pods.add_handler(on_delete=lambda o: self._pod_deleted(final_state(o)))

    def _owner(self, obj: Obj, kind: str) -> str | None:
        ref = controller_of(obj)
        if ref is None or ref.get("kind") != kind:
            return None
        return join_key((obj.get("metadata") or {}).get("namespace"), str(ref.get("name", "")))

    def _set_changed(self, rs: Obj) -> None:
        owner = self._owner(rs, "Deployment")
        if owner is not None:
            self.enqueue(owner)
            return
        meta = rs.get("metadata") or {}
        for d in self.deployments.store.by_index("namespace", meta.get("namespace", "")):
            try:
                if from_label_selector((d.get("spec") or {}).get("selector")).matches(meta.get("labels") or {}):
                    self.enqueue(obj_key(d))
            except SelectorError:
                continue

    def _pod_deleted(self, pod: Obj) -> None:
        """Recreate waits for old pods to be gone: their deletion moves it on."""
        rs_key = self._owner(pod, "ReplicaSet")
        rs = self.sets.store.get(rs_key) if rs_key else None
        owner = self._owner(rs, "Deployment") if rs is not None else None
        if owner is not None:
            self.enqueue(owner)

    async def sync(self, key: Hashable) -> float | None:
        d = self.deployments.store.get(str(key))
        if d is None:
            return None
        namespace = (d.get("metadata") or {}).get("namespace", "")
        plan = reconcile_deployment(d, self.sets.store.by_index("namespace", namespace),
                                    self.pods.store.by_index("namespace", namespace), self.ctx.now())
        try:
            await self.ctx.executor.run(plan.actions, f"deployment {key}", recorder=self.ctx.recorder(COMPONENT))
        except AlreadyExists as exc:
            await self._collided(d, exc.obj)
            raise
        return plan.requeue_after

    async def _collided(self, d: Obj, wanted: Obj) -> None:
        """The new ReplicaSet's name is taken: bump collisionCount unless it is ours already.
        The bump is a compare-and-swap on the Deployment this sync saw, so two syncs racing on
        a stale cache bump it once (as Kubernetes does from its lister's copy)."""
        meta = d.get("metadata") or {}
        try:
            existing = await self.ctx.client.get(REPLICASET, wanted["metadata"]["name"], meta.get("namespace", ""))
        except ApiError as exc:
            raise Retry(str(exc)) from exc
        status = status_after_collision(d, existing)
        if status is None:
            return
        log.info("deployment %s/%s: hash collision on replica set %s, collisionCount now %d",
                 meta.get("namespace"), meta.get("name"), wanted["metadata"]["name"], status["collisionCount"])
        await self.ctx.executor.one(UpdateStatus(DEPLOYMENT, d, status), f"deployment {meta.get('name')}")
