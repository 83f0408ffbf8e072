"""Clients in one process share one connection pool; it closes with the last of them."""

from __future__ import annotations

from kube.client.kubeconfig import ClientConfig
from kube.client.rest import RestClient
from tests.client.scripted_api import Scripted


async def test_clients_share_one_pool_until_the_last_closes(scripted: Scripted) -> None:
    first = RestClient(ClientConfig(servers=[scripted.url], token="a"))
    second = RestClient(ClientConfig(servers=[scripted.url], token="b"))
    await first.request("GET", "/version")
    await second.request("GET", "/version")
    session = first.transport.session()
    assert session is second.transport.session()
    # each client still sends its own credentials over the shared pool
    assert [h["Authorization"] for _, _, h, _ in scripted.requests] == ["Bearer a", "Bearer b"]
    await first.close()
    assert not session.closed
    await second.close()
    assert session.closed
