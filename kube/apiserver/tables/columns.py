"""Column definitions and the printer record every per-kind table module fills in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kube.api.meta import Obj

Cell = str | int | float | bool | None


@dataclass(frozen=True)
class Column:
    """One meta.k8s.io/v1 TableColumnDefinition; priority 1 = shown only with `-o wide`."""

    name: str
    type: str = "string"
    format: str = ""
    description: str = ""
    priority: int = 0

    def definition(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type, "format": self.format,
                "description": self.description, "priority": self.priority}


NAME = Column("Name", format="name",
              description="Name must be unique within a namespace. Cannot be updated.")
AGE = Column("Age", description="CreationTimestamp is a timestamp representing the server time when "
             "this object was created.")


@dataclass(frozen=True)
class Printer:
    """The columns of a kind and the function turning one object into its cells.

    `row` gets the object and `now` (epoch seconds) and returns one cell per
    column (wide ones included: the server always sends them, kubectl hides
    priority > 0 unless `-o wide`). `conditions` optionally adds row conditions.
    """

    columns: tuple[Column, ...]
    row: Callable[[dict[str, Any], float], list[Cell]]
    conditions: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None


def meta(obj: Obj) -> dict[str, Any]:
    m = obj.get("metadata")
    return m if isinstance(m, dict) else {}


def section(obj: Obj, name: str) -> dict[str, Any]:
    """obj[name] when it is a mapping, else {} (tables must never fail on odd objects)."""
    value = obj.get(name)
    return value if isinstance(value, dict) else {}


def items(value: Any) -> list[dict[str, Any]]:
    """The mappings in a list field, ignoring anything malformed."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def or_none(text: str) -> str:
    return text if text else "<none>"


def format_labels(labels: Any) -> str:
    """`a=b,c=d` sorted by key, `<none>` when empty (labels.FormatLabels)."""
    if not isinstance(labels, dict) or not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def format_label_selector(selector: Any) -> str:
    """A LabelSelector as kubectl prints it (metav1.FormatLabelSelector)."""
    if not isinstance(selector, dict):
        return "<none>"
    parts: list[str] = []
    match_labels = selector.get("matchLabels")
    if isinstance(match_labels, dict):
        parts.extend(f"{k}={match_labels[k]}" for k in sorted(match_labels))
    for expr in items(selector.get("matchExpressions")):
        key, op = expr.get("key", ""), expr.get("operator", "")
        values = expr.get("values") or []
        if op == "In":
            parts.append(f"{key} in ({','.join(map(str, values))})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(map(str, values))})")
        elif op == "Exists":
            parts.append(str(key))
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    text = ",".join(parts)
    return text if text else "<none>"


def containers_and_images(pod_spec: dict[str, Any]) -> tuple[str, str]:
    """The CONTAINERS and IMAGES wide cells of workload kinds."""
    containers = items(pod_spec.get("containers"))
    return (",".join(str(c.get("name", "")) for c in containers),
            ",".join(str(c.get("image", "")) for c in containers))


def as_int(value: Any, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default
