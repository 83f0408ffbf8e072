"""Toleration matching (core/v1 Toleration.ToleratesTaint), shared by two plugins."""

from __future__ import annotations

from typing import Any

from kube.api.errors import bad_request

Toleration = tuple[str, str, str, str]  # key, operator, value, effect


def parse_tolerations(spec: dict[str, Any]) -> list[Toleration]:
    out = []
    for i, t in enumerate(spec.get("tolerations") or ()):
        op = t.get("operator") or "Equal"
        if op not in ("Equal", "Exists"):
            raise bad_request(f'spec.tolerations[{i}].operator: Unsupported value: "{op}": '
                              'supported values: "Equal", "Exists"')
        out.append((str(t.get("key") or ""), op, str(t.get("value") or ""), str(t.get("effect") or "")))
    return out


def tolerates(toleration: Toleration, taint: tuple[str, str, str]) -> bool:
    key, op, value, effect = toleration
    t_key, t_value, t_effect = taint
    if effect and effect != t_effect:
        return False
    if key and key != t_key:
        return False
    if op == "Exists":
        return True
    return value == t_value
