"""The node's /portForward handler on its own (the pod's netns replaced by a loopback "pod"): the three
protocols, many connections and ports at once, a closed port, a client that leaves mid-stream, and
the requests that must be refused with a Status before any upgrade."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp
import pytest

from kube.node import spdy_frames as f
from kube.node.port_forward_metrics import LIVE
from kube.node.port_forward_spdy import SpdyPortForward
from kube.node.spdy_session import SpdySession
from tests.node.port_forward_client import SpdyClient
from tests.node.port_forward_harness import CLOSED_PORT, FakePod, LoopbackNetns, node_app, serving
from tests.node.test_spdy_session import Pipe


@dataclass
class Node:
    port: int
    pod: FakePod
    netns: LoopbackNetns

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/portForward/default/x"


@pytest.fixture
async def node() -> AsyncIterator[Node]:
    pod = await FakePod().start()
    netns = LoopbackNetns(pod)
    async with serving(node_app(netns)) as port:
        yield Node(port, pod, netns)
    await pod.close()


async def _settled(check, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        assert asyncio.get_running_loop().time() < deadline, "did not settle"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("transport", ["upgrade", "websocket"])
async def test_twenty_parallel_connections_on_two_ports_in_one_session(node: Node, transport: str) -> None:
    client = await (SpdyClient.upgrade(node.port) if transport == "upgrade" else SpdyClient.websocket(node.url))
    answers = await asyncio.gather(*(client.request(80 if i % 2 else 8080, f"GET /{i} HTTP/1.0\r\n\r\n".encode())
                                     for i in range(20)))
    for i, (answer, error) in enumerate(answers):
        assert answer.endswith(f"hello from the pod: GET /{i} HTTP/1.0\n".encode()) and error == b""
    assert node.pod.connections == 20
    await client.close()
    await _settled(lambda: node.pod.open_now == 0)


async def test_a_closed_port_reports_on_its_error_stream_and_the_rest_goes_on(node: Node) -> None:
    client = await SpdyClient.upgrade(node.port)
    answer, error = await client.request(CLOSED_PORT, b"GET / HTTP/1.0\r\n\r\n")
    assert answer == b""
    assert error.decode().startswith(f"error forwarding port {CLOSED_PORT} to pod fake-sandbox, uid : failed to "
                                     f'connect to localhost:{CLOSED_PORT} inside namespace "fake-sandbox"')
    assert b"connection refused" in error
    answer, error = await client.request(80, b"GET /after HTTP/1.0\r\n\r\n")  # same session, still serving
    assert b"GET /after" in answer and error == b""
    await client.close()


async def test_a_half_closed_client_still_gets_the_answer(node: Node) -> None:
    client = await SpdyClient.websocket(node.url)
    answer, _ = await client.request(80, b"echo me", half_close=True)  # the fake pod echoes non-HTTP until FIN
    assert answer == b"echo me"
    await client.close()


async def test_large_transfers_both_ways_and_window_updates(node: Node) -> None:
    client = await SpdyClient.upgrade(node.port)
    blob = bytes(range(256)) * 4096  # 1 MiB through the echo
    error, data = await client.open_pair(80)
    for i in range(0, len(blob), 32768):
        await client.send(f.Data(data, blob[i:i + 32768]))
    await _settled(lambda: len(client.streams[data].data) == len(blob), timeout=60)
    updates = [fr for fr in client.frames if isinstance(fr, f.WindowUpdate)]  # while the stream is open
    assert {u.stream_id for u in updates} == {0, data}
    assert sum(u.delta for u in updates if u.stream_id == data) > len(blob) // 2
    await client.send(f.Data(data, b"", f.FLAG_FIN))
    view = await client.wait(data, timeout=60)
    assert bytes(view.data) == blob
    await client.close()


async def test_a_client_leaving_mid_stream_leaves_no_task_or_socket(node: Node) -> None:
    baseline = len(asyncio.all_tasks())
    clients = [await SpdyClient.upgrade(node.port) for _ in range(3)] + [await SpdyClient.websocket(node.url)]
    for client in clients:
        for _ in range(3):
            _, data = await client.open_pair(80)
            await client.send(f.Data(data, b"half a request, never finished"))
    await _settled(lambda: node.pod.open_now == 12)
    assert LIVE.task_count() == 12 and len(LIVE.sessions) == 4  # the node's gauges: a task per connection
    for client in clients:  # gone without a reset, a GOAWAY or a FIN
        await client.close()
    await _settled(lambda: node.pod.open_now == 0)
    await _settled(lambda: len(asyncio.all_tasks()) <= baseline)
    assert LIVE.task_count() == 0 and not LIVE.sessions
    assert all(s.fileno() == -1 for s in node.netns.sockets)


async def test_v4_channels_several_ports_and_a_closed_one(node: Node) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(node.url + f"?ports=80,{CLOSED_PORT},8080", protocols=("v4.channel.k8s.io",))
        assert ws.protocol == "v4.channel.k8s.io"
        await ws.send_bytes(b"\x00GET /a HTTP/1.0\r\n\r\n")
        await ws.send_bytes(b"\x04GET /c HTTP/1.0\r\n\r\n")
        got: dict[int, bytes] = {}
        async for msg in ws:
            got[msg.data[0]] = got.get(msg.data[0], b"") + msg.data[1:]
        for channel, port in ((0, 80), (1, 80), (2, CLOSED_PORT), (3, CLOSED_PORT), (4, 8080), (5, 8080)):
            assert got[channel].startswith(port.to_bytes(2, "little"))
        assert got[0].endswith(b"GET /a HTTP/1.0\n") and got[4].endswith(b"GET /c HTTP/1.0\n")
        assert b"error forwarding port 81" in got[3]
        assert got[1] == (80).to_bytes(2, "little") and got[5] == (8080).to_bytes(2, "little")  # no error
    await _settled(lambda: node.pod.open_now == 0)
    await _settled(lambda: not LIVE.sessions)  # the WebSocket closed once every port was done


async def test_v4_data_for_a_failed_port_does_not_stall_the_others(node: Node) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(node.url + f"?ports={CLOSED_PORT},80", protocols=("v4.channel.k8s.io",))
        for _ in range(500):  # far past the per-port queue, all for the port whose dial failed
            await ws.send_bytes(b"\x00" + b"x" * 1024)
        await ws.send_bytes(b"\x02GET /still HTTP/1.0\r\n\r\n")
        got = b""
        async for msg in ws:
            if msg.data[0] == 2:
                got += msg.data[1:]
        assert got.endswith(b"GET /still HTTP/1.0\n")


async def test_v4_base64_text_channels(node: Node) -> None:
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(node.url + "?ports=80", protocols=("v4.base64.channel.k8s.io",))
        import base64

        await ws.send_str("0" + base64.b64encode(b"GET /b64 HTTP/1.0\r\n\r\n").decode())
        data = b""
        async for msg in ws:
            if msg.data[0] == "0":
                data += base64.b64decode(msg.data[1:])
        assert data[:2] == b"\x50\x00" and data.endswith(b"GET /b64 HTTP/1.0\n")


@pytest.mark.parametrize("path, headers, code, words", [
    ("/portForward/default/x", {}, 400, "needs a WebSocket upgrade"),
    ("/portForward/default/x", {"Connection": "Upgrade", "Upgrade": "h2c"}, 400, "needs a WebSocket upgrade"),
    ("/portForward/default/x", {"Connection": "Upgrade", "Upgrade": "SPDY/3.1",
                                "X-Stream-Protocol-Version": "v4.channel.k8s.io"}, 400, "unable to negotiate"),
    ("/portForward/default/nope", {"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}, 404, 'pod "nope" not found'),
    ("/portForward/default/x/other-uid", {"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}, 404, "with uid"),
])
async def test_requests_refused_with_a_status(node: Node, path: str, headers: dict[str, str], code: int,
                                              words: str) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"http://127.0.0.1:{node.port}{path}", headers=headers) as resp:
            body = await resp.json()
    assert resp.status == code and body["kind"] == "Status" and body["code"] == code and words in body["message"]


@pytest.mark.parametrize("query, protocols, words", [
    ("", ("v4.channel.k8s.io",), 'query parameter "ports" is required'),
    ("?ports=80,http", ("v4.channel.k8s.io",), "unable to parse"),
    ("?ports=0", ("v4.channel.k8s.io",), "must be > 0"),
    ("?ports=80", ("v5.channel.k8s.io",), "none of the WebSocket subprotocols"),
])
async def test_websocket_requests_refused_with_a_status(node: Node, query: str, protocols: tuple[str, ...],
                                                        words: str) -> None:
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.WSServerHandshakeError) as err:
            await http.ws_connect(node.url + query, protocols=protocols)
    assert err.value.status == 400
    async with aiohttp.ClientSession() as http:  # the body is a Status naming the problem
        headers = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
                   "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": ",".join(protocols)}
        async with http.get(node.url + query, headers=headers) as resp:
            assert words in (await resp.json())["message"]


async def test_streams_with_bad_headers_are_reset_and_the_session_stays(node: Node) -> None:
    client = await SpdyClient.upgrade(node.port)
    await client.send(f.SynStream(1, (("streamtype", "data"),)))  # no port
    await client.send(f.SynStream(3, (("streamtype", "bogus"), ("port", "80"))))
    await client.send(f.SynStream(4, (("streamtype", "data"), ("port", "80"))))  # even: the server's ids
    for sid in (1, 3, 4):
        assert (await client.wait(sid, until="replied")).reset is not None
    await client.send(f.Ping(7))
    client.next_id = 5
    answer, _ = await client.request(80, b"GET /fine HTTP/1.0\r\n\r\n")
    assert b"/fine" in answer and f.Ping(7) in client.frames
    await client.close()


async def test_streams_without_request_ids_pair_by_stream_id(node: Node) -> None:
    """Clients older than request ids: error stream N and data stream N+2 make a pair (the kubelet's guess)."""
    client = await SpdyClient.upgrade(node.port)
    await client.send(f.SynStream(1, (("streamtype", "error"), ("port", "80"))))
    await client.send(f.SynStream(3, (("streamtype", "data"), ("port", "80"))))
    await client.send(f.Data(3, b"GET /old HTTP/1.0\r\n\r\n"))
    assert b"GET /old" in bytes((await client.wait(3)).data)
    await client.close()


async def test_a_pair_missing_its_data_stream_times_out_on_its_error_stream(node: Node) -> None:
    pipe = Pipe()
    forward = SpdyPortForward(node.netns.dial, lambda: "sandbox, uid ", creation_timeout=0.3)
    task = asyncio.ensure_future(SpdySession(pipe, forward.accept, forward.handle).run())  # type: ignore[arg-type]
    pipe.peer(f.SynStream(1, (("streamtype", "error"), ("port", "80"), ("requestid", "7"))))
    await _settled(lambda: f.Data(1, b"", f.FLAG_FIN) in pipe.frames)
    assert pipe.data(1) == b"(request=7) timed out waiting for streams" and not forward.pairs
    pipe.inbound.put_nowait(b"")
    await asyncio.wait_for(task, 20)


async def test_garbage_ends_the_session_with_a_goaway(node: Node) -> None:
    client = await SpdyClient.upgrade(node.port)
    await client.send_raw(b"\x80\x02\x00\x06\x00\x00\x00\x04\x00\x00\x00\x01")  # SPDY/2
    await asyncio.wait_for(client.ended.wait(), 20)
    assert any(isinstance(fr, f.GoAway) and fr.status == f.GOAWAY_PROTOCOL_ERROR for fr in client.frames)
    await client.close()


async def test_the_guard_refuses_before_anything_else() -> None:
    pod = await FakePod().start()
    async with serving(node_app(LoopbackNetns(pod), require_cert=True)) as port:
        async with aiohttp.ClientSession() as http:
            async with http.post(f"http://127.0.0.1:{port}/portForward/default/x",
                                 headers={"Connection": "Upgrade", "Upgrade": "SPDY/3.1"}) as resp:
                assert resp.status == 401 and (await resp.json())["reason"] == "Unauthorized"
    await pod.close()


async def test_aiohttp_forgets_a_connection_the_spdy_session_took() -> None:
    from aiohttp import web

    pod = await FakePod().start()
    runner = web.AppRunner(node_app(LoopbackNetns(pod)), access_log=None, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        clients = [await SpdyClient.upgrade(port) for _ in range(3)]
        for client in clients:
            _, data = await client.open_pair(80)
            await client.send(f.Data(data, b"GET / HTTP/1.0\r\n\r\n"))
        for client in clients:
            await client.close()
        server = runner.server
        assert server is not None
        await _settled(lambda: len(server.connections) == 0)  # the taken connections released, not kept forever
    finally:
        await runner.cleanup()
        await pod.close()
