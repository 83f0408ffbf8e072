"""family(): one metric family per (registry, name), shared; a clash of type or labels is refused."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge

from kube.client.metric_families import family


def test_same_registry_same_family_other_registry_another() -> None:
    one, two = CollectorRegistry(), CollectorRegistry()
    a = family(one, Gauge, "things", "Things.", ["name"])
    assert family(one, Gauge, "things", "Things.", ["name"]) is a
    b = family(two, Gauge, "things", "Things.", ["name"])
    assert b is not a
    a.labels(name="x").set(3)
    assert one.get_sample_value("things", {"name": "x"}) == 3
    assert two.get_sample_value("things", {"name": "x"}) is None


def test_other_type_or_labels_under_a_taken_name_is_refused() -> None:
    registry = CollectorRegistry()
    family(registry, Counter, "events_total", "Events.", ["kind"])
    with pytest.raises(ValueError, match="already registered"):
        family(registry, Gauge, "events_total", "Events.", ["kind"])
    with pytest.raises(ValueError, match="already registered"):
        family(registry, Counter, "events_total", "Events.", ["reason"])
