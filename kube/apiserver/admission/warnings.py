"""Warnings for the client, gathered while a request is served (Kubernetes' `warning.AddWarning`).

Admission runs deep in the write path, far from the response; the warnings it records
here go out as `Warning: 299 - "..."` headers (handlers/field_validation.py writes them),
which kubectl prints as `Warning: ...` on stderr. Each aiohttp request runs in its own
task, so a ContextVar holds one request's warnings.
"""

from __future__ import annotations

from contextvars import ContextVar

_WARNINGS: ContextVar[list[str] | None] = ContextVar("kube_request_warnings", default=None)


def add_warning(text: str) -> None:
    current = _WARNINGS.get()
    if current is None:
        current = []
        _WARNINGS.set(current)
    if text not in current:
        current.append(text)


def take_warnings() -> list[str]:
    """This request's warnings so far, cleared (a retried write records them again)."""
    current = _WARNINGS.get()
    if not current:
        return []
    _WARNINGS.set([])
    return list(current)
