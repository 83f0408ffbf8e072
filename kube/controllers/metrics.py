"""The controller manager's Prometheus metrics, read at scrape time from the counts its parts keep.

Every controller loop counts its syncs and failed syncs, the executor the API actions it sent
and those that failed, each event recorder its writes; this collector turns those plain integers
into counter families when the registry is scraped, so the reconcile path pays nothing for
metrics. Each work queue reports itself (kube/client/workqueue.py: workqueue_depth,
workqueue_adds_total, workqueue_retries_total, label `name`).

One collector per registry follows the manager of the current leader term: a manager built
afresh after a step-down replaces the one before (its counters start again from zero, which
Prometheus reads as a counter reset, as after a restart).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from kube.controllers.manager import ControllerManager


class ControllerManagerCollector(Collector):
    def __init__(self) -> None:
        self.manager: ControllerManager | None = None

    def describe(self) -> Iterator[CounterMetricFamily]:
        """The families (without samples), so the registry refuses a clashing name up front."""
        yield from self._families()

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield from self._families(self.manager)

    @staticmethod
    def _families(manager: ControllerManager | None = None) -> Iterator[CounterMetricFamily]:
        syncs = CounterMetricFamily("controller_syncs_total", "Syncs run by each controller.", labels=["controller"])
        errors = CounterMetricFamily("controller_sync_errors_total", "Syncs that failed, by controller.",
                                     labels=["controller"])
        actions = CounterMetricFamily("controller_api_actions_total", "API actions sent by the controllers, by kind.",
                                      labels=["action"])
        failures = CounterMetricFamily("controller_api_action_failures_total",
                                       "API actions the API server refused or could not be sent.")
        writes = CounterMetricFamily("controller_event_writes_total", "Event writes, by reporting component.",
                                     labels=["component"])
        if manager is not None:
            for controller in manager.controllers:
                syncs.add_metric([controller.name], controller.syncs)
                errors.add_metric([controller.name], controller.errors)
            stats = manager.ctx.executor.stats
            for action, sent in sorted(stats.sent.items()):
                actions.add_metric([action], sent)
            failures.add_metric([], stats.failed)
            for component, recorder in sorted(manager.ctx.recorders.items()):
                writes.add_metric([component], recorder.writes)
        yield from (syncs, errors, actions, failures, writes)


_collectors: WeakKeyDictionary[CollectorRegistry, ControllerManagerCollector] = WeakKeyDictionary()


def report(registry: CollectorRegistry, manager: ControllerManager) -> None:
    """Serve `manager`'s counts (and its queues') on `registry` from now on."""
    collector = _collectors.get(registry)
    if collector is None:
        collector = _collectors[registry] = ControllerManagerCollector()
        registry.register(collector)
    collector.manager = manager
    for controller in manager.controllers:
        controller.queue.instrument(registry)
