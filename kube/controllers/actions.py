"""What a reconcile function asks for: small values the loop executes through the API.

Reconcile functions are pure (observed state in, these out), so tests check the
decisions directly and the loop (executor.py) alone does I/O. Kinds are the
registry's KindInfo, so one executor serves every controller. An action may carry
the `note` (Event) to record once it succeeded; "{name}" in its message becomes the
name of the object the action wrote (a created pod's generated name).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube.api.meta import Obj
from kube.api.registry import KindInfo, by_gvk
from kube.controllers.events import Note

POD = by_gvk("", "v1", "Pod")
NODE = by_gvk("", "v1", "Node")
SERVICE = by_gvk("", "v1", "Service")
ENDPOINTS = by_gvk("", "v1", "Endpoints")
NAMESPACE = by_gvk("", "v1", "Namespace")
LEASE = by_gvk("coordination.k8s.io", "v1", "Lease")
REPLICASET = by_gvk("apps", "v1", "ReplicaSet")
DEPLOYMENT = by_gvk("apps", "v1", "Deployment")
assert None not in (POD, NODE, SERVICE, ENDPOINTS, NAMESPACE, LEASE, REPLICASET, DEPLOYMENT)



@dataclass(frozen=True)
class CreatePod:
    """Create one pod from a controller's template (the server picks the name from generateName)."""

    namespace: str
    pod: Obj = field(hash=False, compare=True)
    owner_key: str = ""  # the controller's work-queue key, for expectations
    note: Note | None = field(default=None, compare=False)


@dataclass(frozen=True)
class DeletePod:
    namespace: str
    name: str
    uid: str = ""  # a precondition: never delete a newer pod of the same name
    grace_period: int | None = None
    owner_key: str = ""
    note: Note | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Create:
    """Create an object; `must_be_new`: an existing one of that name is not "done already"
    but AlreadyExists (a pod-template-hash collision for a Deployment's ReplicaSet)."""

    kind: KindInfo
    obj: Obj = field(hash=False)
    must_be_new: bool = False
    note: Note | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Update:
    """PUT the whole object; its resourceVersion makes it a compare-and-swap."""

    kind: KindInfo
    obj: Obj = field(hash=False)
    note: Note | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Delete:
    kind: KindInfo
    namespace: str
    name: str
    uid: str = ""
    propagation: str | None = None
    grace_period: int | None = None
    note: Note | None = field(default=None, compare=False)


@dataclass(frozen=True)
class DeleteDependent(Delete):
    """Delete, unless one of `owners` (ownerReferences) turns out to exist after all: the garbage
    collector decides from a cache that may lag, so the executor re-checks them live first."""

    owners: tuple = field(default=(), hash=False)


@dataclass(frozen=True)
class Patch:
    """A merge patch (or json patch) on an object or one of its subresources."""

    kind: KindInfo
    namespace: str
    name: str
    patch: Any = field(hash=False)
    patch_type: str = "merge"
    subresource: str | None = None
    note: Note | None = field(default=None, compare=False)


@dataclass(frozen=True)
class UpdateStatus:
    """Replace `status` through the status subresource (only when it changed)."""

    kind: KindInfo
    obj: Obj = field(hash=False)
    status: Obj = field(hash=False)
    note: Note | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Finalize:
    """Set a Namespace's spec.finalizers through /finalize (the last step of deleting it)."""

    name: str
    finalizers: tuple[str, ...]
    resource_version: str = ""
    note: Note | None = field(default=None, compare=False)


Action = CreatePod | DeletePod | Create | Update | Delete | Patch | UpdateStatus | Finalize


def target(action: Action) -> tuple[str, str]:
    """The kind and name of the object an action is about ("" for a pod not created yet)."""
    if isinstance(action, CreatePod):
        return "Pod", ""
    if isinstance(action, DeletePod):
        return "Pod", action.name
    if isinstance(action, Finalize):
        return "Namespace", action.name
    if isinstance(action, Create | Update | UpdateStatus):
        return action.kind.kind, str((action.obj.get("metadata") or {}).get("name", ""))
    return action.kind.kind, action.name


def status_action(kind: KindInfo, obj: Obj, status: Obj) -> list[Action]:
    """An UpdateStatus when `status` differs from what the object has, else nothing."""
    return [] if (obj.get("status") or {}) == status else [UpdateStatus(kind, obj, status)]

