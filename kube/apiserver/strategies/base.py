"""The Strategy: everything kind-specific about writing one kind, as Kubernetes'
`pkg/registry/<group>/<kind>/strategy.go` holds it.

The generic write path (`storage/write_path.py`, `storage/lifecycle.py`,
`storage/delete_path.py`) calls these hooks in a fixed order and names no kind:

    create:  lifecycle.prepare_create -> prepare_create -> defaults -> validate -> admit
             -> (a dry run stops here) -> lease -> before_create (allocations)
             -> store create (undo_create if it fails)
    update:  lifecycle.prepare_update -> prepare_update (or prepare_subresource_update) -> defaults
             -> validate -> admit (then admit_subresource) -> (a dry run stops here) -> before_update -> store update
    delete:  deletion_grace / waits_before_removal decide mark-or-remove
             -> on_deletion_marked when marked -> after_delete once removed

The base class is the rule for every kind without a module of its own: all hooks
are no-ops, nothing is created on update, a delete answers a Status.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, ClassVar

from kube.api.errors import FieldError
from kube.api.meta import Obj

if TYPE_CHECKING:
    from kube.apiserver.state import ServerState


class Strategy:
    # AllowCreateOnUpdate: a PUT to a missing name creates it
    allow_create_on_update: ClassVar[bool] = False
    # ReturnDeletedObject: DELETE answers the object rather than a Status
    returns_deleted_object: ClassVar[bool] = False
    # the status a create starts from (the controllers and agents fill it in); None keeps the client's
    initial_status: ClassVar[Obj | None] = None
    # DefaultGarbageCollectionPolicy: the propagationPolicy of a delete that names none ("" = Background)
    default_propagation: ClassVar[str] = ""

    def prepare_create(self, obj: Obj) -> None:
        """PrepareForCreate: reset what the server owns of this kind (by default its status, when it has one)."""
        if self.initial_status is not None:
            obj["status"] = copy.deepcopy(self.initial_status)

    def prepare_update(self, new: Obj, old: Obj) -> None:
        """PrepareForUpdate on the main resource (not /status or /finalize): carry over what a PUT may not change."""

    def prepare_subresource_update(self, subresource: str, new: Obj, old: Obj) -> Obj | None:
        """PrepareForUpdate of a subresource with rules of its own (a CSR's /approval and /status):
        the object to store, built from `old`; None keeps the generic rule (status, finalize)."""
        return None

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        """Field errors of the object (and of the change from `old`); the rules live in kube.api.validation."""
        from kube.api.validation import validate

        return validate(obj, old)

    async def admit(self, state: ServerState, obj: Obj, old: Obj | None) -> None:
        """Validating admission that depends on who writes (RBAC escalation, NodeRestriction); may
        raise a Status. It runs before a dry run stops, so `?dryRun=All` is refused where the
        write would be, as Kubernetes runs every admission stage on a dry run."""

    async def admit_subresource(self, state: ServerState, subresource: str, obj: Obj, old: Obj) -> None:
        """Admission of a write through a subresource, after `admit` (who may approve or sign a CSR)."""

    async def before_create(self, state: ServerState, obj: Obj) -> Obj:
        """Claim what the object needs before it is stored (a Service's IP and ports); may raise a Status."""
        return obj

    async def undo_create(self, state: ServerState, obj: Obj) -> None:
        """The store refused the create after before_create: give back what it claimed."""

    async def before_update(self, state: ServerState, old: Obj, new: Obj) -> Obj:
        """Claim (or release) what the change needs before it is stored."""
        return new

    async def lease(self, state: ServerState) -> int:
        """A store lease the object is written under (it expires with it); 0 for none."""
        return 0

    def deletion_grace(self, obj: Obj, requested: int | None) -> int:
        """Seconds the object stays marked before it goes; 0 removes it at once (unless finalizers wait)."""
        return 0

    def waits_before_removal(self, obj: Obj) -> bool:
        """Something besides metadata.finalizers must happen before a marked object goes."""
        return False

    def on_deletion_marked(self, obj: Obj) -> None:
        """The object just got its deletionTimestamp: kind-specific marks (a namespace's Terminating phase)."""

    async def after_delete(self, state: ServerState, obj: Obj) -> None:
        """The object is gone from the store: release what it held."""


DEFAULT = Strategy()
