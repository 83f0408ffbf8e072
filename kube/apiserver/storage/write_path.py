"""The two ways an object is written, shared by every verb and subresource.

`create_object` and `update_object` apply the lifecycle rules, the kind's
strategy hooks (`strategies/`: allocations, leases) and the store's
compare-and-swap. `update_object` takes a
transform of the current object, so it can retry from a fresh read when another
writer got in first: a precondition the client set (its resourceVersion) then
fails as 409 Conflict, while an unconditional write simply goes through.
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable

from kube.api.errors import StatusError, conflict, invalid_object, not_found
from kube.api.errors import required as field_required
from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.apiserver.admission import pod_security
from kube.apiserver.state import ServerState
from kube.apiserver.storage import lifecycle
from kube.apiserver.storage.object_store import MODIFIED_MESSAGE
from kube.apiserver.strategies import strategy_for
from kube.apiserver.strategies.namespace import check_writable

Transform = Callable[[Obj | None], Obj | Awaitable[Obj]]
MAX_ATTEMPTS = 16


async def create_object(state: ServerState, kind: KindInfo, obj: Obj, *,
                        dry_run: bool = False) -> Obj:
    """Name, namespace check, server metadata, defaults and validation, hooks, then the store."""
    meta = obj["metadata"]
    generated = lifecycle.generate_name(meta)
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        raise invalid_object(kind.kind, "", [field_required("metadata.name", "name or generateName is required")],
                             kind.group)
    await check_writable(state, kind, meta.get("namespace", ""), name)
    lifecycle.prepare_create(kind, obj)
    obj = lifecycle.admit(kind, obj)
    await pod_security.admit(state, kind, obj, None, "")
    strategy = strategy_for(kind)
    await strategy.admit(state, obj, None)
    if dry_run:
        return obj
    lease = await strategy.lease(state)
    for attempt in range(5):
        claimed = await strategy.before_create(state, obj)
        try:
            return await state.objects.create(kind, claimed, lease=lease)
        except BaseException as exc:
            await strategy.undo_create(state, claimed)
            retry = isinstance(exc, StatusError) and exc.reason == "AlreadyExists" and generated and attempt < 4
            if not retry:
                raise
        meta["name"] = ""  # a generated name was taken: claim again under a new one
        lifecycle.generate_name(meta)
    raise AssertionError("unreachable")


def _deletable_now(kind: KindInfo, obj: Obj) -> bool:
    """Marked for deletion with nothing left to wait for: the write that got it here deletes it."""
    meta = obj["metadata"]
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return False
    if strategy_for(kind).waits_before_removal(obj):
        return False
    return not meta.get("deletionGracePeriodSeconds")


async def update_object(state: ServerState, kind: KindInfo, namespace: str, name: str, transform: Transform, *,
                        subresource: str = "", allow_create: bool = False, dry_run: bool = False,
                        ) -> tuple[Obj, bool]:
    """Read, transform, check, write; retried on a lost compare-and-swap. Returns (object, created)."""
    for _ in range(MAX_ATTEMPTS):
        old = await state.objects.get(kind, namespace, name)
        if old is None:
            if not allow_create:
                raise not_found(kind.plural, name, kind.group)
            new = await _call(transform, None)
            new["metadata"].pop("resourceVersion", None)
            try:
                return await create_object(state, kind, new, dry_run=dry_run), True
            except StatusError as exc:
                if exc.reason == "AlreadyExists":
                    continue  # created meanwhile: update it instead
                raise
        old_rv = old["metadata"]["resourceVersion"]
        current = copy.deepcopy(old)
        del current["metadata"]["resourceVersion"]  # set in the result only when the client asks a precondition
        new = await _call(transform, current)
        wanted_rv = new["metadata"].get("resourceVersion")
        if wanted_rv not in (None, "") and str(wanted_rv) != old_rv:
            raise conflict(kind.plural, name, MODIFIED_MESSAGE, kind.group)
        new["metadata"]["resourceVersion"] = old_rv
        new = lifecycle.prepare_update(kind, old, new, subresource)
        new = lifecycle.admit(kind, new, old)
        await pod_security.admit(state, kind, new, old, subresource)
        await strategy_for(kind).admit(state, new, old)
        if subresource:
            await strategy_for(kind).admit_subresource(state, subresource, new, old)
        if lifecycle.same_content(old, new) and not state.objects.needs_rewrite(kind, old):
            return old, False
        if dry_run:
            return new, False
        new = await strategy_for(kind).before_update(state, old, new)
        try:
            if _deletable_now(kind, new):
                await state.objects.delete(kind, namespace, name, expected_revision=int(old_rv))
                await after_delete(state, kind, new)
                return new, False
            updated = await state.objects.update(kind, new, int(old_rv))
        except StatusError as exc:
            if exc.reason == "Conflict" and wanted_rv in (None, ""):
                continue
            raise
        return updated, False
    raise conflict(kind.plural, name, MODIFIED_MESSAGE, kind.group)


async def after_delete(state: ServerState, kind: KindInfo, obj: Obj) -> None:
    await strategy_for(kind).after_delete(state, obj)


async def _call(transform: Transform, value: Obj | None) -> Obj:
    result = transform(value)
    if isinstance(result, Awaitable):
        result = await result
    return result  # type: ignore[return-value]
