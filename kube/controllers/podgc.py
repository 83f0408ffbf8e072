"""Pod garbage collection: pods bound to nodes that no longer exist, unscheduled pods
being deleted, and finished pods beyond a threshold are removed (Kubernetes' PodGC)."""

from __future__ import annotations

import logging
from collections.abc import Hashable, Iterable

from kube.api.meta import Obj, join_key
from kube.client.errors import ApiError
from kube.controllers.actions import NODE, POD, Action, DeletePod
from kube.controllers.loop import ControllerLoop
from kube.controllers.pod_state import phase

log = logging.getLogger("kube.controllers.podgc")
TERMINATED_THRESHOLD = 12500


def _delete(pod: Obj) -> DeletePod:
    meta = pod.get("metadata") or {}
    return DeletePod(meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", ""), grace_period=0)


def reconcile_pod_gc(pods: Iterable[Obj], node_names: set[str],
                     terminated_threshold: int = TERMINATED_THRESHOLD) -> list[Action]:
    actions: list[Action] = []
    finished: list[Obj] = []
    for pod in pods:
        node = (pod.get("spec") or {}).get("nodeName")
        meta = pod.get("metadata") or {}
        if node and node not in node_names:
            actions.append(_delete(pod))  # force: no node agent is left to finish it
        elif not node and meta.get("deletionTimestamp"):
            actions.append(_delete(pod))
        elif phase(pod) in ("Succeeded", "Failed"):
            finished.append(pod)
    excess = len(finished) - terminated_threshold
    if terminated_threshold > 0 and excess > 0:
        finished.sort(key=lambda p: ((p.get("metadata") or {}).get("creationTimestamp", ""),
                                     (p.get("metadata") or {}).get("name", "")))
        actions.extend(_delete(p) for p in finished[:excess])
    return actions


# --- the loop ------------------------------------------------------------------------------------

class PodGCController(ControllerLoop):
    """Runs every --pod-gc-period over the cached pods and nodes. A node missing from the
    cache is confirmed gone with a live GET before its pods are force-deleted."""

    name = "podgc"
    KEY = "podgc"

    def setup(self) -> None:
        self.pods = self.ctx.factory.informer_for(POD)
        self.nodes = self.ctx.factory.informer_for(NODE)
        self.nodes.add_handler(on_delete=lambda _o: self.enqueue(self.KEY))

    async def started(self) -> None:
        self.enqueue(self.KEY)

    async def sync(self, key: Hashable) -> float | None:
        names = {(n.get("metadata") or {}).get("name", "") for n in self.nodes.store.list()}
        actions = reconcile_pod_gc(self.pods.store.list(), names, self.ctx.options.terminated_pod_gc_threshold)
        confirmed: dict[str, bool] = {}
        chosen = []
        for action in actions:
            assert isinstance(action, DeletePod)
            pod = self.pods.store.get(join_key(action.namespace, action.name)) or {}
            node = (pod.get("spec") or {}).get("nodeName")
            if node and node not in names:
                if node not in confirmed:
                    confirmed[node] = await self._node_gone(node)
                if not confirmed[node]:
                    continue
                log.info("podgc: pod %s/%s is bound to node %s which no longer exists", action.namespace,
                         action.name, node)
            chosen.append(action)
        await self.ctx.executor.run(chosen, "podgc")
        return self.ctx.options.pod_gc_period

    async def _node_gone(self, name: str) -> bool:
        try:
            await self.ctx.client.get(NODE, name)
        except ApiError as exc:
            return exc.code == 404
        return False
