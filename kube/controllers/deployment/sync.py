"""`reconcile_deployment`: one pure sync of one Deployment (Kubernetes' syncDeployment).

In: the Deployment, the ReplicaSets and pods of its namespace, the time. Out: the
ReplicaSet creations, scale patches, history cleanup, annotation patches and the new
status, plus when to look again (the progress deadline, minReadySeconds).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime

from kube.api.labels import SelectorError, from_label_selector
from kube.api.meta import Obj
from kube.controllers.actions import DEPLOYMENT, REPLICASET, Action, Create, Delete, Patch, status_action
from kube.controllers.deployment import progress
from kube.controllers.deployment.proportional import is_scaling_event, scale_proportionally
from kube.controllers.deployment.recreate import rollout_recreate
from kube.controllers.deployment.revisions import (
    DESIRED_REPLICAS,
    HASH_LABEL,
    MAX_REPLICAS,
    REVISION,
    REVISION_HISTORY,
    copied_annotations,
    equal_ignoring_hash,
    history_to_clean,
    max_revision,
    revision,
    template_hash,
)
from kube.controllers.deployment.rollback import rollback
from kube.controllers.deployment.rolling import new_replicas, rollout_rolling
from kube.controllers.deployment.rollout import Rollout, desired_replicas, is_rolling, max_surge, name_of
from kube.controllers.events import NORMAL, note
from kube.controllers.ownership import claim, controller_of, owner_reference


@dataclass
class DeploymentPlan:
    actions: list[Action] = field(default_factory=list)
    status: Obj = field(default_factory=dict)
    requeue_after: float | None = None
    new_replica_set: str = ""


def _created(rs: Obj) -> tuple[str, str]:
    meta = rs.get("metadata") or {}
    return (str(meta.get("creationTimestamp", "")), str(meta.get("name", "")))


def new_replica_set(d: Obj, revision_number: int, replicas: int) -> Obj:
    """The ReplicaSet for the Deployment's current template: `<name>-<hash>`, hash label on
    template, selector and labels, revision annotations, owned by the Deployment."""
    meta = d.get("metadata") or {}
    spec = d.get("spec") or {}
    template = copy.deepcopy(spec.get("template") or {})
    pod_hash = template_hash(template, (d.get("status") or {}).get("collisionCount"))
    tmeta = template.setdefault("metadata", {})
    tmeta["labels"] = {**(tmeta.get("labels") or {}), HASH_LABEL: pod_hash}
    selector = copy.deepcopy(spec.get("selector") or {})
    selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pod_hash}
    annotations = {**copied_annotations(d), REVISION: str(revision_number), DESIRED_REPLICAS: str(desired_replicas(d)),
                   MAX_REPLICAS: str(desired_replicas(d) + max_surge(d))}
    rs_spec: Obj = {"replicas": replicas, "selector": selector, "template": template}
    if spec.get("minReadySeconds"):
        rs_spec["minReadySeconds"] = spec["minReadySeconds"]
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"{meta.get('name', '')}-{pod_hash}", "namespace": meta.get("namespace", ""),
                         "labels": dict(tmeta["labels"]), "annotations": annotations,
                         "ownerReferences": [owner_reference(d)]},
            "spec": rs_spec}


def _sync_new_set(d: Obj, new: Obj, revision_number: int) -> list[Action]:
    """Bring an existing new ReplicaSet's revision, copied annotations and minReadySeconds up to date."""
    meta = new.get("metadata") or {}
    annotations = meta.get("annotations") or {}
    wanted = copied_annotations(d)
    patch_annotations = {k: v for k, v in wanted.items() if annotations.get(k) != v}
    old_revision = revision(new)
    if old_revision < revision_number:
        patch_annotations[REVISION] = str(revision_number)
        if old_revision:
            history = [h for h in str(annotations.get(REVISION_HISTORY, "")).split(",") if h]
            patch_annotations[REVISION_HISTORY] = ",".join([*history, str(old_revision)])
    patch: Obj = {}
    if patch_annotations:
        patch["metadata"] = {"annotations": patch_annotations}
    min_ready = (d.get("spec") or {}).get("minReadySeconds") or 0
    if ((new.get("spec") or {}).get("minReadySeconds") or 0) != min_ready:
        patch["spec"] = {"minReadySeconds": min_ready}
    if not patch:
        return []
    return [Patch(REPLICASET, meta.get("namespace", ""), meta.get("name", ""), patch)]


def _deployment_revision_patch(d: Obj, revision_number: int) -> list[Action]:
    meta = d.get("metadata") or {}
    if (meta.get("annotations") or {}).get(REVISION) == str(revision_number):
        return []
    return [Patch(DEPLOYMENT, meta.get("namespace", ""), meta.get("name", ""),
                  {"metadata": {"annotations": {REVISION: str(revision_number)}}})]


def reconcile_deployment(d: Obj, replica_sets: list[Obj], pods: list[Obj], now: datetime) -> DeploymentPlan:
    plan = DeploymentPlan()
    meta = d.get("metadata") or {}
    spec = d.get("spec") or {}
    try:
        selector = from_label_selector(spec.get("selector"))
    except SelectorError:
        return plan
    if selector.empty():
        return plan  # "selector must not be empty": validation refuses it; never adopt everything
    owned = claim(d, REPLICASET, replica_sets,
                  lambda rs: selector.matches((rs.get("metadata") or {}).get("labels") or {}))
    plan.actions.extend(owned.patches)
    sets = owned.owned
    template = spec.get("template") or {}
    matching = sorted((rs for rs in sets if equal_ignoring_hash((rs.get("spec") or {}).get("template") or {},
                                                                template)), key=_created)
    new = matching[0] if matching else None
    old = sorted((rs for rs in sets if rs is not new), key=_created)
    if meta.get("deletionTimestamp"):
        plan.status = progress.calculate_status(d, sets, new, now)
        plan.actions.extend(status_action(DEPLOYMENT, d, plan.status))
        return plan
    rollback_actions = rollback(d, sets)
    if rollback_actions:
        plan.actions.extend(rollback_actions)
        return plan

    r = Rollout(d, new, old)
    paused = bool(spec.get("paused"))
    revision_number = max_revision(old) + 1
    progress_reason = ""
    if new is not None:
        revision_number = max(revision_number, revision(new))
        r.actions.extend(_sync_new_set(d, new, revision_number))
        plan.new_replica_set = name_of(new)
    if paused or is_scaling_event(r):
        scale_proportionally(r)
    elif new is None:
        create = True
        replicas = 0
        if is_rolling(d):
            probe = Rollout(d, {"metadata": {"name": ""}, "spec": {"replicas": 0}}, old)
            replicas = new_replicas(probe)
        else:
            create = rollout_recreate(r, _pods_by_owner(pods))
            replicas = desired_replicas(d)
        if create:
            rs = new_replica_set(d, revision_number, replicas)
            event = None
            if replicas > 0:
                event = note(d, NORMAL, "ScalingReplicaSet", f"Scaled up replica set {name_of(rs)} to {replicas}")
            r.actions.append(Create(REPLICASET, rs, must_be_new=True, note=event))
            plan.new_replica_set = rs["metadata"]["name"]
            progress_reason = progress.NEW_RS_CREATED
    elif is_rolling(d):
        rollout_rolling(r)
    else:
        rollout_recreate(r, _pods_by_owner(pods))
    plan.actions.extend(r.actions)
    if plan.new_replica_set:
        plan.actions.extend(_deployment_revision_patch(d, revision_number))

    scaled = any(isinstance(a, Patch) and a.kind is REPLICASET and "spec" in a.patch and "replicas" in a.patch["spec"]
                 for a in r.actions)
    status = progress.calculate_status(d, sets, new, now)
    if paused:
        progress.set_condition(status, progress.PROGRESSING, "Unknown", progress.PAUSED, "Deployment is paused", now)
    else:
        cond = progress.get_condition(status, progress.PROGRESSING)
        if cond is not None and cond.get("reason") == progress.PAUSED:
            progress.set_condition(status, progress.PROGRESSING, "Unknown", progress.RESUMED,
                                   "Deployment is resumed", now)
        if progress_reason:
            progress.set_condition(status, progress.PROGRESSING, "True", progress_reason,
                                   f'Created new replica set "{plan.new_replica_set}"', now)
        else:
            if new is not None and progress.get_condition(status, progress.PROGRESSING) is None:
                progress.set_condition(status, progress.PROGRESSING, "True", progress.FOUND_NEW_RS,
                                       f'Found new replica set "{name_of(new)}"', now)
            plan.requeue_after = progress.sync_progress(d, status, new, now)
    if not scaled and new is not None and (paused or progress.is_complete(d, status)):
        for rs in history_to_clean(d, old):
            rmeta = rs.get("metadata") or {}
            plan.actions.append(Delete(REPLICASET, rmeta.get("namespace", ""), rmeta.get("name", ""),
                                       uid=rmeta.get("uid", "")))
    plan.status = status
    plan.actions.extend(status_action(DEPLOYMENT, d, status))
    return plan


def _pods_by_owner(pods: list[Obj]) -> dict[str, list[Obj]]:
    result: dict[str, list[Obj]] = {}
    for pod in pods:
        ref = controller_of(pod)
        if ref is not None:
            result.setdefault(str(ref.get("uid", "")), []).append(pod)
    return result
