"""Pod events -> the key of the controller that owns (or could adopt) the pod, with the
controller's expectations lowered as its creations and deletions are seen.

ReplicaSets, ReplicationControllers and DaemonSets track their pods the same way
(Kubernetes' addPod/updatePod/deletePod of ReplicaSetController and DaemonSetsController):
one home for it, so an adoption or expectations fix lands in every owner at once."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from kube.api.meta import Obj, join_key
from kube.controllers.expectations import Expectations
from kube.controllers.loop import final_state, obj_key
from kube.controllers.ownership import controller_of
from kube.controllers.pod_state import is_terminating


class OwnedPods:
    """The three pod handlers of an owner kind, feeding `enqueue` and `expectations`."""

    def __init__(self, owner_kind: str, expectations: Expectations, enqueue: Callable[[str], None],
                 adopters: Callable[[Obj], Iterable[str]]) -> None:
        self.owner_kind = owner_kind
        self.expectations = expectations
        self.enqueue = enqueue
        self.adopters = adopters  # owners whose selector matches an orphan pod

    def owner_key(self, obj: Obj) -> str | None:
        """namespace/name of the controlling owner when it is of our kind."""
        ref = controller_of(obj)
        if ref is None or ref.get("kind") != self.owner_kind:
            return None
        return join_key((obj.get("metadata") or {}).get("namespace"), str(ref.get("name", "")))

    def added(self, pod: Obj) -> None:
        owner = self.owner_key(pod)
        if owner is None:
            for key in self.adopters(pod):
                self.enqueue(key)
            return
        if is_terminating(pod):
            self.expectations.deletion_observed(owner, obj_key(pod))
        else:
            self.expectations.creation_observed(owner)
        self.enqueue(owner)

    def updated(self, old: Obj, new: Obj) -> None:
        owner, old_owner = self.owner_key(new), self.owner_key(old)
        if is_terminating(new) and not is_terminating(old) and owner is not None:
            self.expectations.deletion_observed(owner, obj_key(new))
        for key in {owner, old_owner} - {None}:
            self.enqueue(key)  # type: ignore[arg-type]
        if owner is None and (old.get("metadata") or {}).get("labels") != (new.get("metadata") or {}).get("labels"):
            for key in self.adopters(new):
                self.enqueue(key)

    def deleted(self, obj: object) -> None:
        owner = self.owner_key(final_state(obj))
        if owner is not None:
            self.expectations.deletion_observed(owner, obj_key(obj))
            self.enqueue(owner)

    def attach(self, informer: object) -> None:
        informer.add_handler(self.added, self.updated, self.deleted)  # type: ignore[attr-defined]
