"""The APF bootstrap configuration at every API server start, as Kubernetes' ensurer
(`pkg/registry/flowcontrol/ensurer`, the `priority-and-fairness-config-producer` post-start hook).

Every missing mandatory or suggested FlowSchema and PriorityLevelConfiguration is created. An
existing mandatory object always gets its bootstrap spec back (so requests always have an
`exempt` and a `catch-all` to go to). An existing suggested one is brought up to date only while
its `apf.kubernetes.io/autoupdate-spec` annotation says true (or, without a readable annotation,
while its generation is still 1: nobody has edited it); with "false" it is the admin's. The
annotation is set to what was decided. Objects that are not in the bootstrap configuration are
never touched: unlike Kubernetes, no previously suggested object is deleted. A start that finds
everything in place writes nothing.
"""

from __future__ import annotations

import copy
import logging

from kube.api import meta
from kube.api.errors import StatusError
from kube.api.meta import Obj
from kube.api.registry import by_gvk
from kube.apiserver.flowcontrol.bootstrap_objects import objects
from kube.apiserver.state import ServerState
from kube.apiserver.storage.write_path import create_object, update_object

log = logging.getLogger("kube.apiserver.flowcontrol")

GROUP = "flowcontrol.apiserver.k8s.io"
AUTOUPDATE = "apf.kubernetes.io/autoupdate-spec"
_TRUE, _FALSE = ("1", "t", "T", "true", "TRUE", "True"), ("0", "f", "F", "false", "FALSE", "False")


def parse_bool(value: object) -> bool | None:
    """Go's strconv.ParseBool; None for anything else (a missing or malformed annotation)."""
    return True if value in _TRUE else False if value in _FALSE else None


def updates_spec(current: Obj, mandatory: bool) -> bool:
    """shouldUpdateSpec: always for a mandatory object; else as the annotation says, or (without
    one) only while the object is unedited."""
    if mandatory:
        return True
    wanted = parse_bool(meta.annotations(current).get(AUTOUPDATE))
    return wanted if wanted is not None else meta.metadata(current).get("generation") == 1


def specs_equalish(bootstrap: Obj, current: Obj) -> bool:
    """SpecEqualish: equal specs, except that the exempt level's `spec.exempt` values are the admin's."""
    expected = copy.deepcopy(bootstrap.get("spec"))
    actual = current.get("spec")
    if bootstrap["kind"] == "PriorityLevelConfiguration" and meta.name(bootstrap) == "exempt":
        exempt = actual.get("exempt") if isinstance(actual, dict) else None
        if not isinstance(exempt, dict):
            return False
        for key in ("nominalConcurrencyShares", "lendablePercent"):
            expected["exempt"][key] = exempt.get(key)
    return expected == actual


def revised(current: Obj, bootstrap: Obj, mandatory: bool) -> Obj | None:
    """ReviseIfNeeded: the object to write in place of `current`, or None when it is up to date."""
    auto = updates_spec(current, mandatory)
    annotation_stale = parse_bool(meta.annotations(current).get(AUTOUPDATE)) is not auto
    spec_stale = auto and not specs_equalish(bootstrap, current)
    if not (annotation_stale or spec_stale):
        return None
    out = copy.deepcopy(current)
    if spec_stale:
        out["spec"] = copy.deepcopy(bootstrap["spec"])
    if annotation_stale:
        out_meta = out.setdefault("metadata", {})
        out_meta["annotations"] = {**(out_meta.get("annotations") or {}), AUTOUPDATE: "true" if auto else "false"}
    return out


def bootstrap_configuration() -> list[tuple[Obj, bool]]:
    """(object, mandatory) for every bootstrap object, priority levels before the schemas naming them."""
    out: list[tuple[Obj, bool]] = []
    for part in ("mandatory", "suggested"):
        flow_schemas, priority_levels = objects(part)
        out += [(copy.deepcopy(obj), part == "mandatory") for obj in (*priority_levels, *flow_schemas)]
    return out


async def _ensure(state: ServerState, bootstrap: Obj, mandatory: bool) -> None:
    kind = by_gvk(GROUP, "v1", bootstrap["kind"])
    assert kind is not None
    name = meta.name(bootstrap)
    current = await state.objects.get(kind, "", name)
    if current is None:
        await create_object(state, kind, copy.deepcopy(bootstrap))
        log.info("created the %s %s %s", "mandatory" if mandatory else "suggested", bootstrap["kind"], name)
        return
    if revised(current, bootstrap, mandatory) is None:
        return
    await update_object(state, kind, "", name, lambda cur: revised(cur, bootstrap, mandatory) or cur)
    log.info("brought the %s %s %s up to date", "mandatory" if mandatory else "suggested", bootstrap["kind"], name)


async def ensure_flowcontrol_configuration(state: ServerState) -> None:
    """EnsureConfigurations for the mandatory, then the suggested objects; harmless on every restart."""
    for bootstrap, mandatory in bootstrap_configuration():
        try:
            await _ensure(state, bootstrap, mandatory)
        except StatusError as exc:
            if exc.reason not in ("AlreadyExists", "Conflict"):  # another API server got there first
                raise
