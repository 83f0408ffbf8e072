"""Server-side printing: meta.k8s.io/v1 Tables for `kubectl get`, one module per kind group.

kubectl asks for `application/json;as=Table;v=v1;g=meta.k8s.io`; without a
Table it prints only NAME and AGE. The columns here follow Kubernetes' own
printers so `kube get` and `kubectl get` read like a real cluster.
"""

from __future__ import annotations

import time
from typing import Any

from kube.api.age import age_since, human_duration
from kube.api.meta import Obj
from kube.api.registry import KindInfo
from kube.apiserver.tables import (
    apps,
    batch,
    certificates,
    cluster,
    config,
    coordination,
    daemonsets,
    endpointslices,
    events,
    flowcontrol,
    pods,
    policy,
    services,
)
from kube.apiserver.tables.columns import AGE, NAME, Column, Printer, meta

__all__ = ["to_table", "printer_for", "human_duration", "Column", "Printer", "INCLUDE_OBJECT_POLICIES"]

PRINTERS: dict[tuple[str, str], Printer] = {
    **pods.PRINTERS, **apps.PRINTERS, **services.PRINTERS, **cluster.PRINTERS,
    **config.PRINTERS, **events.PRINTERS, **coordination.PRINTERS, **policy.PRINTERS, **daemonsets.PRINTERS,
    **batch.PRINTERS, **endpointslices.PRINTERS, **certificates.PRINTERS, **flowcontrol.PRINTERS,
}

INCLUDE_OBJECT_POLICIES = ("None", "Metadata", "Object")


def _default_row(obj: Obj, now: float) -> list[Any]:
    return [meta(obj).get("name", ""), age_since(meta(obj).get("creationTimestamp"), now)]


_DEFAULT = Printer((NAME, AGE), _default_row)


def printer_for(kind: KindInfo) -> Printer:
    """The printer of a kind; NAME and AGE for kinds without their own (as Kubernetes' default)."""
    return PRINTERS.get((kind.group, kind.kind), _DEFAULT)


def _partial(kind: KindInfo, obj: Obj) -> dict[str, Any]:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta(obj)}


def to_table(
    kind: KindInfo,
    objects: list[Obj],
    *,
    include_object: str = "Metadata",
    list_meta: dict[str, Any] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """A Table of objects; `include_object` is the request's includeObject (None/Metadata/Object).

    A printer never raises on odd objects: missing or mistyped fields print as
    kubectl would print them absent.
    """
    printer = printer_for(kind)
    at = time.time() if now is None else now
    rows = []
    for obj in objects:
        row: dict[str, Any] = {"cells": printer.row(obj, at)}
        if printer.conditions is not None:
            conds = printer.conditions(obj)
            if conds:
                row["conditions"] = conds
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = _partial(kind, obj)
        rows.append(row)
    table_meta: dict[str, Any] = {}
    for key in ("resourceVersion", "continue", "remainingItemCount"):
        if list_meta and list_meta.get(key) not in (None, ""):
            table_meta[key] = list_meta[key]
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": table_meta,
        "columnDefinitions": [c.definition() for c in printer.columns],
        "rows": rows,
    }
