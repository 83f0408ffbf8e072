"""ConfigMap and Secret tables (printConfigMap, printSecret): counts, never the data itself."""

from __future__ import annotations

from typing import Any

from kube.api.age import age_since
from kube.api.meta import Obj
from kube.apiserver.tables.columns import AGE, NAME, Cell, Column, Printer, meta

CONFIGMAP_COLUMNS = (
    NAME,
    Column("Data", type="integer", description="Data contains the configuration data."),
    AGE,
)

SECRET_COLUMNS = (
    NAME,
    Column("Type", description="Used to facilitate programmatic handling of secret data."),
    Column("Data", type="integer", description="Data contains the secret data."),
    AGE,
)


def _size(value: Any) -> int:
    return len(value) if isinstance(value, dict) else 0


def _configmap_row(obj: Obj, now: float) -> list[Cell]:
    return [meta(obj).get("name", ""), _size(obj.get("data")) + _size(obj.get("binaryData")),
            age_since(meta(obj).get("creationTimestamp"), now)]


def _secret_row(obj: Obj, now: float) -> list[Cell]:
    return [meta(obj).get("name", ""), obj.get("type") or "Opaque", _size(obj.get("data")),
            age_since(meta(obj).get("creationTimestamp"), now)]


PRINTERS = {
    ("", "ConfigMap"): Printer(CONFIGMAP_COLUMNS, _configmap_row),
    ("", "Secret"): Printer(SECRET_COLUMNS, _secret_row),
}
