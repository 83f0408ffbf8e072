"""Pack a Service's desired endpoints into EndpointSlices with the least churn (the shape of
Kubernetes' endpointslice reconciler; pure: observed state in, actions out).

Per (addressType, ports) group: every existing slice keeps the endpoints still wanted
(refreshed in place) and drops the rest; only slices that changed are written. New
endpoints go first into slices being written anyway (fullest first), then into new slices
of at most `max_per_slice`; a last partial batch goes into an untouched slice with room
rather than a new one. A slice left empty is recycled for a needed creation of its address
type (an update, not a delete and a create), else deleted. A Service with no endpoints
keeps one placeholder slice with neither ports nor endpoints, as Kubernetes does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.controllers.actions import Action, Create, Delete, Update
from kube.controllers.endpointslice.desired import (
    GroupKey,
    address_types,
    desired_groups,
    endpoint_key,
    owner_reference,
    ports_json,
    ports_key,
    slice_labels,
)

ENDPOINTSLICE = by_gvk("discovery.k8s.io", "v1", "EndpointSlice")
assert ENDPOINTSLICE is not None
MAX_ENDPOINTS_PER_SLICE = 100
TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time"


def stamp_trigger_time(actions: list[Action], at: float) -> None:
    """Mark every slice written with when the change behind it happened (RFC 3339, micro-
    seconds): proxies observe now minus this once their rules hold it, which is Kubernetes'
    network programming latency (kubeproxy_network_programming_duration_seconds)."""
    stamp = datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    for action in actions:
        if isinstance(action, Create | Update):
            meta = action.obj.setdefault("metadata", {})
            meta["annotations"] = {**(meta.get("annotations") or {}), TRIGGER_TIME_ANNOTATION: stamp}


def _meta(obj: Obj) -> dict:
    return obj.get("metadata") or {}


@dataclass(frozen=True)
class Owner:
    """What the slices of one object carry: the Service's (this controller) or the
    Endpoints' (the mirroring controller) name, labels and controller reference."""

    name: str
    namespace: str
    labels: dict[str, str]
    reference: Obj

    @classmethod
    def of_service(cls, service: Obj) -> Owner:
        meta = _meta(service)
        return cls(meta.get("name", ""), meta.get("namespace", ""), slice_labels(service), owner_reference(service))


def _body(owner: Owner, group: GroupKey, endpoints: list[Obj], base: Obj | None) -> Obj:
    if base is None:
        meta: Obj = {"generateName": f"{owner.name}-", "namespace": owner.namespace}
    else:
        meta = dict(_meta(base))
    meta["labels"] = dict(owner.labels)
    meta["ownerReferences"] = [owner.reference]
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": meta,
            "addressType": group[0], "endpoints": endpoints, "ports": ports_json(group[1])}


def _current(slice_: Obj) -> tuple[GroupKey, list[Obj]]:
    return (str(slice_.get("addressType") or ""), ports_key(slice_.get("ports"))), list(slice_.get("endpoints") or [])


def _owned_by(slice_: Obj, owner: Owner) -> bool:
    """A controller reference to the owner's uid (not an older object of the same name)."""
    uid = owner.reference.get("uid")
    return any(r.get("uid") == uid and r.get("controller") for r in _meta(slice_).get("ownerReferences") or []
               if isinstance(r, dict))


def reconcile_slices(service: Obj | None, pods: list[Obj], slices: list[Obj], zones: Mapping[str, str],
                     max_per_slice: int = MAX_ENDPOINTS_PER_SLICE) -> list[Action]:
    """Actions that make `slices` (this controller's slices of the Service) match its pods;
    `zones` has every known Node's zone ("" for none). Slices of another Service of this
    name (an older uid) are deleted, never reused."""
    if service is None:
        return [Delete(ENDPOINTSLICE, _meta(s).get("namespace", ""), _meta(s).get("name", ""),
                       uid=_meta(s).get("uid", "")) for s in slices]
    spec = service.get("spec") or {}
    if not spec.get("selector") or spec.get("type") == "ExternalName":
        return []  # no slices from this controller, as Kubernetes (an ExternalName Service has no endpoints)
    wanted = desired_groups(service, pods, zones)
    owner = Owner.of_service(service)
    if not wanted:
        return _placeholder(owner, address_types(service)[0], slices)
    return reconcile_groups(owner, wanted, slices, max_per_slice)


def reconcile_groups(owner: Owner, wanted: dict[GroupKey, dict[str, Obj]], slices: list[Obj],
                     max_per_slice: int) -> list[Action]:
    """Pack `wanted` (endpoints by address type and ports, keyed per endpoint) into the owner's slices."""
    existing: dict[GroupKey, list[Obj]] = {}
    for s in sorted(slices, key=lambda s: _meta(s).get("name", "")):
        group, _ = _current(s)
        existing.setdefault(group, []).append(s)
    creates: list[tuple[GroupKey, list[Obj]]] = []
    updates: list[tuple[Obj, GroupKey, list[Obj]]] = []
    emptied: list[Obj] = []
    foreign = [s for group in existing.values() for s in group if not _owned_by(s, owner)]
    for group, members in existing.items():
        existing[group] = [s for s in members if _owned_by(s, owner)]
    for group in sorted(set(wanted) | set(existing)):
        _pack(owner, group, wanted.get(group, {}), existing.get(group, []), max_per_slice,
              creates, updates, emptied)
    actions: list[Action] = []
    for group, endpoints in creates:
        reuse = next((s for s in emptied if s.get("addressType") == group[0]), None)
        if reuse is not None:
            emptied.remove(reuse)
            actions.append(Update(ENDPOINTSLICE, _body(owner, group, endpoints, reuse)))
        else:
            actions.append(Create(ENDPOINTSLICE, _body(owner, group, endpoints, None)))
    actions += [Update(ENDPOINTSLICE, _body(owner, group, eps, s)) for s, group, eps in updates]
    actions += [Delete(ENDPOINTSLICE, _meta(s).get("namespace", ""), _meta(s).get("name", ""),
                       uid=_meta(s).get("uid", "")) for s in [*emptied, *foreign]]
    return actions


def _pack(owner: Owner, group: GroupKey, want: dict[str, Obj], slices: list[Obj], limit: int,
          creates: list, updates: list, emptied: list) -> None:
    placed: set[str] = set()
    changed: list[tuple[Obj, list[Obj]]] = []
    untouched: list[tuple[Obj, list[Obj]]] = []
    for s in slices:
        _, current = _current(s)
        keep: list[Obj] = []
        dirty = _meta(s).get("labels") != owner.labels or len(current) > limit
        for endpoint in current:
            ref = endpoint.get("targetRef") if isinstance(endpoint, dict) else None
            key = f"{ref.get('namespace', '')}/{ref['name']}" if ref and ref.get("name") else \
                endpoint_key(endpoint) if isinstance(endpoint, dict) else ""
            fresh = want.get(key)
            if fresh is None or key in placed or len(keep) == limit:
                dirty = True
                continue
            placed.add(key)
            keep.append(fresh)
            dirty = dirty or fresh != endpoint
        (changed if dirty or not keep else untouched).append((s, keep))  # an empty one is reused or goes
    new = [want[k] for k in sorted(want) if k not in placed]
    for _, keep in sorted(changed, key=lambda c: -len(c[1])):
        room = limit - len(keep)
        if room > 0 and new:
            keep.extend(new[:room])
            del new[:room]
    while new:
        batch, new = new[:limit], new[limit:]
        if len(batch) < limit:
            fits = [u for u in untouched if limit - len(u[1]) >= len(batch)]
            if fits:
                target = max(fits, key=lambda u: len(u[1]))
                untouched.remove(target)
                target[1].extend(batch)
                changed.append(target)
                continue
        creates.append((group, batch))
    for s, keep in changed:
        if keep:
            updates.append((s, group, keep))
        else:
            emptied.append(s)


def _placeholder(owner: Owner, family: str, slices: list[Obj]) -> list[Action]:
    """No endpoints: one slice with neither ports nor endpoints stays, every other goes."""
    group: GroupKey = (family, ())
    keep = next((s for s in sorted(slices, key=lambda s: (bool(s.get("endpoints")), _meta(s).get("name", "")))
                 if s.get("addressType") == family and _owned_by(s, owner)), None)
    actions: list[Action] = []
    if keep is None:
        actions.append(Create(ENDPOINTSLICE, _body(owner, group, [], None)))
    elif _current(keep) != (group, []) or _meta(keep).get("labels") != owner.labels:
        actions.append(Update(ENDPOINTSLICE, _body(owner, group, [], keep)))
    actions += [Delete(ENDPOINTSLICE, _meta(s).get("namespace", ""), _meta(s).get("name", ""),
                       uid=_meta(s).get("uid", "")) for s in slices if s is not keep]
    return actions
