"""FlowSchemas and PriorityLevelConfigurations, as Kubernetes' `pkg/registry/flowcontrol/*/strategy.go`:
status starts empty and is written only through /status; the mandatory objects (`exempt`,
`catch-all`) keep the spec of the bootstrap configuration (ValidateFlowSchema,
ValidateIfMandatoryPriorityLevelConfigurationObject) — only the exempt level's `spec.exempt`
(its shares and lendable percent) is the admin's to tune."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

from kube.api import meta
from kube.api.errors import FieldError, invalid
from kube.api.meta import Obj
from kube.apiserver.flowcontrol.bootstrap_objects import objects
from kube.apiserver.strategies.base import Strategy

EXEMPT = "exempt"


def mandatory_spec(kind: str, name: str) -> dict[str, Any] | None:
    """The fixed spec of the mandatory FlowSchema or PriorityLevelConfiguration `name`, or None."""
    flow_schemas, priority_levels = objects("mandatory")
    for obj in flow_schemas if kind == "FlowSchema" else priority_levels:
        if obj["metadata"]["name"] == name:
            return copy.deepcopy(obj["spec"])
    return None


def _without_exempt(spec: Any) -> Any:
    return {k: v for k, v in spec.items() if k != "exempt"} if isinstance(spec, dict) else spec


class _FlowControlStrategy(Strategy):
    initial_status: ClassVar[Obj | None] = {}
    kind: ClassVar[str]

    def validate(self, obj: Obj, old: Obj | None) -> list[FieldError]:
        errs = super().validate(obj, old)
        name = meta.name(obj)
        fixed = mandatory_spec(self.kind, name)
        if fixed is None:
            return errs
        spec = obj.get("spec")
        have, want, detail = spec, fixed, "must equal the fixed value"
        if self.kind == "PriorityLevelConfiguration" and name == EXEMPT:
            have, want = _without_exempt(spec), _without_exempt(fixed)
            detail = "except the 'spec.exempt' field must equal the fixed value"
        if have != want:
            errs.append(invalid("spec", spec, f"spec of '{name}' {detail}"))
        return errs


class FlowSchemaStrategy(_FlowControlStrategy):
    kind = "FlowSchema"


class PriorityLevelConfigurationStrategy(_FlowControlStrategy):
    kind = "PriorityLevelConfiguration"
