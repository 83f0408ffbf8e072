"""create_object's strategy hooks around the store write, seen through a Service's allocations."""

from __future__ import annotations

import itertools

import pytest

from kube.apiserver.server import APIServer
from kube.apiserver.storage import lifecycle
from tests.apiserver.conftest import Api

SERVICES = "/api/v1/namespaces/default/services"


def service(**meta: str) -> dict:
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": {"ports": [{"port": 80}]}}


async def test_a_duplicate_create_gives_back_what_it_claimed(api: Api, server: APIServer) -> None:
    assert server.state is not None
    status, first = await api.post(SERVICES, service(name="web"))
    assert status == 201
    status, body = await api.post(SERVICES, service(name="web"))
    assert status == 409 and body["reason"] == "AlreadyExists"
    ips, _ = await server.state.allocators.allocated()
    held = [ip for ip, owner in ips.items() if owner.startswith("default/web/")]
    assert held == [first["spec"]["clusterIP"]], "the refused duplicate must not keep an IP"


async def test_a_taken_generated_name_is_claimed_again_under_the_new_name(
        api: Api, server: APIServer, monkeypatch: pytest.MonkeyPatch) -> None:
    assert server.state is not None
    # the first two generated names collide, the third is new
    letters = itertools.chain("bbbbb", "bbbbb", "ccccc")
    monkeypatch.setattr(lifecycle.secrets, "choice", lambda _alphabet: next(letters))
    status, first = await api.post(SERVICES, service(generateName="svc-"))
    assert status == 201 and first["metadata"]["name"] == "svc-bbbbb"
    status, second = await api.post(SERVICES, service(generateName="svc-"))
    assert status == 201 and second["metadata"]["name"] == "svc-ccccc"
    ips, _ = await server.state.allocators.allocated()
    assert ips[second["spec"]["clusterIP"]].startswith("default/svc-ccccc")
    assert ips[first["spec"]["clusterIP"]].startswith("default/svc-bbbbb")
    assert len({owner for owner in ips.values() if "/svc-" in owner}) == 2, ips
