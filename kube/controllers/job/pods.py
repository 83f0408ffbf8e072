"""A Job's pods as the Job controller makes them, and the facts it reads back from them.

A pod carries the `batch.kubernetes.io/job-tracking` finalizer from its creation, so it
cannot vanish before the controller has counted it. An Indexed Job's pod carries its
index as an annotation and a label, as JOB_COMPLETION_INDEX in every container's
environment, and is named `<job>-<index>-<random>` with hostname `<job>-<index>`.
"""

from __future__ import annotations

import copy
from datetime import datetime

from kube.api.meta import Obj, object_key
from kube.controllers.actions import CreatePod, Patch
from kube.controllers.events import NORMAL, note
from kube.controllers.job.kinds import POD
from kube.controllers.ownership import owner_reference
from kube.controllers.pod_state import parse_time, phase

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
INDEX_KEY = "batch.kubernetes.io/job-completion-index"
INDEX_ENV = "JOB_COMPLETION_INDEX"


def has_finalizer(pod: Obj) -> bool:
    return TRACKING_FINALIZER in ((pod.get("metadata") or {}).get("finalizers") or [])


def uid_of(pod: Obj) -> str:
    return str((pod.get("metadata") or {}).get("uid", ""))


def index_of(pod: Obj) -> int | None:
    """The completion index a pod shows (annotation first, as Kubernetes reads it); None if none or bad."""
    meta = pod.get("metadata") or {}
    text = (meta.get("annotations") or {}).get(INDEX_KEY) or (meta.get("labels") or {}).get(INDEX_KEY)
    if isinstance(text, str) and text.isdigit() and (text == "0" or not text.startswith("0")):
        return int(text)
    return None


def is_finished(pod: Obj) -> bool:
    return phase(pod) in ("Succeeded", "Failed")


def counts_as_failed(pod: Obj) -> bool:
    """Failed, or deleted (by someone else) before it finished while we still track it."""
    if phase(pod) == "Failed":
        return True
    return phase(pod) != "Succeeded" and bool((pod.get("metadata") or {}).get("deletionTimestamp"))


def finish_time(pod: Obj) -> datetime | None:
    """When a finished pod's last container ended (its Ready condition's change otherwise)."""
    ends = []
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        terminated = (status.get("state") or {}).get("terminated") or {}
        moment = parse_time(terminated.get("finishedAt"))
        if moment is not None:
            ends.append(moment)
    if ends:
        return max(ends)
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if isinstance(cond, dict) and cond.get("type") == "Ready":
            return parse_time(cond.get("lastTransitionTime"))
    return parse_time((pod.get("metadata") or {}).get("deletionTimestamp"))


def remove_finalizer(pod: Obj) -> Patch | None:
    """A JSON patch that takes our finalizer (only ours, tested in place) off a pod."""
    meta = pod.get("metadata") or {}
    finalizers = meta.get("finalizers") or []
    if TRACKING_FINALIZER not in finalizers:
        return None
    at = finalizers.index(TRACKING_FINALIZER)
    ops = [{"op": "test", "path": f"/metadata/finalizers/{at}", "value": TRACKING_FINALIZER},
           {"op": "remove", "path": f"/metadata/finalizers/{at}"}]
    return Patch(POD, str(meta.get("namespace", "")), str(meta.get("name", "")), ops, patch_type="json")


def new_pod(job: Obj, index: int | None, failures: int | None = None) -> CreatePod:
    """One pod of the Job's template, owned by it and tracked by our finalizer."""
    meta = job.get("metadata") or {}
    spec = job.get("spec") or {}
    template = spec.get("template") or {}
    tmeta = template.get("metadata") or {}
    name = str(meta.get("name", ""))
    pod_meta: Obj = {"generateName": f"{name}-" if index is None else f"{name}-{index}-",
                     "namespace": meta.get("namespace", ""), "ownerReferences": [owner_reference(job)],
                     "finalizers": [TRACKING_FINALIZER], "labels": dict(tmeta.get("labels") or {})}
    if tmeta.get("annotations"):
        pod_meta["annotations"] = dict(tmeta["annotations"])
    pod_spec = copy.deepcopy(template.get("spec") or {})
    if index is not None:
        pod_meta.setdefault("annotations", {})[INDEX_KEY] = str(index)
        pod_meta["labels"][INDEX_KEY] = str(index)
        if failures is not None:  # backoffLimitPerIndex: the index's failures so far travel with it
            pod_meta["annotations"]["batch.kubernetes.io/job-index-failure-count"] = str(failures)
        pod_spec.setdefault("hostname", f"{name}-{index}")
        env_var = {"name": INDEX_ENV, "valueFrom": {"fieldRef": {
            "fieldPath": f"metadata.annotations['{INDEX_KEY}']"}}}
        for group in ("initContainers", "containers"):
            for container in pod_spec.get(group) or []:
                env = container.setdefault("env", [])
                if not any(isinstance(e, dict) and e.get("name") == INDEX_ENV for e in env):
                    env.append(env_var)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": pod_spec}
    return CreatePod(str(meta.get("namespace", "")), pod, object_key(job),
                     note=note(job, NORMAL, "SuccessfulCreate", "Created pod: {name}"))


def exit_codes(pod: Obj) -> list[tuple[str, int]]:
    """(container, exit code) of the pod's terminated app containers."""
    found = []
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        code = ((status.get("state") or {}).get("terminated") or {}).get("exitCode")
        if isinstance(code, int):
            found.append((str(status.get("name", "")), code))
    return found
