"""A daemon that loses its Lease steps down and campaigns again; it never exits for that.

Two candidates share a Lease on the real API server. The leader loses it twice over, once
to a takeover (another holder writes itself in) and once to its own API calls failing past
the renew deadline; each time its work is cancelled, it leads again later with fresh work,
and its run() never returned. A crash of the work is different: run() raises it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter

from kube.api.registry import by_gvk
from kube.client.errors import ApiConnectionError
from kube.client.leader_election import LeaderElectionConfig
from kube.client.rest import RestClient
from kube.component.leadership import Leadership

LEASE = by_gvk("coordination.k8s.io", "v1", "Lease")


class Flaky:
    """A RestClient whose calls fail while `down` is set, as during a partition from the API server."""

    def __init__(self, client: RestClient) -> None:
        self.client = client
        self.down = False

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)

        async def call(*args: Any, **kwargs: Any) -> Any:
            if self.down:
                raise ApiConnectionError(["https://127.0.0.1:1"], ConnectionRefusedError("test partition"))
            return await method(*args, **kwargs)

        return call


class Candidate:
    """One daemon: its Leadership, a log of its work's terms, and its run() task."""

    def __init__(self, client: Any, name: str) -> None:
        self.name = name
        self.terms: list[str] = []  # "start" / "cancelled" per term of work
        self.registry = CollectorRegistry()
        config = LeaderElectionConfig("demo", "kube-system", identity=name, lease_duration=2.0,
                                      renew_deadline=1.5, retry_period=0.2)
        self.leadership = Leadership(client, "demo", config, self.work, registry=self.registry)
        self.stop = asyncio.Event()
        self.task = asyncio.ensure_future(self.leadership.run(self.stop))

    async def work(self, registry: CollectorRegistry) -> None:
        Counter("demo_terms", "Terms begun on this registry.", registry=registry).inc()
        self.terms.append("start")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.terms.append("cancelled")
            raise

    def term_metric(self) -> float | None:
        return self.registry.get_sample_value("demo_terms_total")

    def status(self) -> float | None:
        return self.registry.get_sample_value("leader_election_master_status", {"name": "demo"})

    async def close(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, 10)


async def wait_for(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.mark.timeout(90)
async def test_leader_that_loses_its_lease_steps_down_and_leads_again(client: RestClient) -> None:
    flaky = Flaky(client)
    a = Candidate(flaky, "a")
    await wait_for(lambda: a.leadership.is_leader() and a.terms == ["start"])
    b = Candidate(client, "b")
    try:
        assert a.terms == ["start"] and a.status() == 1.0 and a.term_metric() == 1.0
        await asyncio.sleep(0.5)
        assert not b.leadership.is_leader() and b.terms == [] and b.status() == 0.0

        # 1. taken over: an intruder writes itself in with a long lease; a cannot renew and steps down
        lease = await client.get(LEASE, "demo", "kube-system")
        lease["spec"].update(holderIdentity="intruder", leaseDurationSeconds=3)
        await client.update(LEASE, lease, "kube-system")
        await wait_for(lambda: a.terms == ["start", "cancelled"])
        assert not a.leadership.is_leader() and a.status() == 0.0 and not a.task.done()
        assert a.term_metric() is None  # a standby shows no figures of its last term

        # the intruder never renews: after its lease runs out one of the candidates leads again
        await wait_for(lambda: a.leadership.is_leader() or b.leadership.is_leader(), timeout=30)
        await b.close()  # b stands down for good (releasing the Lease if it held it), so a must win
        # leading comes first, its work's first step a moment later: wait for both
        await wait_for(lambda: a.leadership.is_leader() and a.terms[-1] == "start", timeout=30)
        assert a.terms.count("start") >= 2 and a.status() == 1.0
        assert a.term_metric() == 1.0  # a new term, new metrics (no duplicate-registration error)

        # 2. a partition: every API call of a fails past the renew deadline; it steps down, then
        #    leads again once the API is back (the Lease still names it, or has expired)
        starts = a.terms.count("start")
        flaky.down = True
        await wait_for(lambda: a.terms[-1] == "cancelled", timeout=10)
        assert not a.leadership.is_leader() and not a.task.done()
        flaky.down = False
        await wait_for(lambda: a.leadership.is_leader() and a.terms[-1] == "start", timeout=30)
        assert a.terms.count("start") == starts + 1 and not a.task.done()
    finally:
        await a.close()
        if not b.task.done():
            await b.close()
    assert a.terms[-1] == "cancelled"  # stop ends the work too
    lease = await client.get(LEASE, "demo", "kube-system")
    assert lease["spec"]["holderIdentity"] == ""  # and the Lease was released on the way out


async def test_work_crash_is_raised_and_the_lease_released(client: RestClient) -> None:
    async def work(_registry: CollectorRegistry) -> None:
        await asyncio.sleep(0.1)
        raise KeyError("boom")

    config = LeaderElectionConfig("crash", "kube-system", identity="c", lease_duration=2.0, renew_deadline=1.5,
                                  retry_period=0.2)
    leadership = Leadership(client, "crash", config, work, registry=CollectorRegistry())
    with pytest.raises(KeyError, match="boom"):
        await asyncio.wait_for(leadership.run(asyncio.Event()), 20)
    lease = await client.get(LEASE, "crash", "kube-system")
    assert lease["spec"]["holderIdentity"] == ""


async def test_without_election_the_work_runs_at_once_until_stop() -> None:
    registry = CollectorRegistry()
    ran: list[str] = []

    async def work(_registry: CollectorRegistry) -> None:
        ran.append("start")
        await asyncio.Event().wait()

    leadership = Leadership(None, "solo", None, work, registry=registry)  # type: ignore[arg-type]
    assert leadership.is_leader()
    assert registry.get_sample_value("leader_election_master_status", {"name": "solo"}) == 1.0
    stop = asyncio.Event()
    task = asyncio.ensure_future(leadership.run(stop))
    await wait_for(lambda: ran == ["start"])
    stop.set()
    await asyncio.wait_for(task, 5)


async def test_without_election_work_that_returns_ends_run_and_a_crash_raises() -> None:
    async def done(_registry: CollectorRegistry) -> None:
        return None

    async def crash(_registry: CollectorRegistry) -> None:
        raise RuntimeError("informer died")

    await asyncio.wait_for(Leadership(None, "x", None, done, registry=CollectorRegistry())  # type: ignore[arg-type]
                           .run(asyncio.Event()), 5)
    with pytest.raises(RuntimeError, match="informer died"):
        await Leadership(None, "y", None, crash, registry=CollectorRegistry()).run(asyncio.Event())  # type: ignore[arg-type]
