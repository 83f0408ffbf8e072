"""One metric family per (registry, name), shared by every object that records into it.

A process holds one CollectorRegistry, but several work queues and leader electors in it report
under the same names told apart by a label (`workqueue_depth{name="replicaset"}`); prometheus-client
refuses a second family of a name on one registry. `family()` creates the family on first use and
hands the same one back afterwards, so each recorder only picks its labelled child.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry
from prometheus_client.metrics import MetricWrapperBase

M = TypeVar("M", bound=MetricWrapperBase)

# per registry: name -> (type, label names, family); weak, so a test's registry goes with the test
_families: WeakKeyDictionary[CollectorRegistry, dict[str, tuple[type, tuple[str, ...], MetricWrapperBase]]] = \
    WeakKeyDictionary()


def family(registry: CollectorRegistry, kind: type[M], name: str, documentation: str,
           labelnames: Sequence[str] = (), **options: Any) -> M:
    """The `kind` family called `name` on `registry`, registered there the first time it is asked for."""
    known = _families.setdefault(registry, {})
    labels = tuple(labelnames)
    entry = known.get(name)
    if entry is None:
        entry = known[name] = (kind, labels, kind(name, documentation, labels, registry=registry, **options))
    if entry[:2] != (kind, labels):
        raise ValueError(f"metric {name!r} is already registered as a {entry[0].__name__} with labels {entry[1]}")
    return entry[2]  # type: ignore[return-value]
