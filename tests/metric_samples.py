"""Read a registry the way Prometheus does: render with generate_latest, parse the text back."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families


def scrape(registry: CollectorRegistry) -> dict[str, Metric]:
    """The registry's families by name, as parsed from its exposition text."""
    return {f.name: f for f in text_string_to_metric_families(generate_latest(registry).decode())}


def sample(registry: CollectorRegistry, name: str, /, **labels: str) -> float | None:
    """The value of the one sample `name` whose labels are exactly `labels`, None if absent."""
    for family in scrape(registry).values():
        for s in family.samples:
            if s.name == name and s.labels == labels:
                return s.value
    return None
