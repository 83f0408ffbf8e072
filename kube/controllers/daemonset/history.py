"""A DaemonSet's history: ControllerRevisions, as Kubernetes keeps them (pkg/controller/daemon/update.go).

A revision's `data` is the patch that restores its template,
`{"spec": {"template": {..., "$patch": "replace"}}}`, which is what `kubectl rollout undo
daemonset` sends back as a strategic merge patch; its name is `<ds>-<hash>` with the hash of
the template (and collisionCount) that also labels the pods (`controller-revision-hash`).
The current template's revision is found by comparing data; a match that is not the newest
gets the next revision number (an undo), duplicates are merged and old revisions no live pod
uses go past revisionHistoryLimit.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.controllers.actions import Action, Create, Delete, Update
from kube.controllers.deployment.revisions import semantic, template_hash
from kube.controllers.ownership import owner_reference

CONTROLLER_REVISION = by_gvk("apps", "v1", "ControllerRevision")
assert CONTROLLER_REVISION is not None
HASH_LABEL = "controller-revision-hash"
REPLACE = "$patch"


def _go_form(value: Any) -> Any:
    """`value` with its maps' keys sorted, as Go's json.Marshal writes a map[string]interface{}."""
    if isinstance(value, dict):
        return {k: _go_form(value[k]) for k in sorted(value)}
    if isinstance(value, list):
        return [_go_form(v) for v in value]
    return value


def revision_data(ds: Obj) -> Obj:
    """The patch that restores this DaemonSet's template (getPatch), written as Kubernetes writes
    it: the typed template re-marshalled through a map, so sorted keys, and a container's
    `resources` present even when empty (a struct, never omitted). kubectl's `rollout undo`
    compares these bytes with its own patch of the live DaemonSet to skip a no-op rollback."""
    template = copy.deepcopy((ds.get("spec") or {}).get("template") or {})
    pod_spec = template.get("spec")
    if isinstance(pod_spec, dict):
        for key in ("initContainers", "containers"):
            for container in pod_spec.get(key) or []:
                if isinstance(container, dict):
                    container.setdefault("resources", {})
    template[REPLACE] = "replace"
    return _go_form({"spec": {"template": template}})


def ds_hash(ds: Obj) -> str:
    collisions = (ds.get("status") or {}).get("collisionCount")
    return template_hash((ds.get("spec") or {}).get("template") or {}, collisions)


def matches(ds: Obj, revision: Obj) -> bool:
    """The revision holds this DaemonSet's template (Match; compared as decoded values, not bytes)."""
    return semantic(revision.get("data")) == semantic(revision_data(ds))


def number(revision: Obj) -> int:
    try:
        return int(revision.get("revision") or 0)
    except (TypeError, ValueError):
        return 0


def new_revision(ds: Obj, revision: int, hash_: str) -> Obj:
    meta = ds.get("metadata") or {}
    labels = dict((((ds.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels") or {})
    labels[HASH_LABEL] = hash_
    rmeta: Obj = {"name": f"{meta.get('name', '')}-{hash_}", "namespace": meta.get("namespace", ""),
                  "labels": labels, "ownerReferences": [owner_reference(ds)]}
    if meta.get("annotations"):
        rmeta["annotations"] = dict(meta["annotations"])
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision", "metadata": rmeta,
            "data": revision_data(ds), "revision": revision}


@dataclass
class History:
    hash: str  # the current revision's, for pod labels
    current: Obj | None  # None: being created by `actions`
    old: list[Obj] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    collision: bool = False  # the name is taken by a revision of another template


def construct_history(ds: Obj, mine: list[Obj], revisions: list[Obj]) -> History:
    """The current revision (found, renumbered or to be created) and the old ones (constructHistory),
    from the revisions the DaemonSet controls (`mine`, adopted ones included) and all of its namespace."""
    current = [r for r in mine if matches(ds, r)]
    old = [r for r in mine if not matches(ds, r)]
    next_number = max((number(r) for r in old), default=0) + 1
    if not current:
        hash_ = ds_hash(ds)
        wanted = new_revision(ds, next_number, hash_)
        name = wanted["metadata"]["name"]
        taken = next((r for r in revisions if (r.get("metadata") or {}).get("name") == name), None)
        if taken is not None:
            return History(hash_, None, old, collision=True)
        return History(hash_, None, old, [Create(CONTROLLER_REVISION, wanted)])
    current.sort(key=lambda r: (number(r), (r.get("metadata") or {}).get("name", "")))
    keep, extra = current[-1], current[:-1]
    history = History((keep.get("metadata") or {}).get("labels", {}).get(HASH_LABEL)
                      or (keep.get("metadata") or {}).get("name", "").rpartition("-")[2], keep, old)
    for dup in extra:  # dedupCurHistories: pods of a duplicate are relabelled by the next rollout
        history.actions.append(_delete(dup))
    if number(keep) < next_number:
        renumbered = copy.deepcopy(keep)
        renumbered["revision"] = next_number
        history.actions.append(Update(CONTROLLER_REVISION, renumbered))
    return history


def _delete(revision: Obj) -> Delete:
    meta = revision.get("metadata") or {}
    return Delete(CONTROLLER_REVISION, meta.get("namespace", ""), meta.get("name", ""), meta.get("uid", ""))


def history_to_clean(ds: Obj, old: list[Obj], live_hashes: set[str]) -> list[Action]:
    """Old revisions past revisionHistoryLimit, oldest first, that no live pod runs (cleanupHistory)."""
    limit = (ds.get("spec") or {}).get("revisionHistoryLimit")
    limit = 10 if limit is None else int(limit)
    unused = [r for r in old if (r.get("metadata") or {}).get("labels", {}).get(HASH_LABEL) not in live_hashes]
    excess = len(old) - limit
    if excess <= 0:
        return []
    unused.sort(key=number)
    return [_delete(r) for r in unused[:excess]]
