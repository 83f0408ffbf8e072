"""Which objects a list or watch wants: namespace, label selector, field selector.

Parsed once per request from the query; bad selectors are 400 BadRequest.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube.api.errors import bad_request
from kube.api.meta import Obj
from kube.api.registry import KindInfo


@dataclass(slots=True)
class ObjectFilter:
    namespace: str = ""
    labels: Any = None  # kube.api.labels.Selector or None
    fields: Any = None  # kube.api.fields.FieldSelector or None

    @property
    def trivial(self) -> bool:
        return self.labels is None and self.fields is None

    def matches(self, obj: Obj) -> bool:
        meta = obj.get("metadata") or {}
        if self.namespace and meta.get("namespace") != self.namespace:
            return False
        if self.labels is not None and not self.labels.matches(meta.get("labels") or {}):
            return False
        return self.fields is None or bool(self.fields.matches(obj))

    def exact_name(self) -> str | None:
        """The name when the field selector pins `metadata.name` (a direct lookup instead of a scan)."""
        if self.fields is None:
            return None
        try:
            value = self.fields.exact_value("metadata.name")
        except (AttributeError, KeyError, ValueError):
            return None
        return value or None


def build_filter(kind: KindInfo, namespace: str, label_selector: str, field_selector: str) -> ObjectFilter:
    labels = fields = None
    if label_selector.strip():
        from kube.api.labels import SelectorError, parse

        try:
            labels = parse(label_selector)
        except SelectorError as exc:
            raise bad_request(f"unable to parse requirement: {exc}") from None
        except (ValueError, TypeError) as exc:
            raise bad_request(f"invalid labelSelector {label_selector!r}: {exc}") from None
    if field_selector.strip():
        from kube.api.fields import FieldSelectorError, parse_field_selector

        try:
            fields = parse_field_selector(field_selector, kind.kind)
        except FieldSelectorError as exc:
            raise bad_request(str(exc)) from None
        except (ValueError, TypeError) as exc:
            raise bad_request(f"invalid fieldSelector {field_selector!r}: {exc}") from None
    return ObjectFilter(namespace, labels, fields)
