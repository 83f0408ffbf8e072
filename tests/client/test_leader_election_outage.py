"""Leader election through an API outage (issue 10): transport failures never escape
`LeaderElector.run()`; a candidate keeps campaigning through them, and a leader that
cannot renew in time steps down by returning (kube/component's Leadership then
campaigns again), never by raising."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from aiohttp import web

from kube.client.kubeconfig import ClientConfig
from kube.client.leader_election import LeaderElectionConfig, LeaderElector
from kube.client.rest import RestClient
from tests.client.scripted_api import Scripted, dropped, status


def lease(holder: str, rv: str) -> dict[str, Any]:
    return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": "ctrl", "namespace": "kube-system", "resourceVersion": rv},
            "spec": {"holderIdentity": holder, "leaseDurationSeconds": 2, "renewTime": "2026-01-01T00:00:00.000000Z"}}


def elector(client: RestClient, log: list[str]) -> LeaderElector:
    config = LeaderElectionConfig("ctrl", "kube-system", identity="me", lease_duration=2.0, renew_deadline=0.5,
                                  retry_period=0.1)
    return LeaderElector(client, config, on_started_leading=lambda: log.append("start"),
                         on_stopped_leading=lambda: log.append("stop"))


async def test_campaigns_through_broken_connections_then_steps_down_by_returning(
        scripted: Scripted, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kube.client.leader_election")
    unavailable = lambda r: web.json_response(status(503, "ServiceUnavailable", "starting"), status=503)  # noqa: E731
    scripted.answers += [
        dropped([b'{"kind":"Le']),  # the API server dies mid-answer
        unavailable,
        lambda r: web.json_response(status(404, "NotFound", "no lease"), status=404),
        lambda r: web.json_response(lease("me", "1"), status=201),  # created: leading
        *[dropped([]) for _ in range(40)],  # then every renewal breaks
    ]
    client = RestClient(ClientConfig(servers=[scripted.url]))
    client.transport.retry.max_retries = 0
    log: list[str] = []
    candidate = elector(client, log)
    try:
        await asyncio.wait_for(candidate.run(), 20)  # returns: neither hangs nor raises
        assert log == ["start", "stop"] and not candidate.is_leader()
        methods = [method for method, *_ in scripted.requests]
        assert methods[:4] == ["GET", "GET", "GET", "POST"] and methods.count("GET") > 4
        # one WARNING per outage (campaigning, then leading), not one per retry period
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert len([w for w in warnings if "reading the lease failed" in w]) == 2, warnings
        assert len([w for w in warnings if "could not renew" in w]) == 1
    finally:
        await client.close()
