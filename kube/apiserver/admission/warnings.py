"""Warnings for the client, gathered while a request is served (Kubernetes' `warning.AddWarning`).

Admission runs deep in the write path, far from the response; the warnings it records
here go out as `Warning: 299 - "..."` headers (handlers/field_validation.py writes them),
which kubectl prints as `Warning: ...` on stderr. Each aiohttp request runs in its own
task, so a ContextVar holds one request's warnings.
"""

from __future__ import annotations

from contextvars import ContextVar

_WARNINGS: ContextVar[tuple[str, ...]] = ContextVar("kube_request_warnings", default=())


def add_warning(text: str) -> None:
    current = _WARNINGS.get()
    if text not in current:
        _WARNINGS.set((*current, text))  # a new tuple: a context copied from this one keeps its own


def take_warnings() -> list[str]:
    """This request's warnings so far, cleared (a write starts by clearing them: a retried or
    refused write, or an earlier request in the same task, leaves nothing behind)."""
    current = _WARNINGS.get()
    if current:
        _WARNINGS.set(())
    return list(current)
