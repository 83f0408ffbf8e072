"""The flowschemas and prioritylevelconfigurations tables (printFlowSchema,
printPriorityLevelConfiguration): NAME PRIORITYLEVEL MATCHINGPRECEDENCE DISTINGUISHERMETHOD AGE
MISSINGPL, and NAME TYPE NOMINALCONCURRENCYSHARES QUEUES HANDSIZE QUEUELENGTHLIMIT AGE.
Column descriptions are the fields' own, from Kubernetes' schema."""

from __future__ import annotations

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.api.schemas import definitions
from kube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, items, meta, section

GROUP = "flowcontrol.apiserver.k8s.io"
DANGLING = "Dangling"  # the condition APF's config controller sets on a schema whose level is missing


def _doc(definition: str, field: str) -> str:
    prop = definitions()[f"io.k8s.api.flowcontrol.v1.{definition}"]["properties"][field]
    return str(prop.get("description", ""))


FLOW_SCHEMA_COLUMNS = (
    NAME,
    Column("PriorityLevel", description=_doc("PriorityLevelConfigurationReference", "name")),
    Column("MatchingPrecedence", description=_doc("FlowSchemaSpec", "matchingPrecedence")),
    Column("DistinguisherMethod", description=_doc("FlowSchemaSpec", "distinguisherMethod")),
    AGE,
    Column("MissingPL", description="references a broken or non-existent PriorityLevelConfiguration"),
)

PRIORITY_LEVEL_COLUMNS = (
    NAME,
    Column("Type", description=_doc("PriorityLevelConfigurationSpec", "type")),
    Column("NominalConcurrencyShares", description=_doc("LimitedPriorityLevelConfiguration",
                                                        "nominalConcurrencyShares")),
    Column("Queues", description=_doc("QueuingConfiguration", "queues")),
    Column("HandSize", description=_doc("QueuingConfiguration", "handSize")),
    Column("QueueLengthLimit", description=_doc("QueuingConfiguration", "queueLengthLimit")),
    AGE,
)


def _number(value: object) -> Cell:
    return value if isinstance(value, int) and not isinstance(value, bool) else "<none>"


def _flow_schema_row(fs: Obj, now: float) -> list[Cell]:
    spec = section(fs, "spec")
    method = section(spec, "distinguisherMethod").get("type") if spec.get("distinguisherMethod") else None
    missing = next((str(c.get("status", "")) for c in items(section(fs, "status").get("conditions"))
                    if c.get("type") == DANGLING), "?")
    return [meta(fs).get("name", ""), str(section(spec, "priorityLevelConfiguration").get("name") or ""),
            _number(spec.get("matchingPrecedence")), str(method) if method else "<none>",
            age_since(meta(fs).get("creationTimestamp"), now), missing]


def _priority_level_row(pl: Obj, now: float) -> list[Cell]:
    spec = section(pl, "spec")
    cells: list[Cell] = ["<none>"] * 4
    if isinstance(spec.get("limited"), dict):
        limited = section(spec, "limited")
        queuing = section(section(limited, "limitResponse"), "queuing")
        cells = [_number(limited.get("nominalConcurrencyShares"))]
        cells += [_number(queuing.get(k)) if queuing else "<none>" for k in ("queues", "handSize", "queueLengthLimit")]
    return [meta(pl).get("name", ""), str(spec.get("type") or ""), *cells,
            age_since(meta(pl).get("creationTimestamp"), now)]


PRINTERS = {
    (GROUP, "FlowSchema"): Printer(FLOW_SCHEMA_COLUMNS, _flow_schema_row),
    (GROUP, "PriorityLevelConfiguration"): Printer(PRIORITY_LEVEL_COLUMNS, _priority_level_row),
}
