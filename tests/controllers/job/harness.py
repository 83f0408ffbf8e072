"""A FakeCluster that also applies JSON patches (the Job controller's finalizer removals), and
steps a Job the way its loop does: status first, then finalizers, then pods."""

from __future__ import annotations

import copy
from typing import Any

from kube.api.patch import PatchError, apply_json_patch
from kube.controllers import actions as A
from kube.controllers.job.reconcile import Backoff, JobPlan, reconcile_job
from tests.controllers.fake_cluster import FakeCluster, stamp

Obj = dict[str, Any]
UID = "uid-job"


def job(name: str = "pi", **spec: Any) -> Obj:
    """A Job as the API server stores it after defaults (selector generated from its uid)."""
    labels = {"batch.kubernetes.io/controller-uid": UID, "batch.kubernetes.io/job-name": name,
              "controller-uid": UID, "job-name": name}
    full = {"completions": 1, "parallelism": 1, "backoffLimit": 6, "completionMode": "NonIndexed",
            "suspend": False, "manualSelector": False,
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": UID}},
            "template": {"metadata": {"labels": labels},
                         "spec": {"restartPolicy": "Never", "containers": [{"name": "main", "image": "busybox"}]}}}
    full.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name, "namespace": "default", "uid": UID},
            "spec": full}


class JobCluster(FakeCluster):
    def _apply_one(self, act: A.Action) -> None:
        if isinstance(act, A.Patch) and act.patch_type == "json":
            key = self._key(act.kind.kind, act.namespace, act.name)
            if key in self.objects:
                try:
                    self._write(key, apply_json_patch(copy.deepcopy(self.objects[key]), act.patch))
                except PatchError:
                    pass  # a failed test op: 422, the next sync looks again
            return
        super()._apply_one(act)

    def sync(self, name: str = "pi", *, crash_after_status: bool = False, backoff: Backoff | None = None,
             **kw: Any) -> JobPlan:
        current = self.get("Job", name)
        plan = reconcile_job(current, self.list("Pod", "default"), self.now, backoff=backoff or Backoff(1, 4), **kw)
        if plan.status != (current.get("status") or {}):
            self.apply([A.UpdateStatus(A.by_gvk("batch", "v1", "Job"), current, plan.status)])
        if crash_after_status:
            return plan  # the controller died before taking finalizers off
        self.apply(plan.finalizer_removals)
        self.apply(plan.actions)
        return plan

    def pods(self) -> list[Obj]:
        return [p for p in self.list("Pod") if not p["metadata"].get("deletionTimestamp")]

    def finish(self, pod_name: str, code: int = 0, conditions: list[Obj] | None = None) -> None:
        """What a node agent would report for a pod whose only container exited with `code`."""
        pod = self.objects[("Pod", "default", pod_name)]
        pod["status"] = {"phase": "Succeeded" if code == 0 else "Failed",
                         "conditions": conditions or [],
                         "containerStatuses": [{"name": "main", "state": {"terminated": {
                             "exitCode": code, "finishedAt": stamp(self.now)}}}]}

    def remove_deleted(self) -> None:
        """Pods marked for deletion go once the node stopped them (finalizers permitting)."""
        for key, pod in list(self.objects.items()):
            if key[0] == "Pod" and pod["metadata"].get("deletionTimestamp") and not pod["metadata"].get("finalizers"):
                del self.objects[key]

    def status(self, name: str = "pi") -> Obj:
        return self.get("Job", name).get("status") or {}
