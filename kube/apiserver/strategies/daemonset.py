"""DaemonSets and ReplicationControllers: a create resets the status their controller owns,
to the fields Kubernetes' encoder writes for an empty status (the counts are not omitempty).

A DaemonSet also carries its template generation, as apps/v1 shows Kubernetes' internal
`spec.templateGeneration`: the annotation `deprecated.daemonset.template.generation`, 1 on
create and one more whenever the (defaulted) template changes; the controller labels its pods
with it (`pod-template-generation`).
"""

from __future__ import annotations

import copy
from typing import ClassVar

from kube.api.meta import Obj
from kube.apiserver.strategies.base import Strategy

TEMPLATE_GENERATION = "deprecated.daemonset.template.generation"


def template_generation(obj: Obj) -> int:
    """The annotation's value; 0 when absent or unreadable (validation reports wrong types)."""
    meta = obj.get("metadata")
    annotations = meta.get("annotations") if isinstance(meta, dict) else None
    value = annotations.get(TEMPLATE_GENERATION) if isinstance(annotations, dict) else None
    try:
        return int(value) if isinstance(value, str) and len(value) < 20 else 0
    except ValueError:
        return 0


def _set_generation(obj: Obj, generation: int) -> None:
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        return
    annotations = meta.get("annotations")
    if annotations is None:
        annotations = meta["annotations"] = {}
    if isinstance(annotations, dict):  # any other type is left for validation to report
        annotations[TEMPLATE_GENERATION] = str(generation)


def _defaulted_template(obj: Obj) -> object:
    from kube.api.defaults import apply_defaults

    spec = obj.get("spec")
    return (apply_defaults(copy.deepcopy(obj)).get("spec") or {}).get("template") if isinstance(spec, dict) else None


class DaemonSetStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {"currentNumberScheduled": 0, "numberMisscheduled": 0,
                                            "desiredNumberScheduled": 0, "numberReady": 0}

    def prepare_create(self, obj: Obj) -> None:
        super().prepare_create(obj)
        _set_generation(obj, max(1, template_generation(obj)))

    def prepare_update(self, new: Obj, old: Obj) -> None:
        before = max(1, template_generation(old))
        if _defaulted_template(new) != _defaulted_template(old):
            _set_generation(new, before + 1)
        else:
            _set_generation(new, template_generation(new) or before)


class ReplicationControllerStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {"replicas": 0}
