"""The recorded client bytes (tests/fixtures/protocols/, made by record_port_forward.py from the real
kubectl 1.37.1 and Python client 37) played back, unchanged but for the request path, against the
node's handler: it must answer what the recording shows (replies, data, FINs, the error text), each
client chunk sent only once the answers recorded before it came."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from tests.node.port_forward_harness import FakePod, LoopbackNetns, node_app, serving
from tests.node.port_forward_wire import Side, load, variant_of

FIXTURES = ["port_forward_kubectl_websocket.json", "port_forward_kubectl_spdy.json",
            "port_forward_kubectl_closed_port.json", "port_forward_python_v4.json"]
API_PATH, NODE_PATH = b"/api/v1/namespaces/default/pods/x/portforward", b"/portForward/default/x"


async def _covered(live: Side, recorded: Side, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not live.covers(recorded):
        assert asyncio.get_running_loop().time() < deadline, \
            f"the node did not answer what the recording shows: missing {recorded.marks - live.marks}, " \
            f"data {dict(live.data)} for {dict(recorded.data)}"
        await asyncio.sleep(0.02)


@pytest.mark.parametrize("name", FIXTURES)
async def test_recorded_clients_replay_against_the_node(name: str) -> None:
    doc = load(name)
    variant = variant_of(doc["events"][0][1])
    recorded = {"client": Side(variant), "server": Side(variant)}
    live = Side(variant)
    pod = await FakePod().start()
    async with serving(node_app(LoopbackNetns(pod))) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)

        async def read() -> None:
            with contextlib.suppress(ConnectionError):
                while data := await reader.read(65536):
                    live.feed(data)

        reading = asyncio.ensure_future(read())
        for i, (who, data) in enumerate(doc["events"]):
            recorded[who].feed(data)
            if who == "client":
                await _covered(live, recorded["server"])
                writer.write(data.replace(API_PATH, NODE_PATH, 1) if i == 0 else data)
                await writer.drain()
        await _covered(live, recorded["server"])
        assert live.head.split(b"\r\n")[0] == recorded["server"].head.split(b"\r\n")[0]  # the 101
        assert dict(live.data) == dict(recorded["server"].data)
        writer.close()
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
    await pod.close()


def test_the_fixtures_hold_what_the_protocol_notes_say() -> None:
    """What docs/protocols.md describes, checked against the bytes kubectl really sent."""
    ws = Side("spdy-ws")
    for who, data in load("port_forward_kubectl_websocket.json")["events"]:
        if who == "client":
            ws.feed(data)
    assert b"Sec-WebSocket-Protocol: SPDY/3.1+portforward.k8s.io" in ws.head
    syns = [m for m in ws.marks if m[0] == "syn"]
    assert {dict(m[2])["streamtype"] for m in syns} == {"error", "data"}
    assert {m[1] for m in syns} == {1, 3, 5, 7}  # error then data, odd ids, one pair per connection
    assert ("fin", 1) in ws.marks and ("rst", 3, 5) in ws.marks  # error half-closed at once; data CANCELled
    assert ("ping", 1) in ws.marks  # kubectl's tunnel pings every 10 s; the replay checks the echo
    spdy = Side("spdy")
    spdy.feed(load("port_forward_kubectl_spdy.json")["events"][0][1])
    assert spdy.head.startswith(b"POST ") and b"Upgrade: SPDY/3.1" in spdy.head
    assert b"X-Stream-Protocol-Version: portforward.k8s.io" in spdy.head
    v4 = load("port_forward_python_v4.json")["events"][0][1]
    assert b"?ports=80%2C81 " in v4  # both ports in one query value, comma-joined
    assert b"sec-websocket-protocol: v5.channel.k8s.io,v4.channel.k8s.io" in v4  # v4 is what it gets
