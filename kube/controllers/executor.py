"""Carry out reconcile actions through the API client.

Outcomes that mean "already done" (404 on delete, 409 AlreadyExists on a fixed-name
create, a uid precondition that no longer matches) are not failures. A conflict on a
compare-and-swap write raises `Retry` so the work queue tries again with fresh state.
Pod creations go out in slow-start batches (1, 2, 4, ...): a template the API refuses
costs one request, not hundreds; the skipped creations are handed back to expectations.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from kube.api.meta import object_key
from kube.api.registry import by_api_version
from kube.client.errors import ApiError
from kube.client.rest import RestClient
from kube.controllers.actions import (
    NAMESPACE,
    POD,
    Action,
    Create,
    CreatePod,
    Delete,
    DeleteDependent,
    DeletePod,
    Finalize,
    Patch,
    Update,
    UpdateStatus,
    target,
)
from kube.controllers.events import WARNING, EventRecorder, Note

log = logging.getLogger("kube.controllers")
SLOW_START_INITIAL_BATCH = 1


class Retry(Exception):
    """The action lost a race (409) or the API failed; the key should be synced again."""


class AlreadyExists(Retry):
    """A create that must make a new object (a Deployment's next ReplicaSet) found the name taken."""

    def __init__(self, obj: dict) -> None:
        super().__init__(f"{obj.get('kind', 'object')} {object_key(obj)} already exists")
        self.obj = obj


class _Kept(Exception):
    """A Delete skipped because the object still has a live owner (no note, not a failure)."""


@dataclass
class ExecutorStats:
    sent: dict[str, int] = field(default_factory=dict)
    failed: int = 0

    def count(self, action: Action) -> None:
        name = type(action).__name__
        self.sent[name] = self.sent.get(name, 0) + 1


class Executor:
    def __init__(self, client: RestClient, field_manager: str = "kube-controller-manager") -> None:
        self.client = client
        self.field_manager = field_manager
        self.stats = ExecutorStats()

    async def run(self, actions: list[Action], who: str = "",
                  on_skipped_creates: Callable[[int], None] | None = None,
                  recorder: EventRecorder | None = None) -> None:
        """Execute in order; pod creations of one call go in slow-start batches. The notes of
        the actions that succeeded go to `recorder` (a refused pod creation: FailedCreate).
        Raises Retry after doing what could be done; AlreadyExists at once (the rest not done)
        when a create that must be new met an existing object."""
        creates = [a for a in actions if isinstance(a, CreatePod)]
        others = [a for a in actions if not isinstance(a, CreatePod)]
        retry: Exception | None = None
        if creates:
            try:
                await self.create_pods(creates, who, on_skipped_creates, recorder)
            except Retry as exc:
                retry = exc
        for action in others:
            try:
                await self.one(action, who, recorder)
            except AlreadyExists:
                raise  # what follows (revision, status) assumed that object was created
            except Retry as exc:
                retry = exc
        if retry is not None:
            raise retry

    async def create_pods(self, creates: list[CreatePod], who: str,
                          on_skipped: Callable[[int], None] | None, recorder: EventRecorder | None = None) -> None:
        done = 0
        batch = SLOW_START_INITIAL_BATCH
        while done < len(creates):
            chunk = creates[done:done + batch]
            results = await asyncio.gather(*(self.one(a, who, recorder) for a in chunk), return_exceptions=True)
            done += len(chunk)
            failures = [r for r in results if isinstance(r, BaseException)]
            if failures:
                skipped = len(creates) - done
                if on_skipped is not None:
                    on_skipped(skipped + len(failures))
                raise Retry(f"{len(failures)} of {len(chunk)} pod creations failed, {skipped} skipped: "
                            f"{failures[0]}")
            batch = min(batch * 2, len(creates) - done) or 1

    async def one(self, action: Action, who: str = "", recorder: EventRecorder | None = None) -> None:
        self.stats.count(action)
        try:
            name = await self._send(action, who)
        except _Kept:
            return
        except ApiError as exc:
            if exc.code == 404 and not isinstance(action, Create | CreatePod):
                return
            if exc.code == 409 and isinstance(action, Create) and action.must_be_new:
                raise AlreadyExists(action.obj) from exc
            if exc.code == 409 and isinstance(action, Delete | DeletePod | Create):
                return  # precondition uid changed (a newer object) / created already
            self.stats.failed += 1
            log.warning("%s: %s failed: %s %s", who, _describe(action), exc.code, exc.message)
            if recorder is not None and isinstance(action, CreatePod) and action.note is not None:
                recorder.record(Note(action.note.involved, WARNING, "FailedCreate", f"Error creating: {exc.message}"))
            raise Retry(str(exc)) from exc
        if recorder is not None and action.note is not None:
            n = action.note
            recorder.record(Note(n.involved, n.type, n.reason, n.message.replace("{name}", name)))

    async def _send(self, action: Action, who: str) -> str:
        """Carry out one action; the name of the object written."""
        c = self.client
        if isinstance(action, CreatePod):
            pod = await c.create(POD, action.pod, action.namespace, field_manager=self.field_manager)
            log.info("%s: created pod %s", who, pod["metadata"]["name"])
            return str(pod["metadata"]["name"])
        elif isinstance(action, DeletePod):
            await c.delete(POD, action.name, action.namespace, grace_period_seconds=action.grace_period,
                           preconditions={"uid": action.uid} if action.uid else None)
            log.info("%s: deleted pod %s/%s", who, action.namespace, action.name)
        elif isinstance(action, Create):
            obj = await c.create(action.kind, action.obj, field_manager=self.field_manager)
            log.info("%s: created %s %s", who, action.kind.kind, obj["metadata"]["name"])
            return str(obj["metadata"]["name"])
        elif isinstance(action, Update):
            await c.update(action.kind, action.obj, field_manager=self.field_manager)
            log.info("%s: updated %s %s", who, action.kind.kind, action.obj["metadata"].get("name"))
        elif isinstance(action, Delete):
            owners = action.owners if isinstance(action, DeleteDependent) else ()
            if owners and await self._any_owner_exists(owners, action.namespace):
                log.info("%s: %s %s/%s still has an owner, kept", who, action.kind.kind, action.namespace,
                         action.name)
                raise _Kept
            await c.delete(action.kind, action.name, action.namespace or None, propagation_policy=action.propagation,
                           grace_period_seconds=action.grace_period,
                           preconditions={"uid": action.uid} if action.uid else None)
            log.info("%s: deleted %s %s/%s (%s)", who, action.kind.kind, action.namespace, action.name,
                     action.propagation or "default")
        elif isinstance(action, Patch):
            await c.patch(action.kind, action.name, action.patch, action.namespace or None,
                          patch_type=action.patch_type, subresource=action.subresource,
                          field_manager=self.field_manager)
            log.info("%s: patched %s %s", who, action.kind.kind, action.name)
        elif isinstance(action, UpdateStatus):
            body = {**action.obj, "status": action.status}
            await c.update_status(action.kind, body)
            log.debug("%s: status of %s %s updated", who, action.kind.kind, action.obj["metadata"].get("name"))
        elif isinstance(action, Finalize):
            body = {"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": action.name, "resourceVersion": action.resource_version or None},
                    "spec": {"finalizers": list(action.finalizers)}}
            await c.update(NAMESPACE, body, subresource="finalize")
            log.info("%s: finalized namespace %s", who, action.name)
        else:
            raise TypeError(f"unknown action {action!r}")
        return target(action)[1]

    async def _any_owner_exists(self, owners: tuple, namespace: str) -> bool:
        for ref in owners:
            kind = by_api_version(str(ref.get("apiVersion", "")), str(ref.get("kind", "")))
            if kind is None:
                continue
            try:
                live = await self.client.get(kind, str(ref.get("name", "")), namespace or None)
            except ApiError as exc:
                if exc.code == 404:
                    continue
                raise
            if (live.get("metadata") or {}).get("uid") == ref.get("uid"):
                return True
        return False


def _describe(action: Action) -> str:
    kind, name = target(action)
    return f"{type(action).__name__} {kind} {name}"
