"""Printing meta.k8s.io/v1 Tables the way `kubectl get` does: upper-case headers,
columns padded by three spaces, priority-1 columns only with `-o wide`, a
NAMESPACE column first across namespaces."""

from __future__ import annotations

from typing import Any

from kube.api.age import age_since as age_of

PADDING = 3


def is_table(doc: Any) -> bool:
    return isinstance(doc, dict) and doc.get("kind") == "Table" and "columnDefinitions" in doc


def cell_text(value: Any) -> str:
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(cell_text(v) for v in value)
    return str(value)


def columns_shown(table: dict[str, Any], wide: bool) -> list[int]:
    return [i for i, col in enumerate(table.get("columnDefinitions") or [])
            if wide or int(col.get("priority", 0) or 0) == 0]


def table_rows(table: dict[str, Any], *, wide: bool = False, with_namespace: bool = False,
               name_prefix: str = "", header: bool = True) -> list[list[str]]:
    """Header + rows as cell texts (not yet aligned)."""
    shown = columns_shown(table, wide)
    definitions = table.get("columnDefinitions") or []
    rows: list[list[str]] = []
    if header:
        head = [str(definitions[i].get("name", "")).upper() for i in shown]
        rows.append((["NAMESPACE"] if with_namespace else []) + head)
    name_column = next((pos for pos, i in enumerate(shown) if definitions[i].get("format") == "name"), 0)
    for row in table.get("rows") or []:
        cells = row.get("cells") or []
        texts = [cell_text(cells[i]) if i < len(cells) else "" for i in shown]
        if name_prefix and texts:
            texts[name_column] = name_prefix + texts[name_column]
        if with_namespace:
            namespace = ((row.get("object") or {}).get("metadata") or {}).get("namespace", "")
            texts.insert(0, namespace)
        rows.append(texts)
    return rows


def align(rows: list[list[str]], widths: list[int] | None = None) -> list[str]:
    """Left-aligned columns, each padded to its widest cell plus three spaces; no trailing blanks."""
    widths = widths or column_widths(rows)
    lines = []
    for row in rows:
        parts = [text.ljust(widths[i] + PADDING) if i < len(row) - 1 else text for i, text in enumerate(row)]
        lines.append("".join(parts).rstrip())
    return lines


def column_widths(rows: list[list[str]]) -> list[int]:
    widths: list[int] = []
    for row in rows:
        for i, text in enumerate(row):
            if i >= len(widths):
                widths.append(0)
            widths[i] = max(widths[i], len(text))
    return widths


def list_as_table(items: list[dict[str, Any]], now: float | None = None) -> dict[str, Any]:
    """A NAME/AGE Table for servers that answer a plain list (what kubectl shows without Table support)."""
    return {
        "kind": "Table", "apiVersion": "meta.k8s.io/v1",
        "columnDefinitions": [{"name": "Name", "type": "string", "format": "name", "priority": 0},
                              {"name": "Age", "type": "string", "format": "", "priority": 0}],
        "rows": [{"cells": [(o.get("metadata") or {}).get("name", ""),
                            age_of((o.get("metadata") or {}).get("creationTimestamp"), now)],
                  "object": {"metadata": o.get("metadata") or {}}} for o in items],
    }
