"""FlowControl without a server: seats per level, the bootstrap configuration as fallback, the
429 Status and the apiserver_flowcontrol_* series a request leaves behind."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry

from kube.api.errors import StatusError
from kube.apiserver.flowcontrol import bootstrap_objects
from kube.apiserver.flowcontrol.classifier import RequestDigest
from kube.apiserver.flowcontrol.dispatcher import FlowControl, nominal_limits
from kube.apiserver.flowcontrol.flow_metrics import FlowMetrics

JANE = RequestDigest("jane", ("system:authenticated",), "list", resource="pods", namespace="default")
ADMIN = RequestDigest("root", ("system:masters",), "list", resource="pods", namespace="default")


def flow_control(server_limit: int = 600, wait: float = 10.0) -> tuple[FlowControl, CollectorRegistry]:
    registry = CollectorRegistry()
    return FlowControl(None, server_limit, wait, FlowMetrics(registry)), registry


def value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    got = registry.get_sample_value(name, labels)
    return 0.0 if got is None else got


def test_seats_are_the_server_limit_shared_by_nominal_shares() -> None:
    """Kubernetes' bootstrap levels with 400 + 200 seats: shares 5/30/40/10/40/100/20 of 245."""
    _, levels = bootstrap_objects.defaults()
    assert nominal_limits(levels, 600) == {"catch-all": 13, "system": 74, "node-high": 98, "leader-election": 25,
                                           "workload-high": 98, "workload-low": 245, "global-default": 49}


def test_a_level_with_no_shares_still_has_a_seat() -> None:
    levels = [{"metadata": {"name": "tiny"}, "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 0}}},
              {"metadata": {"name": "big"}, "spec": {"type": "Limited", "limited": {"nominalConcurrencyShares": 10}}}]
    assert nominal_limits(levels, 10) == {"tiny": 1, "big": 10}


def test_without_the_api_objects_the_bootstrap_configuration_classifies() -> None:
    fc, registry = flow_control()
    assert fc.classify(JANE).priority_level_name == "global-default"
    assert fc.classify(ADMIN).priority_level_name == "exempt"
    assert set(fc.queue_sets) == {"catch-all", "system", "node-high", "leader-election", "workload-high",
                                  "workload-low", "global-default"}
    assert value(registry, "apiserver_flowcontrol_nominal_limit_seats", priority_level="global-default") == 49


async def test_an_admitted_request_is_counted_and_gives_its_seat_back() -> None:
    fc, registry = flow_control()
    found = fc.classify(JANE)
    pair = {"priority_level": "global-default", "flow_schema": "global-default"}
    async with fc.admit(found):
        assert value(registry, "apiserver_flowcontrol_current_executing_requests", **pair) == 1
        assert fc.queue_sets["global-default"].executing == 1
    assert value(registry, "apiserver_flowcontrol_current_executing_requests", **pair) == 0
    assert value(registry, "apiserver_flowcontrol_dispatched_requests_total", **pair) == 1
    assert value(registry, "apiserver_flowcontrol_request_wait_duration_seconds_count", execute="true", **pair) == 1
    assert fc.queue_sets["global-default"].executing == 0
    with pytest.raises(RuntimeError):
        async with fc.admit(found):
            raise RuntimeError("the handler failed")
    assert fc.queue_sets["global-default"].executing == 0


async def test_exempt_requests_take_no_seat_and_are_still_counted() -> None:
    fc, registry = flow_control(server_limit=1)
    async with fc.admit(fc.classify(ADMIN)), fc.admit(fc.classify(ADMIN)):
        assert value(registry, "apiserver_flowcontrol_current_executing_requests", priority_level="exempt",
                     flow_schema="exempt") == 2
    assert value(registry, "apiserver_flowcontrol_dispatched_requests_total", priority_level="exempt",
                 flow_schema="exempt") == 2


async def test_no_seat_in_time_is_a_429_status_and_a_rejection_by_reason() -> None:
    fc, registry = flow_control(server_limit=1, wait=0.05)
    found = fc.classify(JANE)
    pair = {"priority_level": "global-default", "flow_schema": "global-default"}
    async with fc.admit(found):
        with pytest.raises(StatusError) as err:
            async with fc.admit(found):
                pass
    assert err.value.code == 429 and err.value.reason == "TooManyRequests"
    assert err.value.headers == {"Retry-After": "1"}
    assert err.value.message == "Too many requests, please try again later."
    assert value(registry, "apiserver_flowcontrol_rejected_requests_total", reason="time-out", **pair) == 1
    assert value(registry, "apiserver_flowcontrol_request_wait_duration_seconds_count", execute="false", **pair) == 1
    assert value(registry, "apiserver_flowcontrol_current_inqueue_requests", **pair) == 0


async def test_a_waiter_whose_client_left_is_counted_cancelled() -> None:
    fc, registry = flow_control(server_limit=1)
    found = fc.classify(JANE)

    async def second() -> None:
        async with fc.admit(found):
            pass
    async with fc.admit(found):
        task = asyncio.ensure_future(second())
        while fc.queue_sets["global-default"].waiting == 0:
            await asyncio.sleep(0.005)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert value(registry, "apiserver_flowcontrol_rejected_requests_total", reason="cancelled",
                 priority_level="global-default", flow_schema="global-default") == 1
    assert fc.queue_sets["global-default"].executing == 0 and fc.queue_sets["global-default"].waiting == 0
