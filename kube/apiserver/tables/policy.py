"""The poddisruptionbudgets table (printPodDisruptionBudget)."""

from __future__ import annotations

from typing import Any

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, as_int, meta, section

COLUMNS = (
    NAME,
    Column("Min Available", description="The minimum number of pods that must be available simultaneously"),
    Column("Max Unavailable", description="The maximum number of pods that may be unavailable simultaneously"),
    Column("Allowed Disruptions", type="integer", description="Calculated number of pods that may be "
           "disrupted at this time"),
    AGE,
)


def _bound(value: Any) -> str:
    return "N/A" if value is None else str(value)


def _row(pdb: Obj, now: float) -> list[Cell]:
    spec = section(pdb, "spec")
    return [meta(pdb).get("name", ""), _bound(spec.get("minAvailable")), _bound(spec.get("maxUnavailable")),
            as_int(section(pdb, "status").get("disruptionsAllowed")),
            age_since(meta(pdb).get("creationTimestamp"), now)]


PRINTERS = {("policy", "PodDisruptionBudget"): Printer(COLUMNS, _row)}
